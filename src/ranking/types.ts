// The ranking core's public vocabulary. Everything here is plain data: no I/O, no project imports.

/**
 * One comparison between two models. `outcome` is model A's score in [0, 1]: 1 = A won, 0 = B won,
 * 0.5 = tie or both bad; a fractional value is a battle's mean vote (DESIGN.md "A battle").
 */
export interface Comparison {
  readonly modelA: string;
  readonly modelB: string;
  readonly outcome: number;
  /** How many comparisons this row stands for; 1 when absent. */
  readonly weight?: number;
}

/** A row of aggregated counts, as the store keeps them: `count` comparisons of (modelA, modelB, outcome). */
export interface ComparisonCount {
  readonly modelA: string;
  readonly modelB: string;
  readonly outcome: number;
  readonly count: number;
}

/**
 * Aggregated sufficient statistics, the input of every fit: distinct (a, b, outcome) rows with a total
 * weight, models by index. Struct-of-arrays so that a bootstrap round touches flat typed arrays only.
 * Rows are canonical: a < b (a row (b, a, y) is stored as (a, b, 1 − y)), no a == b rows.
 */
export interface ComparisonTable {
  readonly models: readonly string[];
  readonly a: Int32Array;
  readonly b: Int32Array;
  readonly outcome: Float64Array;
  readonly count: Float64Array;
}

export type IntervalMethod = "bootstrap" | "sandwich" | "none";

export interface Anchor {
  readonly model: string;
  readonly value: number;
}

export interface FitOptions {
  /** Fix this model's rating (within its connected component); the default gauge is mean 1000 per component. */
  readonly anchor?: Anchor;
  /**
   * L2 prior as in the early-2024 FastChat fit (shared/anchors/genai-arena/README.md): battles doubled,
   * minimise ½‖w‖² + C·Σ log-loss with rating = 400·w + 1000. Absent: plain MLE, ties as half a win.
   */
  readonly l2?: { readonly c: number };
}

/** What `fitBradleyTerry` returns. Arrays are indexed like `table.models`. */
export interface FitResult {
  /** Model name → rating (1000 + 400·θ/ln 10, gauged per component). */
  readonly ratings: Map<string, number>;
  /** The same ratings by model index. */
  readonly rating: Float64Array;
  /** The solver's natural-log strengths before the gauge shift (a warm start for refits). */
  readonly theta: Float64Array;
  /** Newton iterations taken. */
  readonly iterations: number;
  /** False only if the iteration cap was reached (never expected; ratings are still finite). */
  readonly converged: boolean;
  /** Connected components, largest first, each a list of model names. */
  readonly components: readonly (readonly string[])[];
  /** Component index of each model. */
  readonly componentOf: Int32Array;
  /** Models whose plain MLE does not exist (see Leaderboard.separated). */
  readonly separated: readonly string[];
  /** True when the weak fallback prior was applied to at least one separated component. */
  readonly priorApplied: boolean;
}

export interface RankOptions extends FitOptions {
  /** Default "bootstrap". */
  readonly ci?: IntervalMethod;
  /** Bootstrap rounds, default 1000. */
  readonly bootstrapRounds?: number;
  /** Seed of the bootstrap's generator; the same seed and data give the same intervals. Default 1. */
  readonly seed?: number;
  /** Worker threads for the bootstrap; default: one per core, capped by rounds. 1 = in the calling thread. */
  readonly workers?: number;
  /** Online Elo ratings to attach to the models (see `onlineElo`); absent models get no `elo`. */
  readonly elo?: ReadonlyMap<string, number>;
  /** Hears about degraded but correct runs, e.g. a bootstrap worker that failed to start. */
  readonly onWarning?: (message: string) => void;
  /** Called with the wall time of each stage ("fit", "bootstrap", "sandwich"), for diagnostics. */
  readonly onStage?: (stage: string, milliseconds: number) => void;
}

export interface RatedModel {
  readonly model: string;
  /** 1000 + 400·θ/ln 10, centred per component (or anchored). */
  readonly rating: number;
  /** 95% interval; equal to `rating` when intervals were not computed. */
  readonly lower: number;
  readonly upper: number;
  /**
   * 1 + number of models of the same connected component whose lower bound is strictly above this model's upper
   * bound (groups that never met have independent gauges; with one component this is the usual definition).
   */
  readonly rankUb: number;
  /** Comparisons this model took part in (sum of weights). */
  readonly battles: number;
  /** Index into `Leaderboard.components`. */
  readonly component: number;
  /** Online Elo (K = 4), present only when the input was an ordered list of battles. */
  readonly elo?: number;
}

export interface Leaderboard {
  /** Sorted by component (largest first), then rankUb ascending, then rating descending. */
  readonly models: readonly RatedModel[];
  /** Total comparisons (sum of weights). */
  readonly battles: number;
  /** Connected components of the comparison graph, largest first; each a list of model names. */
  readonly components: readonly (readonly string[])[];
  /**
   * Models whose plain MLE does not exist because they won (or lost) every comparison within their
   * component; their ratings are finite only because a weak prior was applied, and are flagged here.
   */
  readonly separated: readonly string[];
  readonly ci: IntervalMethod;
}

/** A square matrix over `models`: values[i][j] is about row model i against column model j; null = no data. */
export interface Matrix {
  readonly models: readonly string[];
  readonly values: readonly (readonly (number | null)[])[];
}
