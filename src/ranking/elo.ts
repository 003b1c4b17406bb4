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
    const expectedA = 1 / (1 + base ** ((ratingB - ratingA) / scale));
    const change = k * (weight ?? 1) * (outcome - expectedA);
    ratings.set(modelA, ratingA + change);
    ratings.set(modelB, ratingB - change);
  }
  return ratings;
}
