// Anomalous voters, after Chiang et al. 2024 (Chatbot Arena, "Detecting anomalous users"): each vote of a user
// gets a p-value against the history of its model pair without that user's votes; the p-values are combined
// with Fisher's method at a few randomly chosen checkpoints of the user's sequence, and a user is flagged when
// any checkpoint rejects at a Bonferroni-corrected level. Users with fewer than `minVotes` votes are not tested.
//
// A vote's p-value is that of an exact test of "this vote was drawn like the pair's other votes": with the
// history's outcome probabilities π (first model wins, second wins, tie; Laplace-smoothed), p = P(outcomes rarer
// than the observed one) + U·P(outcomes as rare), U uniform — randomised so that p is exactly uniform under
// the null, which keeps Fisher's χ² calibrated for three discrete outcomes.
import { createRandom } from "./random.ts";

export interface VoteColumns {
  readonly count: number;
  /** The voter of each vote (an index); a negative voter is history only, never tested. */
  readonly voter: Int32Array;
  readonly modelA: Int32Array;
  readonly modelB: Int32Array;
  /** Model A's score: 1, 0 or 0.5 (tie or both bad). */
  readonly outcome: Float64Array;
}

export interface AnomalyOptions {
  /** Users with fewer votes are not tested (the paper's 5). */
  readonly minVotes?: number;
  /** Checkpoints per user (default 5), drawn among votes minVotes … n; fewer when the user has fewer votes. */
  readonly checkpoints?: number;
  /** Family-wise level per user (default 0.05), split over the checkpoints (Bonferroni). */
  readonly alpha?: number;
  readonly seed?: number;
}

export interface VoterVerdict {
  readonly voter: number;
  readonly votes: number;
  /** The smallest checkpoint p-value times the number of checkpoints, at most 1. */
  readonly pValue: number;
  readonly flagged: boolean;
}

const OUTCOMES = 3; // first model (by index) wins, second wins, tie

/** The outcome of a vote seen from its unordered pair: 0 the lower model index won, 1 the higher, 2 a tie. */
function pairOutcome(modelA: number, modelB: number, outcome: number): number {
  if (outcome === 0.5) return 2;
  const aWon = outcome === 1;
  return aWon === modelA < modelB ? 0 : 1;
}

function pairKey(modelA: number, modelB: number): number {
  const low = Math.min(modelA, modelB);
  const high = Math.max(modelA, modelB);
  return high * (high + 1) * 0.5 + low;
}

/** The randomised p-value of outcome `observed` when outcomes are distributed as `counts` (Laplace-smoothed). */
export function voteP(counts: ArrayLike<number>, observed: number, uniform: number): number {
  let total = 0;
  for (let c = 0; c < OUTCOMES; c++) total += (counts[c] ?? 0) + 1;
  const probability = (c: number) => ((counts[c] ?? 0) + 1) / total;
  const own = probability(observed);
  let rarer = 0;
  let asRare = 0;
  for (let c = 0; c < OUTCOMES; c++) {
    const pc = probability(c);
    if (pc < own) rarer += pc;
    else if (pc === own) asRare += pc;
  }
  return rarer + uniform * asRare;
}

/** P(χ² with 2k degrees of freedom ≥ statistic): e^{−x} Σ_{i<k} x^i / i!, x = statistic / 2, in log space. */
export function chiSquareEvenTail(statistic: number, k: number): number {
  const x = statistic / 2;
  if (x <= 0) return 1;
  const logX = Math.log(x);
  let logTerm = -x; // i = 0
  let maxLog = logTerm;
  const logs = [logTerm];
  for (let i = 1; i < k; i++) {
    logTerm += logX - Math.log(i);
    logs.push(logTerm);
    if (logTerm > maxLog) maxLog = logTerm;
  }
  let sum = 0;
  for (const value of logs) sum += Math.exp(value - maxLog);
  return Math.min(1, Math.exp(maxLog + Math.log(sum)));
}

