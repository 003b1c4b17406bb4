import { describe, expect, it } from "vitest";
import { aggregate } from "../../src/ranking/aggregate.ts";
import { battleCountMatrix, predictedWinRateMatrix, winFractionMatrix } from "../../src/ranking/matrices.ts";
import { rankModels } from "../../src/ranking/rank.ts";

const table = aggregate([
  { modelA: "a", modelB: "b", outcome: 1, weight: 3 },
  { modelA: "b", modelB: "a", outcome: 1, weight: 1 },
  { modelA: "a", modelB: "b", outcome: 0.5, weight: 5 },
  { modelA: "c", modelB: "a", outcome: 0.5, weight: 2 },
]);

describe("matrices", () => {
  it("win fraction counts decided battles only; null without any", () => {
    const matrix = winFractionMatrix(table);
    expect(matrix.models).toEqual(["a", "b", "c"]);
    expect(matrix.values).toEqual([
      [null, 0.75, null],
      [0.25, null, null],
      [null, null, null],
    ]);
  });

  it("battle counts include ties, symmetric, in a requested order", () => {
    const matrix = battleCountMatrix(table, ["c", "a", "b", "ghost"]);
    expect(matrix.models).toEqual(["c", "a", "b", "ghost"]);
    expect(matrix.values).toEqual([
      [null, 2, 0, 0],
      [2, null, 9, 0],
      [0, 9, null, 0],
      [0, 0, 0, null],
    ]);
  });

  it("predicted win rates follow the ratings, in leaderboard order, null across components", async () => {
    const board = await rankModels(
      aggregate([
        { modelA: "a", modelB: "b", outcome: 1, weight: 3 },
        { modelA: "a", modelB: "b", outcome: 0, weight: 1 },
        { modelA: "x", modelB: "y", outcome: 1, weight: 1 },
        { modelA: "x", modelB: "y", outcome: 0, weight: 1 },
      ]),
      { ci: "none" },
    );
    const matrix = predictedWinRateMatrix(board);
    expect(matrix.models).toEqual(board.models.map((entry) => entry.model));
    const index = (model: string) => matrix.models.indexOf(model);
    // 3 wins to 1: the MLE predicts exactly 3/4.
    expect(matrix.values[index("a")]?.[index("b")]).toBeCloseTo(0.75, 9);
    expect(matrix.values[index("b")]?.[index("a")]).toBeCloseTo(0.25, 9);
    expect(matrix.values[index("x")]?.[index("y")]).toBeCloseTo(0.5, 9);
    expect(matrix.values[index("a")]?.[index("x")]).toBeNull();
    expect(matrix.values[index("a")]?.[index("a")]).toBeNull();
  });
});
