import { describe, expect, it } from "vitest";
import { onlineElo, onlineEloByIndex } from "../../src/ranking/elo.ts";
import { syntheticComparisons } from "./helpers.ts";

describe("onlineElo", () => {
  it("applies K = 4, base 10, scale 400 from 1000, in the order given", () => {
    const ratings = onlineElo([
      { modelA: "a", modelB: "b", outcome: 1 },
      { modelA: "b", modelB: "c", outcome: 0.5 },
    ]);
    // First battle: equal ratings, expected 0.5, a gains 4 · 0.5 = 2.
    expect(ratings.get("a")).toBeCloseTo(1002, 12);
    // Second: b (998) vs c (1000), expected 1 / (1 + 10^(2/400)); b scores 0.5.
    const expectedB = 1 / (1 + 10 ** (2 / 400));
    expect(ratings.get("b")).toBeCloseTo(998 + 4 * (0.5 - expectedB), 12);
    expect(ratings.get("c")).toBeCloseTo(1000 - 4 * (0.5 - expectedB), 12);
  });

  it("depends on order (unlike Bradley–Terry) and conserves the total", () => {
    const battles = [
      { modelA: "a", modelB: "b", outcome: 1 },
      { modelA: "a", modelB: "b", outcome: 0 },
    ];
    const forward = onlineElo(battles);
    const backward = onlineElo([...battles].reverse());
    expect(forward.get("a")).not.toBeCloseTo(backward.get("a") ?? 0, 6);
    expect((forward.get("a") ?? 0) + (forward.get("b") ?? 0)).toBeCloseTo(2000, 9);
  });

  it("gives the same ratings over index columns", () => {
    const comparisons = syntheticComparisons(8, 500);
    const models = [...new Set(comparisons.flatMap((c) => [c.modelA, c.modelB]))];
    const index = new Map(models.map((model, i) => [model, i]));
    const byIndex = onlineEloByIndex(
      models,
      Int32Array.from(comparisons, (c) => index.get(c.modelA) ?? -1),
      Int32Array.from(comparisons, (c) => index.get(c.modelB) ?? -1),
      Float64Array.from(comparisons, (c) => c.outcome),
      Int32Array.from(comparisons, (_, i) => i),
    );
    const direct = onlineElo(comparisons);
    for (const model of models) expect(byIndex.get(model)).toBe(direct.get(model));
  });
});
