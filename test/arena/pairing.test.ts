import { describe, expect, it } from "vitest";
import {
  choosePair,
  effectiveWeight,
  NEW_MODEL_BATTLES,
  NEW_MODEL_BOOST,
  type PairingCandidate,
  pairProbabilities,
} from "../../src/arena/pairing.ts";
import { createRandom } from "../../src/ranking/random.ts";

/** The project's seeded generator, so the draws are reproducible. */
function seededRandom(seed: number): () => number {
  const random = createRandom(seed);
  return () => random.next();
}

const now = new Date("2025-03-01T10:00:00Z");
const past = new Date(now.getTime() - 1000);
const future = new Date(now.getTime() + 60_000);

function model(name: string, change: Partial<PairingCandidate> = {}): PairingCandidate {
  return { name, weight: 1, enabled: true, outageUntil: null, countedBattles: 1000, ...change };
}

const registry: PairingCandidate[] = [
  model("alpha"),
  model("beta", { weight: 2, countedBattles: 500 }),
  model("gamma", { countedBattles: 10 }), // new: ×5
  model("delta", { weight: 0.5, countedBattles: NEW_MODEL_BATTLES - 1 }), // still new: ×5
  model("recovered", { outageUntil: past, countedBattles: NEW_MODEL_BATTLES }), // outage over, no longer new
  model("down", { outageUntil: future }),
  model("off", { enabled: false }),
  model("unweighted", { weight: 0 }),
];

const pairKey = (x: string, y: string) => [x, y].sort().join("|");

/** Draws `n` pairs and counts each unordered pair, and how often its alphabetically first model is on side A. */
function drawMany(models: readonly PairingCandidate[], n: number, seed: number) {
  const random = seededRandom(seed);
  const pairs = new Map<string, number>();
  const firstOnA = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const pair = choosePair(models, now, random);
    if (pair === null) throw new Error("no pair drawn");
    const key = pairKey(pair.a, pair.b);
    pairs.set(key, (pairs.get(key) ?? 0) + 1);
    if (key.startsWith(`${pair.a}|`)) firstOnA.set(key, (firstOnA.get(key) ?? 0) + 1);
  }
  return { pairs, firstOnA };
}

/** Largest deviation, in binomial standard errors, between observed counts and the given probabilities. */
function worstSigma(observed: Map<string, number>, models: readonly PairingCandidate[], n: number): number {
  let worst = 0;
  for (const { models: names, probability } of pairProbabilities(models, now)) {
    const count = observed.get(pairKey(names[0], names[1])) ?? 0;
    const sigma = Math.sqrt(n * probability * (1 - probability));
    worst = Math.max(worst, Math.abs(count - n * probability) / sigma);
  }
  return worst;
}

describe("choosePair", () => {
  const draws = 200_000;
  const { pairs, firstOnA } = drawMany(registry, draws, 20250301);

  it("draws pairs at the exact frequencies of the weighting scheme (within 5 σ each)", () => {
    const exact = pairProbabilities(registry, now);
    expect(exact).toHaveLength(10); // five eligible models
    expect(exact.reduce((sum, pair) => sum + pair.probability, 0)).toBeCloseTo(1, 12);
    expect(worstSigma(pairs, registry, draws)).toBeLessThan(5);
    // every drawn pair is one the scheme can produce
    const possible = new Set(exact.map((pair) => pairKey(...pair.models)));
    for (const key of pairs.keys()) expect(possible).toContain(key);
  });

  it("the frequency check is sharp enough to notice a missing new-model boost", () => {
    const withoutBoost = registry.map((m) => ({ ...m, countedBattles: NEW_MODEL_BATTLES }));
    expect(worstSigma(pairs, withoutBoost, draws)).toBeGreaterThan(5);
  });

  it("puts each model of a pair on side A about half the time", () => {
    for (const [key, count] of pairs) {
      const onA = firstOnA.get(key) ?? 0;
      const sigma = Math.sqrt(count * 0.25);
      expect(Math.abs(onA - count / 2) / sigma, key).toBeLessThan(5);
    }
  });

  it("never draws a model in outage, disabled or without weight, and never a model against itself", () => {
    const drawn = new Set([...pairs.keys()].flatMap((key) => key.split("|")));
    expect([...drawn].sort()).toEqual(["alpha", "beta", "delta", "gamma", "recovered"]);
    for (const key of pairs.keys()) {
      const [x, y] = key.split("|");
      expect(x).not.toBe(y);
    }
  });

  it("draws a model again once its outage has passed, and the boundary instant counts as passed", () => {
    const onlyTwo = [model("steady"), model("back", { outageUntil: now })];
    expect(choosePair(onlyTwo, now, seededRandom(1))).not.toBeNull();
    const stillDown = [model("steady"), model("back", { outageUntil: new Date(now.getTime() + 1) })];
    expect(choosePair(stillDown, now, seededRandom(1))).toBeNull();
  });

  it("boosts a model under 300 counted battles and not from 300 on", () => {
    expect(effectiveWeight(model("new", { weight: 2, countedBattles: 0 }))).toBe(2 * NEW_MODEL_BOOST);
    expect(effectiveWeight(model("new", { weight: 2, countedBattles: 299 }))).toBe(2 * NEW_MODEL_BOOST);
    expect(effectiveWeight(model("old", { weight: 2, countedBattles: 300 }))).toBe(2);
    // Three equal weights, one of them new: the new model is in a pair far more often.
    const three = [model("old1"), model("old2"), model("fresh", { countedBattles: 0 })];
    const { pairs: counts } = drawMany(three, 20_000, 7);
    const withFresh = (counts.get("fresh|old1") ?? 0) + (counts.get("fresh|old2") ?? 0);
    expect(withFresh / 20_000).toBeGreaterThan(0.85);
    expect(worstSigma(counts, three, 20_000)).toBeLessThan(5);
  });

  it("returns null with fewer than two eligible models", () => {
    const random = seededRandom(3);
    expect(choosePair([], now, random)).toBeNull();
    expect(choosePair([model("only")], now, random)).toBeNull();
    expect(choosePair([model("only"), model("down", { outageUntil: future })], now, random)).toBeNull();
    // the same name twice is one model
    expect(choosePair([model("twin"), model("twin")], now, random)).toBeNull();
    expect(pairProbabilities([model("only")], now)).toEqual([]);
  });

  it("stays within the eligible models at the extremes of the random source", () => {
    const models = [model("x"), model("y", { weight: 3 }), model("z", { enabled: false })];
    for (const edge of [0, 1 - Number.EPSILON]) {
      const pair = choosePair(models, now, () => edge);
      expect(pair).not.toBeNull();
      expect(new Set([pair?.a, pair?.b])).toEqual(new Set(["x", "y"]));
    }
  });

  it("is reproducible with the same seed", () => {
    const drawTwenty = (random: () => number) =>
      Array.from({ length: 20 }, () => choosePair(registry, now, random));
    const first = drawTwenty(seededRandom(9));
    expect(drawTwenty(seededRandom(9))).toEqual(first);
    expect(drawTwenty(seededRandom(10))).not.toEqual(first);
  });
});
