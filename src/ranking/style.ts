// Style control (LMArena, "Does style matter?", Aug 2024): Bradley–Terry with per-battle style covariates,
//   logit P(A beats B) = θa − θb + Σk βk·xk,
// where xk is, for each style element (answer tokens, markdown headers, list items, bold spans), the relative
// difference (a − b)/(a + b + 1) standardised over the battles (population standard deviation), as FastChat's
// construct_style_matrices does. Ratings and coefficients are fitted jointly by damped Newton; the ratings are
// unpenalised (the gauge, components, separation prior and anchor work as in bt.ts) and so are the
// coefficients. A style element that does not vary over the battles carries no information: its coefficient
// is pinned at 0 and the fit is the plain Bradley–Terry fit. Ties count as half a win, as everywhere.
//
// Intervals: sandwich (H⁻¹GH⁻¹ over battles) or a multinomial bootstrap over battles (seeded; round r's draw
// depends only on (seed, r)), for the ratings and the coefficients alike.
import { percentileIntervals } from "./bootstrap.ts";
import {
  addGaugeTerms,
  ELO_PER_THETA,
  gaugedRatings,
  SEPARATION_PRIOR_PRECISION,
  type SolverSetup,
  separatedModels,
  sigmoid,
  wellPosedComponents,
} from "./bt.ts";
import { connectedComponents, type PairStats } from "./graph.ts";
import { choleskySolveInPlace, inverseFromCholesky, robustCholesky } from "./linalg.ts";
import { createRandom, sampleBinomial } from "./random.ts";
import { assembleLeaderboard } from "./rank.ts";
import type { FitOptions, IntervalMethod, Leaderboard } from "./types.ts";

/** The style elements of LMArena's style control, in FastChat's order. */
export const STYLE_ELEMENTS = ["tokens", "headers", "lists", "bold"] as const;
export type StyleElement = (typeof STYLE_ELEMENTS)[number];
export const STYLE_ELEMENT_COUNT = STYLE_ELEMENTS.length;

/** Counts of one side's answers (all assistant turns of the battle together). */
export interface StyleCounts {
  readonly tokens: number;
  readonly headers: number;
  readonly lists: number;
  readonly bold: number;
}

/**
 * Battles with the style counts of both sides. `styleA`/`styleB` are row-major battles × STYLE_ELEMENT_COUNT,
 * elements in STYLE_ELEMENTS order. Outcome is A's score in [0, 1]; `weight` (default 1) how many battles a row
 * stands for.
 */
export interface StyleBattles {
  readonly models: readonly string[];
  readonly count: number;
  readonly modelA: Int32Array;
  readonly modelB: Int32Array;
  readonly outcome: Float64Array;
  readonly weight?: Float64Array;
  readonly styleA: Float64Array;
  readonly styleB: Float64Array;
}

/** Standardised covariates: battles × STYLE_ELEMENT_COUNT, with the mean and deviation used per element. */
export interface StyleFeatures {
  readonly values: Float64Array;
  readonly mean: Float64Array;
  /** 0 for an element that does not vary (its column is all zeros then). */
  readonly std: Float64Array;
}

/** (a − b)/(a + b + 1) per element, then centred and divided by the (weighted, population) deviation. */
export function styleFeatures(battles: StyleBattles): StyleFeatures {
  const k = STYLE_ELEMENT_COUNT;
  const n = battles.count;
  const values = new Float64Array(n * k);
  const mean = new Float64Array(k);
  const std = new Float64Array(k);
  let total = 0;
  for (let row = 0; row < n; row++) {
    const weight = battles.weight?.[row] ?? 1;
    total += weight;
    for (let j = 0; j < k; j++) {
      const a = battles.styleA[row * k + j] ?? 0;
      const b = battles.styleB[row * k + j] ?? 0;
      if (!(a >= 0 && b >= 0 && Number.isFinite(a) && Number.isFinite(b))) {
        throw new RangeError(`style counts must be finite and ≥ 0, got ${a} and ${b} in battle ${row}`);
      }
      const ratio = (a - b) / (a + b + 1);
      values[row * k + j] = ratio;
      mean[j] = (mean[j] ?? 0) + weight * ratio;
    }
  }
  for (let j = 0; j < k; j++) mean[j] = total > 0 ? (mean[j] ?? 0) / total : 0;
  for (let row = 0; row < n; row++) {
    const weight = battles.weight?.[row] ?? 1;
    for (let j = 0; j < k; j++) {
      const centred = (values[row * k + j] ?? 0) - (mean[j] ?? 0);
      values[row * k + j] = centred;
      std[j] = (std[j] ?? 0) + weight * centred * centred;
    }
  }
  for (let j = 0; j < k; j++) {
    const deviation = total > 0 ? Math.sqrt((std[j] ?? 0) / total) : 0;
    // Rounding leaves ~1e-17 of spread in a constant column; that is no variation.
    std[j] = deviation > 1e-12 ? deviation : 0;
  }
  for (let row = 0; row < n; row++) {
    for (let j = 0; j < k; j++) {
      const deviation = std[j] ?? 0;
      values[row * k + j] = deviation > 0 ? (values[row * k + j] ?? 0) / deviation : 0;
    }
  }
  return { values, mean, std };
}

