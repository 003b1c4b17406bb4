import { describe, expect, it } from "vitest";
import { aggregate, battlesPerModel, tableFromCounts, totalBattles } from "../../src/ranking/aggregate.ts";

describe("aggregate", () => {
  it("builds canonical rows: models sorted, a < b, outcome flipped with the sides, weights summed", () => {
    const table = aggregate([
      { modelA: "zeta", modelB: "alpha", outcome: 1 },
      { modelA: "alpha", modelB: "zeta", outcome: 0 },
      { modelA: "alpha", modelB: "zeta", outcome: 0.5, weight: 2 },
      { modelA: "beta", modelB: "alpha", outcome: 0.25 },
    ]);
    expect(table.models).toEqual(["alpha", "beta", "zeta"]);
    const rows = Array.from(table.a, (a, i) => [a, table.b[i], table.outcome[i], table.count[i]]);
    expect(rows).toEqual([
      [0, 1, 0.75, 1],
      [0, 2, 0, 2],
      [0, 2, 0.5, 2],
    ]);
    expect(totalBattles(table)).toBe(5);
    expect(Array.from(battlesPerModel(table))).toEqual([5, 1, 4]);
  });

  it("drops self-battles and zero weights, rejects impossible outcomes and weights", () => {
    const table = aggregate([
      { modelA: "a", modelB: "a", outcome: 1 },
      { modelA: "a", modelB: "b", outcome: 1, weight: 0 },
    ]);
    expect(table.count.length).toBe(0);
    expect(() => aggregate([{ modelA: "a", modelB: "b", outcome: 1.5 }])).toThrow(RangeError);
    expect(() => aggregate([{ modelA: "a", modelB: "b", outcome: Number.NaN }])).toThrow(RangeError);
    expect(() => aggregate([{ modelA: "a", modelB: "b", outcome: 1, weight: -1 }])).toThrow(RangeError);
    expect(() => aggregate([{ modelA: "", modelB: "b", outcome: 1 }])).toThrow(TypeError);
  });

  it("gives the same table from the store's counts", () => {
    const fromBattles = aggregate([
      { modelA: "b", modelB: "a", outcome: 1 },
      { modelA: "b", modelB: "a", outcome: 1 },
      { modelA: "a", modelB: "c", outcome: 0.5 },
    ]);
    const fromCounts = tableFromCounts([
      { modelA: "a", modelB: "c", outcome: 0.5, count: 1 },
      { modelA: "a", modelB: "b", outcome: 0, count: 2 },
    ]);
    expect(fromCounts).toEqual(fromBattles);
  });

  it("handles no input", () => {
    const table = aggregate([]);
    expect(table.models).toEqual([]);
    expect(totalBattles(table)).toBe(0);
  });
});
