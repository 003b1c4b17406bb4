import { describe, expect, it } from "vitest";
import { aggregate } from "../../src/ranking/aggregate.ts";
import { ELO_PER_THETA } from "../../src/ranking/bt.ts";
import { createRandom } from "../../src/ranking/random.ts";
import { rankModels } from "../../src/ranking/rank.ts";
import {
  rankStyleControlled,
  STYLE_ELEMENT_COUNT,
  type StyleBattles,
  styleFeatures,
} from "../../src/ranking/style.ts";

interface Arena {
  readonly battles: StyleBattles;
  /** True ratings on the Elo scale, centred on 1000. */
  readonly truth: Map<string, number>;
}

/**
 * A simulated arena with known ratings and style coefficients. Stronger models write longer answers (so style
 * and strength are confounded, as in real arenas); the outcome follows the style-controlled model exactly, with
 * the covariates standardised as the fit standardises them.
 */
function simulatedArena(battleCount: number, beta: readonly number[], seed: number): Arena {
  const random = createRandom(seed);
  const strength = [-1.2, -0.6, -0.2, 0.3, 0.7, 1.0];
  const verbosity = [0.5, 0.8, 1.0, 1.3, 1.6, 2.0];
  const models = strength.map((_, index) => `m${index}`);
  const k = STYLE_ELEMENT_COUNT;
  const modelA = new Int32Array(battleCount);
  const modelB = new Int32Array(battleCount);
  const styleA = new Float64Array(battleCount * k);
  const styleB = new Float64Array(battleCount * k);
  const answer = (model: number, out: Float64Array, row: number) => {
    const v = verbosity[model] ?? 1;
    out[row * k] = Math.round(v * (100 + 600 * random.next()));
    out[row * k + 1] = Math.floor(random.next() * 4 * v);
    out[row * k + 2] = Math.floor(random.next() * 8 * v);
    out[row * k + 3] = Math.floor(random.next() * 6);
  };
  for (let row = 0; row < battleCount; row++) {
    const a = Math.floor(random.next() * models.length);
    let b = Math.floor(random.next() * (models.length - 1));
    if (b >= a) b++;
    modelA[row] = a;
    modelB[row] = b;
    answer(a, styleA, row);
    answer(b, styleB, row);
  }
  const outcome = new Float64Array(battleCount);
  const battles: StyleBattles = { models, count: battleCount, modelA, modelB, outcome, styleA, styleB };
  const features = styleFeatures(battles).values;
  for (let row = 0; row < battleCount; row++) {
    let logit = (strength[modelA[row] ?? 0] ?? 0) - (strength[modelB[row] ?? 0] ?? 0);
    for (let j = 0; j < k; j++) logit += (beta[j] ?? 0) * (features[row * k + j] ?? 0);
    outcome[row] = random.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  const mean = strength.reduce((sum, value) => sum + value, 0) / strength.length;
  const truth = new Map(
    models.map((model, index) => [model, 1000 + ELO_PER_THETA * ((strength[index] ?? 0) - mean)]),
  );
  return { battles, truth };
}

const BETA = [0.35, 0.15, 0.08, -0.1];

function plainComparisons(battles: StyleBattles) {
  return Array.from({ length: battles.count }, (_, row) => ({
    modelA: battles.models[battles.modelA[row] ?? 0] ?? "",
    modelB: battles.models[battles.modelB[row] ?? 0] ?? "",
    outcome: battles.outcome[row] ?? 0,
  }));
}

describe("style control", () => {
  it("standardises (a − b)/(a + b + 1) with the population deviation", () => {
    const battles: StyleBattles = {
      models: ["x", "y"],
      count: 3,
      modelA: Int32Array.from([0, 0, 1]),
      modelB: Int32Array.from([1, 1, 0]),
      outcome: Float64Array.from([1, 0, 0.5]),
      styleA: Float64Array.from([9, 0, 0, 0, 0, 2, 0, 0, 4, 0, 0, 0]),
      styleB: Float64Array.from([0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0]),
    };
    const features = styleFeatures(battles);
    const [first, second, third] = [9 / 10, 0, -1 / 10];
    const mean = (first + second + third) / 3;
    const std = Math.sqrt(((first - mean) ** 2 + (second - mean) ** 2 + (third - mean) ** 2) / 3);
    expect(features.mean[0]).toBeCloseTo(mean, 12);
    expect(features.std[0]).toBeCloseTo(std, 12);
    expect(features.values[0]).toBeCloseTo((first - mean) / std, 12);
    expect(features.values[8]).toBeCloseTo((third - mean) / std, 12);
    // headers vary (2/3 in the second battle), lists and bold do not: pinned columns of zeros
    expect(features.std[1]).toBeGreaterThan(0);
    expect(features.std[2]).toBe(0);
    expect(features.std[3]).toBe(0);
    expect(Array.from(features.values.filter((_, i) => i % 4 === 2 || i % 4 === 3))).toEqual([
      0, 0, 0, 0, 0, 0,
    ]);
  });

  it("recovers known coefficients and ratings within their sandwich intervals", async () => {
    const { battles, truth } = simulatedArena(40000, BETA, 11);
    const board = await rankStyleControlled(battles, { ci: "sandwich" });
    expect(board.converged).toBe(true);
    board.coefficients.forEach((coefficient, j) => {
      expect(coefficient.lower).toBeLessThanOrEqual(BETA[j] ?? 0);
      expect(coefficient.upper).toBeGreaterThanOrEqual(BETA[j] ?? 0);
      expect(Math.abs(coefficient.value - (BETA[j] ?? 0))).toBeLessThan(0.05);
    });
    for (const entry of board.leaderboard.models) {
      const expected = truth.get(entry.model) ?? Number.NaN;
      expect(entry.lower).toBeLessThanOrEqual(expected);
      expect(entry.upper).toBeGreaterThanOrEqual(expected);
    }
  });

  it("covers the true coefficients about 95% of the time over many arenas (sandwich)", async () => {
    let covered = 0;
    let intervals = 0;
    for (let seed = 100; seed < 120; seed++) {
      const { battles } = simulatedArena(4000, BETA, seed);
      const board = await rankStyleControlled(battles, { ci: "sandwich" });
      board.coefficients.forEach((coefficient, j) => {
        intervals++;
        if (coefficient.lower <= (BETA[j] ?? 0) && (BETA[j] ?? 0) <= coefficient.upper) covered++;
      });
    }
    // 80 intervals at 95%: the expected count is 76; fewer than 68 would happen with probability < 0.2%.
    expect(covered).toBeGreaterThanOrEqual(68);
    expect(intervals).toBe(80);
  });

  it("recovers known coefficients within their bootstrap intervals, the same for the same seed", async () => {
    const { battles, truth } = simulatedArena(12000, BETA, 5);
    const board = await rankStyleControlled(battles, { ci: "bootstrap", bootstrapRounds: 200, seed: 3 });
    board.coefficients.forEach((coefficient, j) => {
      expect(coefficient.lower).toBeLessThanOrEqual(BETA[j] ?? 0);
      expect(coefficient.upper).toBeGreaterThanOrEqual(BETA[j] ?? 0);
      expect(coefficient.upper - coefficient.lower).toBeGreaterThan(0);
    });
    for (const entry of board.leaderboard.models) {
      const expected = truth.get(entry.model) ?? Number.NaN;
      expect(entry.lower).toBeLessThanOrEqual(expected);
      expect(entry.upper).toBeGreaterThanOrEqual(expected);
    }
    const again = await rankStyleControlled(battles, { ci: "bootstrap", bootstrapRounds: 200, seed: 3 });
    expect(again.coefficients).toEqual(board.coefficients);
    expect(again.leaderboard).toEqual(board.leaderboard);
  });

  it("undoes the bias that style puts into the plain ratings", async () => {
    // Only style matters here beyond strength; the verbose models are over-rated by the plain fit.
    const { battles, truth } = simulatedArena(40000, [0.8, 0, 0, 0], 21);
    const plain = await rankModels(aggregate(plainComparisons(battles)), { ci: "none" });
    const styled = await rankStyleControlled(battles, { ci: "none" });
    const error = (models: readonly { model: string; rating: number }[]) =>
      Math.max(...models.map((entry) => Math.abs(entry.rating - (truth.get(entry.model) ?? 0))));
    expect(error(plain.models)).toBeGreaterThan(30);
    expect(error(styled.leaderboard.models)).toBeLessThan(15);
  });

  it("gives the plain ratings and sandwich intervals when both sides always have the same style", async () => {
    const { battles } = simulatedArena(6000, BETA, 8);
    const sameStyle: StyleBattles = { ...battles, styleB: battles.styleA };
    const styled = await rankStyleControlled(sameStyle, { ci: "sandwich" });
    const plain = await rankModels(aggregate(plainComparisons(battles)), { ci: "sandwich" });
    for (const coefficient of styled.coefficients) {
      expect(coefficient.value).toBe(0);
      expect(coefficient.std).toBe(0);
    }
    const plainByModel = new Map(plain.models.map((entry) => [entry.model, entry]));
    expect(styled.leaderboard.models.map((entry) => entry.model)).toEqual(plain.models.map((e) => e.model));
    for (const entry of styled.leaderboard.models) {
      const reference = plainByModel.get(entry.model);
      expect(entry.rating).toBeCloseTo(reference?.rating ?? Number.NaN, 8);
      expect(entry.lower).toBeCloseTo(reference?.lower ?? Number.NaN, 6);
      expect(entry.upper).toBeCloseTo(reference?.upper ?? Number.NaN, 6);
      expect(entry.rankUb).toBe(reference?.rankUb);
      expect(entry.battles).toBe(reference?.battles);
    }
  });

  it("honours an anchor and rejects bad input", async () => {
    const { battles } = simulatedArena(3000, BETA, 2);
    const board = await rankStyleControlled(battles, { ci: "none", anchor: { model: "m2", value: 1200 } });
    expect(board.leaderboard.models.find((entry) => entry.model === "m2")?.rating).toBeCloseTo(1200, 9);
    await expect(rankStyleControlled(battles, { anchor: { model: "nobody", value: 1 } })).rejects.toThrow(
      /anchor model "nobody"/,
    );
    const negative = Float64Array.from(battles.styleA);
    negative[5] = -1;
    await expect(rankStyleControlled({ ...battles, styleA: negative }, { ci: "none" })).rejects.toThrow(
      /style counts must be finite and ≥ 0/,
    );
  });
});