/** What the solver needs: battles as flat arrays, covariates, and per-battle weights of this (re)sample. */
interface StyleProblem {
  readonly modelCount: number;
  readonly a: Int32Array;
  readonly b: Int32Array;
  readonly outcome: Float64Array;
  readonly features: Float64Array;
  /** Columns pinned at β = 0 (no variation). */
  readonly pinned: Uint8Array;
}

interface StyleSolution {
  readonly ratings: Float64Array;
  /** θ (models) followed by β (STYLE_ELEMENT_COUNT). */
  readonly parameters: Float64Array;
  readonly ridge: Float64Array;
  readonly gaugeGroup: Int32Array;
  readonly iterations: number;
  readonly converged: boolean;
}

/** Pair statistics of weighted battles (for components and the existence of the MLE). */
function pairStatsOfBattles(problem: StyleProblem, weight: Float64Array): PairStats {
  const index = new Map<number, number>();
  const pairA: number[] = [];
  const pairB: number[] = [];
  const n: number[] = [];
  const s: number[] = [];
  for (let row = 0; row < problem.a.length; row++) {
    const w = weight[row] ?? 0;
    if (w === 0) continue;
    let a = problem.a[row] ?? 0;
    let b = problem.b[row] ?? 0;
    let y = problem.outcome[row] ?? 0;
    if (a > b) {
      [a, b] = [b, a];
      y = 1 - y;
    }
    const key = a * problem.modelCount + b;
    let pair = index.get(key);
    if (pair === undefined) {
      pair = pairA.length;
      index.set(key, pair);
      pairA.push(a);
      pairB.push(b);
      n.push(0);
      s.push(0);
    }
    n[pair] = (n[pair] ?? 0) + w;
    s[pair] = (s[pair] ?? 0) + w * y;
  }
  return {
    modelCount: problem.modelCount,
    a: Int32Array.from(pairA),
    b: Int32Array.from(pairB),
    n: Float64Array.from(n),
    s: Float64Array.from(s),
  };
}