/** The test for every voter with at least minVotes votes, in voter order; votes are taken in column order. */
export function anomalousVoters(votes: VoteColumns, options: AnomalyOptions = {}): VoterVerdict[] {
  const minVotes = options.minVotes ?? 5;
  const checkpointCount = options.checkpoints ?? 5;
  const alpha = options.alpha ?? 0.05;
  const seed = options.seed ?? 1;

  const pairCounts = new Map<number, Float64Array>();
  const byVoter = new Map<number, number[]>();
  for (let row = 0; row < votes.count; row++) {
    const a = votes.modelA[row] ?? 0;
    const b = votes.modelB[row] ?? 0;
    const key = pairKey(a, b);
    let counts = pairCounts.get(key);
    if (!counts) {
      counts = new Float64Array(OUTCOMES);
      pairCounts.set(key, counts);
    }
    const outcome = pairOutcome(a, b, votes.outcome[row] ?? 0.5);
    counts[outcome] = (counts[outcome] ?? 0) + 1;
    const voter = votes.voter[row] ?? -1;
    if (voter < 0) continue;
    let rows = byVoter.get(voter);
    if (!rows) {
      rows = [];
      byVoter.set(voter, rows);
    }
    rows.push(row);
  }

  const verdicts: VoterVerdict[] = [];
  for (const voter of [...byVoter.keys()].sort((x, y) => x - y)) {
    const rows = byVoter.get(voter) ?? [];
    if (rows.length < minVotes) continue;
    const random = createRandom(seed, voter);
    // The pair's history without this voter: their own votes taken out of every pair they voted on.
    const own = new Map<number, Float64Array>();
    for (const row of rows) {
      const a = votes.modelA[row] ?? 0;
      const b = votes.modelB[row] ?? 0;
      const key = pairKey(a, b);
      let counts = own.get(key);
      if (!counts) {
        counts = new Float64Array(OUTCOMES);
        own.set(key, counts);
      }
      const outcome = pairOutcome(a, b, votes.outcome[row] ?? 0.5);
      counts[outcome] = (counts[outcome] ?? 0) + 1;
    }
    const history = new Float64Array(OUTCOMES);
    const statistics: number[] = []; // Fisher's statistic after each vote
    let statistic = 0;
    for (const row of rows) {
      const a = votes.modelA[row] ?? 0;
      const b = votes.modelB[row] ?? 0;
      const key = pairKey(a, b);
      const all = pairCounts.get(key);
      const mine = own.get(key);
      for (let c = 0; c < OUTCOMES; c++) history[c] = (all?.[c] ?? 0) - (mine?.[c] ?? 0);
      const p = voteP(history, pairOutcome(a, b, votes.outcome[row] ?? 0.5), random.next());
      statistic += -2 * Math.log(Math.max(p, Number.MIN_VALUE));
      statistics.push(statistic);
    }
    const checkpoints = drawCheckpoints(minVotes, rows.length, checkpointCount, random);
    let smallest = 1;
    for (const j of checkpoints) smallest = Math.min(smallest, chiSquareEvenTail(statistics[j - 1] ?? 0, j));
    const pValue = Math.min(1, smallest * checkpoints.length);
    verdicts.push({ voter, votes: rows.length, pValue, flagged: smallest < alpha / checkpoints.length });
  }
  return verdicts;
}

/** `count` distinct vote numbers in [from, to] (all of them when there are fewer), ascending. */
function drawCheckpoints(from: number, to: number, count: number, random: { next(): number }): number[] {
  const candidates = Array.from({ length: to - from + 1 }, (_, index) => from + index);
  if (candidates.length <= count) return candidates;
  // Partial Fisher–Yates shuffle: the first `count` entries are a uniform sample.
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random.next() * (candidates.length - i));
    const picked = candidates[j] ?? from;
    candidates[j] = candidates[i] ?? from;
    candidates[i] = picked;
  }
  return candidates.slice(0, count).sort((x, y) => x - y);
}
