// Pairing: which two models meet in a new battle, and on which sides.
import type { ModelRecord } from "./store.ts";

/** A new model is drawn this many times as often as its weight says… */
export const NEW_MODEL_BOOST = 5;
/** …until it has this many counted battles, so its rating settles quickly. */
export const NEW_MODEL_BATTLES = 300;

export type PairingCandidate = Pick<
  ModelRecord,
  "name" | "weight" | "enabled" | "outageUntil" | "countedBattles"
>;

export interface Pair {
  /** Shown as Model A. */
  readonly a: string;
  /** Shown as Model B. */
  readonly b: string;
}

/** Whether the model may be drawn at `now`: enabled, a positive weight, and not in outage. */
export function isEligible(model: PairingCandidate, now: Date): boolean {
  return (
    model.enabled &&
    Number.isFinite(model.weight) &&
    model.weight > 0 &&
    (model.outageUntil === null || model.outageUntil.getTime() <= now.getTime())
  );
}

/** The weight the draw uses: the registry weight, boosted while the model is new. */
export function effectiveWeight(model: PairingCandidate): number {
  return model.countedBattles < NEW_MODEL_BATTLES ? model.weight * NEW_MODEL_BOOST : model.weight;
}

interface Weighted {
  readonly name: string;
  readonly weight: number;
}

function eligibleWeights(models: readonly PairingCandidate[], now: Date): Weighted[] {
  const seen = new Set<string>();
  const result: Weighted[] = [];
  for (const model of models) {
    // A name listed twice is still one model: it must never meet itself.
    if (!isEligible(model, now) || seen.has(model.name)) continue;
    seen.add(model.name);
    result.push({ name: model.name, weight: effectiveWeight(model) });
  }
  return result;
}

function drawIndex(candidates: readonly Weighted[], random: () => number): number {
  let total = 0;
  for (const candidate of candidates) total += candidate.weight;
  let remaining = random() * total;
  for (let index = 0; index < candidates.length; index++) {
    remaining -= candidates[index]?.weight ?? 0;
    if (remaining < 0) return index;
  }
  // Rounding can leave a sliver past the last model; it belongs to the last one.
  return candidates.length - 1;
}

/**
 * Draws two different eligible models: the first in proportion to its effective weight, the second in
 * proportion to its effective weight among the others, then random sides. Null when fewer than two are eligible.
 * `random` returns a number in [0, 1) (Math.random, or a seeded generator in tests).
 */
export function choosePair(
  models: readonly PairingCandidate[],
  now: Date,
  random: () => number,
): Pair | null {
  const candidates = eligibleWeights(models, now);
  if (candidates.length < 2) return null;
  const firstIndex = drawIndex(candidates, random);
  const first = candidates[firstIndex];
  const others = candidates.filter((_, index) => index !== firstIndex);
  const second = others[drawIndex(others, random)];
  if (first === undefined || second === undefined) return null;
  return random() < 0.5 ? { a: first.name, b: second.name } : { a: second.name, b: first.name };
}

export interface PairProbability {
  /** The two names in registry order (an unordered pair). */
  readonly models: readonly [string, string];
  readonly probability: number;
}

/**
 * The exact probability of each unordered pair under `choosePair` at `now`:
 * P({i, j}) = wᵢ/W · wⱼ/(W − wᵢ) + wⱼ/W · wᵢ/(W − wⱼ), with W the sum of effective weights. Each side is then 1/2.
 * Empty when fewer than two models are eligible; the probabilities sum to 1 otherwise.
 */
export function pairProbabilities(models: readonly PairingCandidate[], now: Date): PairProbability[] {
  const candidates = eligibleWeights(models, now);
  if (candidates.length < 2) return [];
  const total = candidates.reduce((sum, candidate) => sum + candidate.weight, 0);
  const result: PairProbability[] = [];
  for (const [i, first] of candidates.entries()) {
    for (const second of candidates.slice(i + 1)) {
      const probability =
        (first.weight / total) * (second.weight / (total - first.weight)) +
        (second.weight / total) * (first.weight / (total - second.weight));
      result.push({ models: [first.name, second.name], probability });
    }
  }
  return result;
}