function solveStyle(
  problem: StyleProblem,
  weight: Float64Array,
  setup: SolverSetup,
  warm?: Float64Array,
): StyleSolution {
  const models = problem.modelCount;
  const k = STYLE_ELEMENT_COUNT;
  const size = models + k;
  const pairs = pairStatsOfBattles(problem, weight);
  const present = new Uint8Array(models);
  for (let pair = 0; pair < pairs.n.length; pair++) {
    present[pairs.a[pair] ?? 0] = 1;
    present[pairs.b[pair] ?? 0] = 1;
  }
  const wellPosed = wellPosedComponents(pairs, setup, present);
  const ridge = new Float64Array(size);
  const gaugeGroup = new Int32Array(size).fill(-1);
  for (let model = 0; model < models; model++) {
    const component = setup.componentOf[model] ?? 0;
    if (present[model] !== 1) ridge[model] = 1;
    else if (wellPosed[component] === 1) gaugeGroup[model] = component;
    else ridge[model] = SEPARATION_PRIOR_PRECISION;
  }
  for (let j = 0; j < k; j++) if (problem.pinned[j] === 1) ridge[models + j] = 1;

  const parameters = new Float64Array(size);
  if (warm !== undefined) {
    for (let i = 0; i < size; i++) parameters[i] = i < models && present[i] !== 1 ? 0 : (warm[i] ?? 0);
  }
  const gradient = new Float64Array(size);
  const hessian = new Float64Array(size * size);
  const step = new Float64Array(size);
  const trial = new Float64Array(size);
  const groupSums = new Float64Array(setup.componentCount);
  const z = new Int32Array(2 + k);
  const zValue = new Float64Array(2 + k);

  const logit = (point: Float64Array, row: number): number => {
    let value = (point[problem.a[row] ?? 0] ?? 0) - (point[problem.b[row] ?? 0] ?? 0);
    for (let j = 0; j < k; j++) value += (point[models + j] ?? 0) * (problem.features[row * k + j] ?? 0);
    return value;
  };
  const penalty = (point: Float64Array): number => {
    let value = 0;
    groupSums.fill(0);
    for (let i = 0; i < size; i++) {
      const t = point[i] ?? 0;
      value += 0.5 * (ridge[i] ?? 0) * t * t;
      const group = gaugeGroup[i] ?? -1;
      if (group >= 0) groupSums[group] = (groupSums[group] ?? 0) + t;
    }
    for (const sum of groupSums) value += 0.5 * sum * sum;
    return value;
  };
  const objective = (point: Float64Array): number => {
    let value = 0;
    for (let row = 0; row < problem.a.length; row++) {
      const w = weight[row] ?? 0;
      if (w === 0) continue;
      const d = logit(point, row);
      value += w * (Math.max(d, 0) + Math.log1p(Math.exp(-Math.abs(d))) - (problem.outcome[row] ?? 0) * d);
    }
    return value + penalty(point);
  };

  let iterations = 0;
  let converged = false;
  while (iterations < setup.maxIterations) {
    iterations++;
    gradient.fill(0);
    hessian.fill(0);
    let value = 0;
    for (let row = 0; row < problem.a.length; row++) {
      const w = weight[row] ?? 0;
      if (w === 0) continue;
      const d = logit(parameters, row);
      const y = problem.outcome[row] ?? 0;
      value += w * (Math.max(d, 0) + Math.log1p(Math.exp(-Math.abs(d))) - y * d);
      const p = sigmoid(d);
      const residual = w * (p - y);
      const curvature = w * p * (1 - p);
      z[0] = problem.a[row] ?? 0;
      zValue[0] = 1;
      z[1] = problem.b[row] ?? 0;
      zValue[1] = -1;
      for (let j = 0; j < k; j++) {
        z[2 + j] = models + j;
        zValue[2 + j] = problem.features[row * k + j] ?? 0;
      }
      for (let u = 0; u < z.length; u++) {
        const iu = z[u] ?? 0;
        const vu = zValue[u] ?? 0;
        gradient[iu] = (gradient[iu] ?? 0) + residual * vu;
        const rowOffset = iu * size;
        const cu = curvature * vu;
        for (let v = 0; v < z.length; v++) {
          const iv = z[v] ?? 0;
          hessian[rowOffset + iv] = (hessian[rowOffset + iv] ?? 0) + cu * (zValue[v] ?? 0);
        }
      }
    }
    value += penalty(parameters); // also fills groupSums
    for (let i = 0; i < size; i++) {
      const r = ridge[i] ?? 0;
      gradient[i] = (gradient[i] ?? 0) + r * (parameters[i] ?? 0);
      hessian[i * size + i] = (hessian[i * size + i] ?? 0) + r;
    }
    addGaugeTerms(gaugeGroup, groupSums, gradient, hessian, size);

    const factor = robustCholesky(hessian, size);
    for (let i = 0; i < size; i++) step[i] = -(gradient[i] ?? 0);
    choleskySolveInPlace(factor, size, step);
    let largestStep = 0;
    let slope = 0;
    for (let i = 0; i < size; i++) {
      largestStep = Math.max(largestStep, Math.abs(step[i] ?? 0));
      slope += (gradient[i] ?? 0) * (step[i] ?? 0);
    }
    if (!Number.isFinite(largestStep)) break;
    // As in bt.ts: small steps are taken whole, larger ones backtracked (Armijo).
    let scale = 1;
    if (largestStep > 0.1) {
      for (;;) {
        for (let i = 0; i < size; i++) trial[i] = (parameters[i] ?? 0) + scale * (step[i] ?? 0);
        if (objective(trial) <= value + 1e-4 * scale * slope) break;
        if (scale < 1e-10) break;
        scale /= 2;
      }
      if (scale < 1e-10) break;
    }
    for (let i = 0; i < size; i++) parameters[i] = (parameters[i] ?? 0) + scale * (step[i] ?? 0);
    if (largestStep * scale < setup.tolerance) {
      converged = true;
      break;
    }
  }
  return {
    ratings: gaugedRatings(parameters.subarray(0, models), present, setup),
    parameters,
    ridge,
    gaugeGroup,
    iterations,
    converged,
  };
}

