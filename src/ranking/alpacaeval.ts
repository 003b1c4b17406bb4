// AlpacaEval's leaderboard metrics from pairwise annotations (tatsu-lab/alpaca_eval, metrics/helpers.py and
// metrics/glm_winrate.py). An annotation compares output_1 of a baseline (generator_1) with output_2 of the
// evaluated model (generator_2); `preference` is 1 (baseline better), 2 (model better), 1.5 or 0 (a draw), or a
// judge's probability mapped to [1, 2] (weighted annotators).
//
// - win_rate: mean of (preference − 1) × 100, draws (0 → 1.5) counting one half; preferences outside [1, 2]
//   or missing are dropped. standard_error: the sample standard error (ddof = 1) of the same, × 100.
// - discrete_win_rate: 1.5 becomes a draw first, every other preference is rounded to 1 or 2 (half to even,
//   as numpy rounds), then the same mean.
// - n_wins / n_wins_base: preferences above / below 1.5; n_draws: preferences equal to 1.5 or 0.
// - avg_length: the mean length of the model's outputs in characters (code points), truncated.
// - length_controlled_winrate: AlpacaEval 2.0's GLM, P(model wins) = σ(w_len·tanh(Δ/sd(Δ)) [+ w_d·difficulty]
//   + w_0) with Δ = len(output_1) − len(output_2), fitted to the soft preferences by L1-penalised logistic
//   regression (no intercept; liblinear's objective ‖w‖₁ + C·Σ loss) with C chosen from 10⁻⁴…10⁴ (10 values,
//   log-spaced) by 5-fold cross-validated log loss, then predicted at Δ = 0 and averaged over the
//   instructions. AlpacaEval also regularises towards two "gamed" baselines and adds an instruction-difficulty
//   term, both from data published outside its repository; without them this is the same GLM on the file's
//   own annotations, so it matches the published figure only approximately.

export interface AlpacaEvalAnnotation {
  readonly generator1: string;
  readonly generator2: string;
  readonly output1: string;
  readonly output2: string;
  /** NaN where the annotator gave none. */
  readonly preference: number;
  readonly instruction: string;
}

export class AlpacaEvalParseError extends Error {
  /** 0-based index of the annotation in the array, or −1 for the file as a whole. */
  constructor(
    readonly index: number,
    readonly reason: string,
  ) {
    super(index >= 0 ? `annotation ${index}: ${reason}` : reason);
    this.name = "AlpacaEvalParseError";
  }
}

/** True when the parsed JSON looks like AlpacaEval annotations (an array of objects with preference and generators). */
export function looksLikeAlpacaEval(value: unknown): boolean {
  if (!Array.isArray(value) || value.length === 0) return false;
  const first = value[0] as Record<string, unknown> | null;
  return (
    typeof first === "object" &&
    first !== null &&
    "preference" in first &&
    "generator_1" in first &&
    "generator_2" in first
  );
}

/** Validates parsed annotations.json content. Throws AlpacaEvalParseError naming the first bad annotation. */
export function parseAlpacaEvalAnnotations(value: unknown): AlpacaEvalAnnotation[] {
  if (!Array.isArray(value))
    throw new AlpacaEvalParseError(-1, "AlpacaEval annotations must be a JSON array");
  return value.map((item, index) => {
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      throw new AlpacaEvalParseError(index, "an annotation must be a JSON object");
    }
    const record = item as Record<string, unknown>;
    const text = (field: string): string => {
      const fieldValue = record[field];
      if (typeof fieldValue !== "string") {
        throw new AlpacaEvalParseError(
          index,
          `${field} must be a string, got ${JSON.stringify(fieldValue) ?? "(missing)"}`,
        );
      }
      return fieldValue;
    };
    const preference = record.preference;
    if (preference !== null && preference !== undefined && typeof preference !== "number") {
      throw new AlpacaEvalParseError(
        index,
        `preference must be a number or null, got ${JSON.stringify(preference)}`,
      );
    }
    const generator1 = text("generator_1");
    const generator2 = text("generator_2");
    if (generator1 === "" || generator2 === "")
      throw new AlpacaEvalParseError(index, "a generator name is empty");
    return {
      generator1,
      generator2,
      output1: text("output_1"),
      output2: text("output_2"),
      preference: typeof preference === "number" ? preference : Number.NaN,
      instruction: typeof record.instruction === "string" ? record.instruction : "",
    };
  });
}

export interface AlpacaEvalRow {
  readonly model: string;
  /** The baseline(s) the model was compared with (generator_1). */
  readonly baselines: readonly string[];
  readonly win_rate: number;
  readonly standard_error: number;
  readonly n_wins: number;
  readonly n_wins_base: number;
  readonly n_draws: number;
  readonly n_total: number;
  readonly discrete_win_rate: number;
  readonly avg_length: number;
  readonly length_controlled_winrate: number;
  readonly lc_standard_error: number;
}

