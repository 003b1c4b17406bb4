// Online Elo, the classic sequential update LMArena shows beside the Bradley–Terry fit.
import type { Comparison } from "./types.ts";

export interface EloOptions {
  /** Default 4. */
  readonly k?: number;
  /** Default 10. */
  readonly base?: number;
  /** Default 400. */
  readonly scale?: number;
  /** Default 1000. */
  readonly initial?: number;
}

/** One Elo update: the rating change of A (B changes by its negative). */
function eloChange(
  ratingA: number,
  ratingB: number,
  outcome: number,
  k: number,
  base: number,
  scale: number,
) {
  const expectedA = 1 / (1 + base ** ((ratingB - ratingA) / scale));
  return k * (outcome - expectedA);
}

/**
 * Replays comparisons in the order given (the caller sorts by time) and returns each model's final rating.
 * A row's weight multiplies its update; rows with modelA == modelB are ignored.
 */
export function onlineElo(comparisons: Iterable<Comparison>, options: EloOptions = {}): Map<string, number> {
  const k = options.k ?? 4;
  const base = options.base ?? 10;
  const scale = options.scale ?? 400;
  const initial = options.initial ?? 1000;
  const ratings = new Map<string, number>();
  for (const { modelA, modelB, outcome, weight } of comparisons) {
    if (modelA === modelB) continue;
    const ratingA = ratings.get(modelA) ?? initial;
    const ratingB = ratings.get(modelB) ?? initial;
    const change = eloChange(ratingA, ratingB, outcome, k * (weight ?? 1), base, scale);
    ratings.set(modelA, ratingA + change);
    ratings.set(modelB, ratingB - change);
  }
  return ratings;
}

/** The same replay over columns of model indices (a million battles without a million objects). */
export function onlineEloByIndex(
  models: readonly string[],
  modelA: Int32Array,
  modelB: Int32Array,
  outcome: Float64Array,
  order: Int32Array,
  options: EloOptions = {},
): Map<string, number> {
  const k = options.k ?? 4;
  const base = options.base ?? 10;
  const scale = options.scale ?? 400;
  const ratings = new Float64Array(models.length).fill(options.initial ?? 1000);
  const seen = new Uint8Array(models.length);
  for (const row of order) {
    const a = modelA[row] ?? 0;
    const b = modelB[row] ?? 0;
    if (a === b) continue;
    const change = eloChange(ratings[a] ?? 0, ratings[b] ?? 0, outcome[row] ?? 0, k, base, scale);
    ratings[a] = (ratings[a] ?? 0) + change;
    ratings[b] = (ratings[b] ?? 0) - change;
    seen[a] = 1;
    seen[b] = 1;
  }
  const result = new Map<string, number>();
  models.forEach((model, index) => {
    if (seen[index] === 1) result.set(model, ratings[index] ?? 0);
  });
  return result;
}