/** 97.5% quantile of the standard normal. */
const Z_975 = 1.959963984540054;

/** Sandwich intervals of the ratings (Elo scale) and coefficients (logit scale). */
function styleSandwich(
  problem: StyleProblem,
  weight: Float64Array,
  setup: SolverSetup,
  solution: StyleSolution,
): {
  lower: Float64Array;
  upper: Float64Array;
  coefficientLower: Float64Array;
  coefficientUpper: Float64Array;
} {
  const models = problem.modelCount;
  const k = STYLE_ELEMENT_COUNT;
  const size = models + k;
  const theta = solution.parameters;
  const hessian = new Float64Array(size * size);
  const meat = new Float64Array(size * size);
  const z = new Int32Array(2 + k);
  const zValue = new Float64Array(2 + k);
  for (let row = 0; row < problem.a.length; row++) {
    const w = weight[row] ?? 0;
    if (w === 0) continue;
    let d = (theta[problem.a[row] ?? 0] ?? 0) - (theta[problem.b[row] ?? 0] ?? 0);
    for (let j = 0; j < k; j++) d += (theta[models + j] ?? 0) * (problem.features[row * k + j] ?? 0);
    const p = sigmoid(d);
    const residual = (problem.outcome[row] ?? 0) - p;
    const curvature = w * p * (1 - p);
    const score = w * residual * residual;
    z[0] = problem.a[row] ?? 0;
    zValue[0] = 1;
    z[1] = problem.b[row] ?? 0;
    zValue[1] = -1;
    for (let j = 0; j < k; j++) {
      z[2 + j] = models + j;
      zValue[2 + j] = problem.features[row * k + j] ?? 0;
    }
    for (let u = 0; u < z.length; u++) {
      const offset = (z[u] ?? 0) * size;
      const vu = zValue[u] ?? 0;
      for (let v = 0; v < z.length; v++) {
        const product = vu * (zValue[v] ?? 0);
        hessian[offset + (z[v] ?? 0)] = (hessian[offset + (z[v] ?? 0)] ?? 0) + curvature * product;
        meat[offset + (z[v] ?? 0)] = (meat[offset + (z[v] ?? 0)] ?? 0) + score * product;
      }
    }
  }
  for (let i = 0; i < size; i++) {
    hessian[i * size + i] = (hessian[i * size + i] ?? 0) + (solution.ridge[i] ?? 0);
    const group = solution.gaugeGroup[i] ?? -1;
    if (group < 0) continue;
    for (let j = 0; j < size; j++) {
      if (solution.gaugeGroup[j] === group) hessian[i * size + j] = (hessian[i * size + j] ?? 0) + 1;
    }
  }
  const inverse = inverseFromCholesky(robustCholesky(hessian, size), size);
  const anchorComponent = setup.anchorIndex >= 0 ? (setup.componentOf[setup.anchorIndex] ?? -1) : -1;
  const componentSize = new Float64Array(setup.componentCount);
  for (let i = 0; i < models; i++) {
    const component = setup.componentOf[i] ?? 0;
    componentSize[component] = (componentSize[component] ?? 0) + 1;
  }

  const contrast = new Float64Array(size);
  const direction = new Float64Array(size);
  const variance = (): { robust: number; modelBased: number } => {
    direction.fill(0);
    for (let i = 0; i < size; i++) {
      let sum = 0;
      for (let j = 0; j < size; j++) sum += (inverse[i * size + j] ?? 0) * (contrast[j] ?? 0);
      direction[i] = sum;
    }
    let robust = 0;
    let modelBased = 0;
    for (let i = 0; i < size; i++) {
      const di = direction[i] ?? 0;
      modelBased += di * (contrast[i] ?? 0);
      if (di === 0) continue;
      let row = 0;
      for (let j = 0; j < size; j++) row += (meat[i * size + j] ?? 0) * (direction[j] ?? 0);
      robust += di * row;
    }
    return { robust, modelBased };
  };

  const lower = new Float64Array(models);
  const upper = new Float64Array(models);
  for (let model = 0; model < models; model++) {
    const component = setup.componentOf[model] ?? 0;
    contrast.fill(0);
    if (component === anchorComponent) {
      contrast[setup.anchorIndex] = -1;
    } else {
      const share = 1 / (componentSize[component] ?? 1);
      for (let j = 0; j < models; j++) if (setup.componentOf[j] === component) contrast[j] = -share;
    }
    contrast[model] = (contrast[model] ?? 0) + 1;
    const { robust, modelBased } = variance();
    // Under the separation prior the residuals collapse; never report less than the curvature says.
    const v = (solution.ridge[model] ?? 0) > 0 ? Math.max(robust, modelBased) : robust;
    const halfWidth = Z_975 * ELO_PER_THETA * Math.sqrt(Math.max(v, 0));
    const rating = solution.ratings[model] ?? Number.NaN;
    lower[model] = rating - halfWidth;
    upper[model] = rating + halfWidth;
  }
  const coefficientLower = new Float64Array(k);
  const coefficientUpper = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const value = theta[models + j] ?? 0;
    if (problem.pinned[j] === 1) {
      coefficientLower[j] = 0;
      coefficientUpper[j] = 0;
      continue;
    }
    contrast.fill(0);
    contrast[models + j] = 1;
    const halfWidth = Z_975 * Math.sqrt(Math.max(variance().robust, 0));
    coefficientLower[j] = value - halfWidth;
    coefficientUpper[j] = value + halfWidth;
  }
  return { lower, upper, coefficientLower, coefficientUpper };
}