/** numpy's round: to the nearest integer, halves to even. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const difference = x - floor;
  if (difference < 0.5) return floor;
  if (difference > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

function isPreference(x: number): boolean {
  return x >= 1 && x <= 2;
}

/** Mean and sample standard error (ddof = 1) of values. */
function meanAndSem(values: readonly number[]): { mean: number; sem: number } {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, sem: Number.NaN };
  let sum = 0;
  for (const value of values) sum += value;
  const mean = sum / n;
  let squares = 0;
  for (const value of values) squares += (value - mean) ** 2;
  return { mean, sem: n > 1 ? Math.sqrt(squares / (n - 1)) / Math.sqrt(n) : Number.NaN };
}

/** Length in code points, as Python's len. */
function characters(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** AlpacaEval's head-to-head metrics of one model's annotations (AbsoluteScoringRule and ZeroOneScoringRule). */
export function winRateMetrics(preferences: readonly number[]) {
  const absolute = preferences.map((p) => (p === 0 ? 1.5 : p));
  const n_draws = absolute.filter((p) => p === 1.5).length;
  const valid = absolute.filter(isPreference).map((p) => p - 1);
  const { mean, sem } = meanAndSem(valid);
  const discrete = preferences
    .map((p) => (p === 1.5 ? 0 : Number.isNaN(p) ? p : roundHalfEven(p)))
    .map((p) => (p === 0 ? 1.5 : p))
    .filter(isPreference)
    .map((p) => p - 1);
  return {
    win_rate: mean * 100,
    standard_error: sem * 100,
    n_wins: valid.filter((p) => p > 0.5).length,
    n_wins_base: valid.filter((p) => p < 0.5).length,
    n_draws,
    n_total: valid.length,
    discrete_win_rate: meanAndSem(discrete).mean * 100,
  };
}

// ---------------------------------------------------------------------------------------- the length GLM

/** Soft-label logistic regression data: rows × features, labels in [0, 1]. */
interface GlmData {
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly features: number;
}

function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

function glmObjective(data: GlmData, rows: readonly number[], w: Float64Array, c: number): number {
  let loss = 0;
  for (const row of rows) {
    let z = 0;
    for (let j = 0; j < data.features; j++) z += (w[j] ?? 0) * (data.x[row * data.features + j] ?? 0);
    const y = data.y[row] ?? 0;
    // −[y log σ(z) + (1 − y) log σ(−z)] = log(1 + e^z) − y z
    loss += Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - y * z;
  }
  let penalty = 0;
  for (let j = 0; j < data.features; j++) penalty += Math.abs(w[j] ?? 0);
  return penalty + c * loss;
}

/** argmin ‖w‖₁ + C·Σ soft-label log loss over `rows`: cyclic coordinate Newton steps with soft thresholding. */
export function fitL1Logistic(data: GlmData, rows: readonly number[], c: number): Float64Array {
  const k = data.features;
  const w = new Float64Array(k);
  const z = new Float64Array(data.y.length);
  let value = glmObjective(data, rows, w, c);
  for (let sweep = 0; sweep < 1000; sweep++) {
    let largestChange = 0;
    for (let j = 0; j < k; j++) {
      let gradient = 0;
      let curvature = 0;
      for (const row of rows) {
        const xj = data.x[row * k + j] ?? 0;
        const p = sigmoid(z[row] ?? 0);
        gradient += (p - (data.y[row] ?? 0)) * xj;
        curvature += p * (1 - p) * xj * xj;
      }
      gradient *= c;
      curvature = c * curvature + 1e-12;
      const old = w[j] ?? 0;
      // Minimiser of |v| + gradient·(v − old) + ½·curvature·(v − old)².
      const target = curvature * old - gradient;
      let proposed = (Math.sign(target) * Math.max(Math.abs(target) - 1, 0)) / curvature;
      // Newton steps can overshoot on a flat likelihood: halve until the objective does not increase.
      for (let attempt = 0; attempt < 50; attempt++) {
        w[j] = proposed;
        const trial = glmObjective(data, rows, w, c);
        if (trial <= value + 1e-12 * Math.max(1, Math.abs(value))) {
          value = trial;
          break;
        }
        proposed = (old + proposed) / 2;
        if (attempt === 49) {
          w[j] = old;
          proposed = old;
        }
      }
      const change = (w[j] ?? 0) - old;
      if (change !== 0) {
        for (const row of rows) z[row] = (z[row] ?? 0) + change * (data.x[row * k + j] ?? 0);
      }
      largestChange = Math.max(largestChange, Math.abs(change));
    }
    if (largestChange < 1e-10) break;
  }
  return w;
}

function meanLogLoss(data: GlmData, rows: readonly number[], w: Float64Array): number {
  let loss = 0;
  for (const row of rows) {
    let z = 0;
    for (let j = 0; j < data.features; j++) z += (w[j] ?? 0) * (data.x[row * data.features + j] ?? 0);
    const p = Math.min(Math.max(sigmoid(z), 1e-15), 1 - 1e-15);
    const y = data.y[row] ?? 0;
    loss -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
  }
  return loss / Math.max(rows.length, 1);
}

const GLM_CS = Array.from({ length: 10 }, (_, i) => 10 ** (-4 + (8 * i) / 9));
const GLM_FOLDS = 5;

/** L1 strength chosen by 5-fold cross-validated log loss (contiguous folds), then refitted on all rows. */
function fitCrossValidated(data: GlmData, rows: readonly number[]): Float64Array {
  const foldOf = (position: number) => Math.floor((position * GLM_FOLDS) / rows.length);
  let bestC = GLM_CS[0] ?? 1;
  let bestLoss = Number.POSITIVE_INFINITY;
  for (const c of GLM_CS) {
    let loss = 0;
    for (let fold = 0; fold < GLM_FOLDS; fold++) {
      const train = rows.filter((_, position) => foldOf(position) !== fold);
      const test = rows.filter((_, position) => foldOf(position) === fold);
      if (test.length === 0) continue;
      loss += meanLogLoss(data, test, fitL1Logistic(data, train, c));
    }
    if (loss < bestLoss - 1e-12) {
      bestLoss = loss;
      bestC = c;
    }
  }
  return fitL1Logistic(data, rows, bestC);
}

/** Sample standard deviation (ddof = 1), as pandas' std. */
function sampleStd(values: readonly number[]): number {
  return meanAndSem(values).sem * Math.sqrt(values.length);
}

/**
 * AlpacaEval 2.0's length-controlled win rate of one model against its baseline (see the file comment).
 * `difficulty` (instruction → difficulty) adds AlpacaEval's instruction-difficulty term when known.
 */
export function lengthControlledWinRate(
  annotations: readonly AlpacaEvalAnnotation[],
  difficulty?: ReadonlyMap<string, number>,
): { rate: number; standardError: number; weights: { length: number; difficulty: number; bias: number } } {
  const n = annotations.length;
  if (n > 0 && annotations.every((a) => a.generator1 === a.generator2)) {
    return { rate: 50, standardError: 0, weights: { length: 0, difficulty: 0, bias: 0 } };
  }
  const delta = annotations.map((a) => characters(a.output1) - characters(a.output2));
  const deviation = sampleStd(delta);
  const withDifficulty = difficulty !== undefined;
  const features = withDifficulty ? 3 : 2;
  const x = new Float64Array(n * features);
  const y = new Float64Array(n);
  const rows: number[] = [];
  annotations.forEach((annotation, row) => {
    const standardised = deviation > 0 ? (delta[row] ?? 0) / deviation : 0;
    x[row * features] = Math.tanh(standardised);
    if (withDifficulty) x[row * features + 1] = difficulty.get(annotation.instruction) ?? 0;
    x[row * features + features - 1] = 1;
    const preference = annotation.preference === 0 ? 1.5 : annotation.preference;
    y[row] = preference - 1;
    if (!Number.isNaN(preference)) rows.push(row);
  });
  const data: GlmData = { x, y, features };
  const w = fitCrossValidated(data, rows);
  // Predict with no length difference, for every instruction of the file.
  const predicted = annotations.map((annotation) => {
    let z = w[features - 1] ?? 0;
    if (withDifficulty) z += (w[1] ?? 0) * (difficulty.get(annotation.instruction) ?? 0);
    return sigmoid(z);
  });
  const { mean, sem } = meanAndSem(predicted);
  return {
    rate: mean * 100,
    standardError: sem * 100,
    weights: { length: w[0] ?? 0, difficulty: withDifficulty ? (w[1] ?? 0) : 0, bias: w[features - 1] ?? 0 },
  };
}

/** One row per evaluated model (generator_2), sorted by length-controlled win rate, as AlpacaEval 2.0 sorts. */
export function alpacaEvalLeaderboard(
  annotations: readonly AlpacaEvalAnnotation[],
  difficulty?: ReadonlyMap<string, number>,
): AlpacaEvalRow[] {
  const byModel = new Map<string, AlpacaEvalAnnotation[]>();
  for (const annotation of annotations) {
    const list = byModel.get(annotation.generator2);
    if (list === undefined) byModel.set(annotation.generator2, [annotation]);
    else list.push(annotation);
  }
  const rows: AlpacaEvalRow[] = [];
  for (const [model, list] of byModel) {
    const metrics = winRateMetrics(list.map((a) => a.preference));
    const lengths = list.reduce((sum, a) => sum + characters(a.output2), 0);
    const controlled = lengthControlledWinRate(list, difficulty);
    rows.push({
      model,
      baselines: [...new Set(list.map((a) => a.generator1))],
      ...metrics,
      avg_length: Math.trunc(lengths / list.length),
      length_controlled_winrate: controlled.rate,
      lc_standard_error: controlled.standardError,
    });
  }
  return rows.sort(
    (x, y) => y.length_controlled_winrate - x.length_controlled_winrate || (x.model < y.model ? -1 : 1),
  );
}
