// Battles → sufficient statistics. A table is canonical (models sorted by name, rows sorted, a < b), so the
// same multiset of battles gives the same table, and therefore bit-identical fits, whatever their order.
import type { Comparison, ComparisonCount, ComparisonTable } from "./types.ts";

class TableBuilder {
  private readonly modelIndex = new Map<string, number>();
  private readonly modelNames: string[] = [];
  // (a, b) pair id → (outcome → row id); pair ids are a·2^26 + b, exact in a double.
  private readonly rowsByPair = new Map<number, Map<number, number>>();
  private readonly rowA: number[] = [];
  private readonly rowB: number[] = [];
  private readonly rowOutcome: number[] = [];
  private readonly rowWeight: number[] = [];

  add(modelA: string, modelB: string, outcome: number, weight: number): void {
    if (typeof modelA !== "string" || typeof modelB !== "string" || modelA === "" || modelB === "") {
      throw new TypeError(`comparison needs two model names, got ${String(modelA)} and ${String(modelB)}`);
    }
    if (!(outcome >= 0 && outcome <= 1)) throw new RangeError(`outcome must be in [0, 1], got ${outcome}`);
    if (!(weight >= 0 && Number.isFinite(weight))) {
      throw new RangeError(`weight must be finite and ≥ 0, got ${weight}`);
    }
    // A self-battle says nothing about relative strength; a zero weight says nothing at all.
    if (modelA === modelB || weight === 0) return;
    let a = this.indexOf(modelA);
    let b = this.indexOf(modelB);
    let y = outcome;
    if (a > b) {
      [a, b] = [b, a];
      y = 1 - y;
    }
    const pairId = a * 67108864 + b;
    let byOutcome = this.rowsByPair.get(pairId);
    if (byOutcome === undefined) {
      byOutcome = new Map();
      this.rowsByPair.set(pairId, byOutcome);
    }
    const row = byOutcome.get(y);
    if (row === undefined) {
      byOutcome.set(y, this.rowA.length);
      this.rowA.push(a);
      this.rowB.push(b);
      this.rowOutcome.push(y);
      this.rowWeight.push(weight);
    } else {
      this.rowWeight[row] = (this.rowWeight[row] ?? 0) + weight;
    }
  }

  build(): ComparisonTable {
    const names = this.modelNames;
    const order = names.map((_, index) => index).sort((i, j) => compareNames(names[i] ?? "", names[j] ?? ""));
    const newIndex = new Int32Array(order.length);
    order.forEach((oldIndex, position) => {
      newIndex[oldIndex] = position;
    });
    const keyed: { a: number; b: number; y: number; weight: number }[] = [];
    for (let row = 0; row < this.rowA.length; row++) {
      let a = newIndex[this.rowA[row] ?? 0] ?? 0;
      let b = newIndex[this.rowB[row] ?? 0] ?? 0;
      let y = this.rowOutcome[row] ?? 0;
      if (a > b) {
        [a, b] = [b, a];
        y = 1 - y;
      }
      keyed.push({ a, b, y, weight: this.rowWeight[row] ?? 0 });
    }
    keyed.sort((first, second) => first.a - second.a || first.b - second.b || first.y - second.y);
    const count = keyed.length;
    const table = {
      models: order.map((index) => names[index] ?? ""),
      a: new Int32Array(count),
      b: new Int32Array(count),
      outcome: new Float64Array(count),
      count: new Float64Array(count),
    };
    keyed.forEach((row, position) => {
      table.a[position] = row.a;
      table.b[position] = row.b;
      table.outcome[position] = row.y;
      table.count[position] = row.weight;
    });
    return table;
  }

  private indexOf(model: string): number {
    let index = this.modelIndex.get(model);
    if (index === undefined) {
      index = this.modelNames.length;
      this.modelIndex.set(model, index);
      this.modelNames.push(model);
    }
    return index;
  }
}

/** Code-point order, independent of locale. */
function compareNames(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Aggregates comparisons into a canonical table. Rows with modelA == modelB or weight 0 are dropped;
 * an outcome outside [0, 1] or a negative weight throws.
 */
export function aggregate(comparisons: Iterable<Comparison>): ComparisonTable {
  const builder = new TableBuilder();
  for (const comparison of comparisons) {
    builder.add(comparison.modelA, comparison.modelB, comparison.outcome, comparison.weight ?? 1);
  }
  return builder.build();
}

/** The same table from counts the store keeps (`count` comparisons of each row). */
export function tableFromCounts(rows: Iterable<ComparisonCount>): ComparisonTable {
  const builder = new TableBuilder();
  for (const row of rows) builder.add(row.modelA, row.modelB, row.outcome, row.count);
  return builder.build();
}

/** Sum of weights of the rows each model appears in, by model index. */
export function battlesPerModel(table: ComparisonTable): Float64Array {
  const battles = new Float64Array(table.models.length);
  for (let row = 0; row < table.count.length; row++) {
    const weight = table.count[row] ?? 0;
    const a = table.a[row] ?? 0;
    const b = table.b[row] ?? 0;
    battles[a] = (battles[a] ?? 0) + weight;
    battles[b] = (battles[b] ?? 0) + weight;
  }
  return battles;
}

/** Sum of all weights. */
export function totalBattles(table: ComparisonTable): number {
  let total = 0;
  for (const weight of table.count) total += weight;
  return total;
}
