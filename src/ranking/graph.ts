// The comparison graph: pair-level sufficient statistics, connected components, and the "who scored against
// whom" digraph whose strong connectivity decides whether the Bradley–Terry MLE exists (Ford, 1957).
import type { ComparisonTable } from "./types.ts";

/** Per unordered pair (a < b): n comparisons, s = a's total score against b. All a fit needs. */
export interface PairStats {
  readonly modelCount: number;
  readonly a: Int32Array;
  readonly b: Int32Array;
  readonly n: Float64Array;
  readonly s: Float64Array;
}

/** Pair statistics of a table, and for each table row the index of its pair. */
export function pairStatsOf(table: ComparisonTable): { pairs: PairStats; rowPair: Int32Array } {
  const rowCount = table.count.length;
  const rowPair = new Int32Array(rowCount);
  const pairA: number[] = [];
  const pairB: number[] = [];
  // Table rows are sorted by (a, b), so rows of a pair are adjacent.
  for (let row = 0; row < rowCount; row++) {
    const a = table.a[row] ?? 0;
    const b = table.b[row] ?? 0;
    const last = pairA.length - 1;
    if (last < 0 || pairA[last] !== a || pairB[last] !== b) {
      pairA.push(a);
      pairB.push(b);
    }
    rowPair[row] = pairA.length - 1;
  }
  const n = new Float64Array(pairA.length);
  const s = new Float64Array(pairA.length);
  for (let row = 0; row < rowCount; row++) {
    const pair = rowPair[row] ?? 0;
    const weight = table.count[row] ?? 0;
    n[pair] = (n[pair] ?? 0) + weight;
    s[pair] = (s[pair] ?? 0) + weight * (table.outcome[row] ?? 0);
  }
  return {
    pairs: { modelCount: table.models.length, a: Int32Array.from(pairA), b: Int32Array.from(pairB), n, s },
    rowPair,
  };
}

export interface Components {
  /** Component index of each model; components are numbered largest first (ties: lowest model index first). */
  readonly componentOf: Int32Array;
  readonly members: readonly (readonly number[])[];
}

/** Connected components of the graph of pairs with n > 0. */
export function connectedComponents(pairs: PairStats): Components {
  const parent = new Int32Array(pairs.modelCount);
  for (let i = 0; i < parent.length; i++) parent[i] = i;
  const find = (x: number): number => {
    let root = x;
    while ((parent[root] ?? root) !== root) root = parent[root] ?? root;
    while (x !== root) {
      const next = parent[x] ?? root;
      parent[x] = root;
      x = next;
    }
    return root;
  };
  for (let pair = 0; pair < pairs.n.length; pair++) {
    if (!((pairs.n[pair] ?? 0) > 0)) continue;
    const rootA = find(pairs.a[pair] ?? 0);
    const rootB = find(pairs.b[pair] ?? 0);
    if (rootA !== rootB) parent[Math.max(rootA, rootB)] = Math.min(rootA, rootB);
  }
  const byRoot = new Map<number, number[]>();
  for (let model = 0; model < pairs.modelCount; model++) {
    const root = find(model);
    const members = byRoot.get(root);
    if (members === undefined) byRoot.set(root, [model]);
    else members.push(model);
  }
  const members = [...byRoot.values()].sort((x, y) => y.length - x.length || (x[0] ?? 0) - (y[0] ?? 0));
  const componentOf = new Int32Array(pairs.modelCount);
  members.forEach((list, component) => {
    for (const model of list) componentOf[model] = component;
  });
  return { componentOf, members };
}

/** Adjacency (CSR) of the digraph i → j when i scored something against j, over pairs with n > 0. */
export interface ScoreGraph {
  readonly start: Int32Array;
  readonly target: Int32Array;
}

export function scoreGraph(pairs: PairStats): ScoreGraph {
  const modelCount = pairs.modelCount;
  const pairCount = pairs.n.length;
  const start = new Int32Array(modelCount + 1);
  for (let pair = 0; pair < pairCount; pair++) {
    const n = pairs.n[pair] ?? 0;
    if (!(n > 0)) continue;
    const s = pairs.s[pair] ?? 0;
    if (s > 0) start[(pairs.a[pair] ?? 0) + 1] = (start[(pairs.a[pair] ?? 0) + 1] ?? 0) + 1;
    if (n - s > 0) start[(pairs.b[pair] ?? 0) + 1] = (start[(pairs.b[pair] ?? 0) + 1] ?? 0) + 1;
  }
  for (let model = 0; model < modelCount; model++)
    start[model + 1] = (start[model + 1] ?? 0) + (start[model] ?? 0);
  const fill = start.slice(0, modelCount);
  const target = new Int32Array(start[modelCount] ?? 0);
  for (let pair = 0; pair < pairCount; pair++) {
    const n = pairs.n[pair] ?? 0;
    if (!(n > 0)) continue;
    const s = pairs.s[pair] ?? 0;
    const a = pairs.a[pair] ?? 0;
    const b = pairs.b[pair] ?? 0;
    if (s > 0) {
      const slot = fill[a] ?? 0;
      target[slot] = b;
      fill[a] = slot + 1;
    }
    if (n - s > 0) {
      const slot = fill[b] ?? 0;
      target[slot] = a;
      fill[b] = slot + 1;
    }
  }
  return { start, target };
}

/**
 * Strongly connected components (Tarjan, iterative) of the score graph restricted to `members`.
 * Returns one list of model indices per strongly connected part.
 */
export function stronglyConnectedParts(graph: ScoreGraph, members: readonly number[]): number[][] {
  const modelCount = graph.start.length - 1;
  const inSet = new Uint8Array(modelCount);
  for (const model of members) inSet[model] = 1;
  const index = new Int32Array(modelCount).fill(-1);
  const low = new Int32Array(modelCount);
  const onStack = new Uint8Array(modelCount);
  const edgeCursor = new Int32Array(modelCount);
  const stack: number[] = [];
  const calls: number[] = [];
  const parts: number[][] = [];
  let counter = 0;
  const open = (model: number): void => {
    index[model] = counter;
    low[model] = counter;
    counter++;
    stack.push(model);
    onStack[model] = 1;
    calls.push(model);
    edgeCursor[model] = graph.start[model] ?? 0;
  };
  for (const root of members) {
    if ((index[root] ?? 0) !== -1) continue;
    open(root);
    while (calls.length > 0) {
      const model = calls[calls.length - 1] ?? 0;
      const cursor = edgeCursor[model] ?? 0;
      if (cursor < (graph.start[model + 1] ?? 0)) {
        edgeCursor[model] = cursor + 1;
        const next = graph.target[cursor] ?? 0;
        if (inSet[next] !== 1) continue;
        if (index[next] === -1) open(next);
        else if (onStack[next] === 1) low[model] = Math.min(low[model] ?? 0, index[next] ?? 0);
        continue;
      }
      calls.pop();
      const caller = calls[calls.length - 1];
      if (caller !== undefined) low[caller] = Math.min(low[caller] ?? 0, low[model] ?? 0);
      if (low[model] === index[model]) {
        const part: number[] = [];
        for (;;) {
          const member = stack.pop() ?? model;
          onStack[member] = 0;
          part.push(member);
          if (member === model) break;
        }
        parts.push(part);
      }
    }
  }
  return parts;
}