export interface StyleCoefficient {
  readonly element: StyleElement;
  /** β on the logit scale per standard deviation of the element's relative difference. */
  readonly value: number;
  readonly lower: number;
  readonly upper: number;
  /** Mean and standard deviation used to standardise (0: the element did not vary, β pinned at 0). */
  readonly mean: number;
  readonly std: number;
}

export interface StyleControlledBoard {
  readonly leaderboard: Leaderboard;
  readonly coefficients: readonly StyleCoefficient[];
  readonly iterations: number;
  readonly converged: boolean;
}

export interface StyleRankOptions extends Pick<FitOptions, "anchor"> {
  /** Default "bootstrap". */
  readonly ci?: IntervalMethod;
  readonly bootstrapRounds?: number;
  readonly seed?: number;
  readonly elo?: ReadonlyMap<string, number>;
  readonly onWarning?: (message: string) => void;
}

/**
 * Style-controlled leaderboard: ratings with the style effects held at zero, and the fitted coefficients.
 * Battles between a model and itself are ignored. Throws on bad options (unknown anchor, rounds < 1).
 */
export async function rankStyleControlled(
  battles: StyleBattles,
  options: StyleRankOptions = {},
): Promise<StyleControlledBoard> {
  const ci = options.ci ?? "bootstrap";
  const n = battles.count;
  const features = styleFeatures(battles);
  const weight = new Float64Array(n);
  for (let row = 0; row < n; row++) {
    const w = battles.weight?.[row] ?? 1;
    const y = battles.outcome[row] ?? Number.NaN;
    if (!(w >= 0 && Number.isFinite(w))) throw new RangeError(`weight must be finite and ≥ 0, got ${w}`);
    if (!(y >= 0 && y <= 1)) throw new RangeError(`outcome must be in [0, 1], got ${y}`);
    weight[row] = battles.modelA[row] === battles.modelB[row] ? 0 : w;
  }
  const pinned = new Uint8Array(STYLE_ELEMENT_COUNT);
  for (let j = 0; j < STYLE_ELEMENT_COUNT; j++) pinned[j] = (features.std[j] ?? 0) > 0 ? 0 : 1;
  const problem: StyleProblem = {
    modelCount: battles.models.length,
    a: battles.modelA,
    b: battles.modelB,
    outcome: battles.outcome,
    features: features.values,
    pinned,
  };
  const pairs = pairStatsOfBattles(problem, weight);
  const components = connectedComponents(pairs);
  let anchorIndex = -1;
  if (options.anchor !== undefined) {
    anchorIndex = battles.models.indexOf(options.anchor.model);
    if (anchorIndex < 0) throw new Error(`anchor model "${options.anchor.model}" has no comparisons`);
    if (!Number.isFinite(options.anchor.value)) throw new Error("anchor value must be a finite number");
  }
  const setup: SolverSetup = {
    componentOf: components.componentOf,
    componentCount: components.members.length,
    l2C: undefined,
    anchorIndex,
    anchorRating: options.anchor?.value ?? 1000,
    tolerance: 1e-10,
    maxIterations: 200,
  };
  const solution = solveStyle(problem, weight, setup);
  if (!solution.converged) {
    options.onWarning?.(
      `the style-controlled fit stopped after ${solution.iterations} iterations without converging; ratings are approximate`,
    );
  }
  const models = problem.modelCount;
  const k = STYLE_ELEMENT_COUNT;
  const coefficient = solution.parameters.subarray(models);
  let lower: Float64Array = solution.ratings;
  let upper: Float64Array = solution.ratings;
  let coefficientLower: Float64Array = Float64Array.from(coefficient);
  let coefficientUpper: Float64Array = Float64Array.from(coefficient);
  if (ci === "sandwich") {
    ({ lower, upper, coefficientLower, coefficientUpper } = styleSandwich(problem, weight, setup, solution));
  } else if (ci === "bootstrap" && models > 0) {
    const rounds = options.bootstrapRounds ?? 1000;
    if (!(Number.isInteger(rounds) && rounds >= 1))
      throw new Error(`bootstrap rounds must be ≥ 1, got ${rounds}`);
    const ratingRounds = new Float64Array(rounds * models);
    const coefficientRounds = new Float64Array(rounds * k);
    const roundSetup: SolverSetup = { ...setup, tolerance: 1e-6, maxIterations: 100 };
    const suffix = new Float64Array(n);
    let total = 0;
    for (let row = n - 1; row >= 0; row--) {
      total += weight[row] ?? 0;
      suffix[row] = total;
    }
    const draws = Math.round(total);
    const resampled = new Float64Array(n);
    for (let round = 0; round < rounds; round++) {
      const random = createRandom(options.seed ?? 1, round);
      resampled.fill(0);
      let remaining = draws;
      for (let row = 0; row < n && remaining > 0; row++) {
        const share = (weight[row] ?? 0) / (suffix[row] || 1);
        const drawn = row === n - 1 ? remaining : sampleBinomial(random, remaining, Math.min(share, 1));
        resampled[row] = drawn;
        remaining -= drawn;
      }
      const fit = solveStyle(problem, resampled, roundSetup, solution.parameters);
      ratingRounds.set(fit.ratings, round * models);
      coefficientRounds.set(fit.parameters.subarray(models), round * k);
      if (round % 8 === 7) await new Promise((resolve) => setImmediate(resolve));
    }
    ({ lower, upper } = percentileIntervals(ratingRounds, rounds, models));
    ({ lower: coefficientLower, upper: coefficientUpper } = percentileIntervals(
      coefficientRounds,
      rounds,
      k,
    ));
  }

  const battlesPerModel = new Float64Array(models);
  let totalBattles = 0;
  for (let row = 0; row < n; row++) {
    const w = weight[row] ?? 0;
    totalBattles += w;
    const a = battles.modelA[row] ?? 0;
    const b = battles.modelB[row] ?? 0;
    battlesPerModel[a] = (battlesPerModel[a] ?? 0) + w;
    battlesPerModel[b] = (battlesPerModel[b] ?? 0) + w;
  }
  // Models that took part only in ignored battles (self-battles) are left out, as the plain fit does.
  const keep: number[] = [];
  for (let model = 0; model < models; model++) if ((battlesPerModel[model] ?? 0) > 0) keep.push(model);
  const pick = (values: Float64Array) => Float64Array.from(keep, (model) => values[model] ?? Number.NaN);
  const newIndex = new Int32Array(models).fill(-1);
  keep.forEach((model, index) => {
    newIndex[model] = index;
  });
  const newComponent = new Int32Array(components.members.length).fill(-1);
  const keptComponents: number[][] = [];
  components.members.forEach((members, component) => {
    const kept = members.map((model) => newIndex[model] ?? -1).filter((index) => index >= 0);
    if (kept.length === 0) return;
    newComponent[component] = keptComponents.length;
    keptComponents.push(kept);
  });
  const leaderboard = assembleLeaderboard({
    models: keep.map((model) => battles.models[model] ?? ""),
    ratings: pick(solution.ratings),
    lower: pick(lower),
    upper: pick(upper),
    battles: pick(battlesPerModel),
    totalBattles,
    componentOf: Int32Array.from(keep, (model) => newComponent[components.componentOf[model] ?? 0] ?? 0),
    components: keptComponents,
    separated: separatedModels(pairs, components.members)
      .map((model) => newIndex[model] ?? -1)
      .filter((index) => index >= 0),
    ci,
    elo: options.elo,
  });
  return {
    leaderboard,
    coefficients: STYLE_ELEMENTS.map((element, j) => ({
      element,
      value: coefficient[j] ?? 0,
      lower: coefficientLower[j] ?? Number.NaN,
      upper: coefficientUpper[j] ?? Number.NaN,
      mean: features.mean[j] ?? 0,
      std: features.std[j] ?? 0,
    })),
    iterations: solution.iterations,
    converged: solution.converged,
  };
}
