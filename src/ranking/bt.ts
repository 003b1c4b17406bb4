// Bradley–Terry maximum likelihood on pair-level sufficient statistics: P(a beats b) = σ(θa − θb), a tie
// counts as half a win, rating = 1000 + 400·θ/ln 10. Damped Newton in float64 with a backtracking line search.
//
// The likelihood does not change when every θ of a connected component moves together, so for each
// well-posed component the solver minimises loss + ½(Σθ)², which has the same minimisers of the loss
// with Σθ = 0 and a positive-definite Hessian. Ratings are then centred on 1000 per component, or anchored.
//
// Separation. The plain MLE exists iff, inside each component, the digraph "i scored something against j"
// is strongly connected (Ford, 1957). When it is not (a model won or lost everything, or a group of models
// beat every other one), the likelihood keeps growing as ratings drift apart and Newton would run off to
// infinity. For such a component only, we fit the posterior mode under a weak Gaussian prior θ ~ N(0, ln²10),
// i.e. a prior standard deviation of 400 Elo per model: every rating stays finite, strongly supported
// differences barely move, and the affected models are reported as separated. Well-posed components are
// untouched, so a separated newcomer never shifts anyone else.
import {
  connectedComponents,
  type PairStats,
  pairStatsOf,
  scoreGraph,
  stronglyConnectedParts,
} from "./graph.ts";
import { choleskySolveInPlace, robustCholesky } from "./linalg.ts";
import type { ComparisonTable, FitOptions, FitResult } from "./types.ts";

/** Elo points per unit of θ: 400 / ln 10. */
export const ELO_PER_THETA = 400 / Math.LN10;
export const BASE_RATING = 1000;
/** Precision of the fallback prior on θ for separated components: standard deviation ln 10 = 400 Elo. */
export const SEPARATION_PRIOR_PRECISION = 1 / (Math.LN10 * Math.LN10);

export interface SolverSetup {
  /** Components of the full data set; the gauge is fixed per component. */
  readonly componentOf: Int32Array;
  readonly componentCount: number;
  /** The published L2 method (battles doubled, ½‖w‖² + C·Σ log-loss); undefined for the plain MLE. */
  readonly l2C: number | undefined;
  /** Model index of the anchor, or −1 for mean 1000 per component. */
  readonly anchorIndex: number;
  readonly anchorRating: number;
  /** Stop when the largest Newton step in θ is below this. */
  readonly tolerance: number;
  readonly maxIterations: number;
}

export interface Solution {
  /** Ratings by model index; NaN for a model without comparisons in this data. */
  readonly ratings: Float64Array;
  /** The solver's θ (natural log strengths before the gauge shift): a warm start for a refit. */
  readonly theta: Float64Array;
  readonly iterations: number;
  readonly converged: boolean;
  /** 1 for components fitted with the fallback prior because their MLE does not exist in this data. */
  readonly priorComponents: Uint8Array;
  /** Per-model ridge added to the Hessian (prior or L2 precision); the sandwich needs it. */
  readonly ridge: Float64Array;
  /** Per-model gauge group (component id) or −1 where a ridge fixes the level. */
  readonly gaugeGroup: Int32Array;
  /** Multiplier applied to the counts (2 for the published L2 method). */
  readonly countScale: number;
}

/** σ(x) computed without overflow. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Which components are well posed (strongly connected score graph over the models present). */
export function wellPosedComponents(pairs: PairStats, setup: SolverSetup, present: Uint8Array): Uint8Array {
  const wellPosed = new Uint8Array(setup.componentCount);
  // Shortcut: a model that scored against, and conceded to, every other present model of its component is a
  // hub through which every model reaches every other, so the component is strongly connected. Dense data
  // (and nearly every bootstrap round) passes this O(pairs) test; otherwise Tarjan decides.
  const twoWay = new Int32Array(pairs.modelCount);
  for (let pair = 0; pair < pairs.n.length; pair++) {
    const n = pairs.n[pair] ?? 0;
    const s = pairs.s[pair] ?? 0;
    if (n > 0 && s > 0 && n - s > 0) {
      const a = pairs.a[pair] ?? 0;
      const b = pairs.b[pair] ?? 0;
      twoWay[a] = (twoWay[a] ?? 0) + 1;
      twoWay[b] = (twoWay[b] ?? 0) + 1;
    }
  }
  const presentCount = new Int32Array(setup.componentCount);
  for (let model = 0; model < pairs.modelCount; model++) {
    if (present[model] !== 1) continue;
    const component = setup.componentOf[model] ?? 0;
    presentCount[component] = (presentCount[component] ?? 0) + 1;
  }
  let undecided = 0;
  for (let model = 0; model < pairs.modelCount; model++) {
    const component = setup.componentOf[model] ?? 0;
    if (present[model] === 1 && twoWay[model] === (presentCount[component] ?? 0) - 1)
      wellPosed[component] = 1;
  }
  for (let component = 0; component < setup.componentCount; component++) {
    if (wellPosed[component] === 0 && (presentCount[component] ?? 0) > 0) undecided++;
  }
  if (undecided === 0) return wellPosed;

  const presentModels: number[] = [];
  for (let model = 0; model < pairs.modelCount; model++) if (present[model] === 1) presentModels.push(model);
  const partsPerComponent = new Int32Array(setup.componentCount);
  for (const part of stronglyConnectedParts(scoreGraph(pairs), presentModels)) {
    const component = setup.componentOf[part[0] ?? 0] ?? 0;
    partsPerComponent[component] = (partsPerComponent[component] ?? 0) + 1;
  }
  for (let component = 0; component < setup.componentCount; component++) {
    wellPosed[component] = partsPerComponent[component] === 1 ? 1 : 0;
  }
  return wellPosed;
}

/** Fits pair statistics; `warm` (a previous Solution's θ) makes a refit on resampled data take 2–3 steps. */
export function solve(pairs: PairStats, setup: SolverSetup, warm?: Float64Array): Solution {
  const size = pairs.modelCount;
  const countScale = setup.l2C === undefined ? 1 : 2;
  const present = new Uint8Array(size);
  for (let pair = 0; pair < pairs.n.length; pair++) {
    if ((pairs.n[pair] ?? 0) > 0) {
      present[pairs.a[pair] ?? 0] = 1;
      present[pairs.b[pair] ?? 0] = 1;
    }
  }
  const wellPosed = wellPosedComponents(pairs, setup, present);
  const priorComponents = new Uint8Array(setup.componentCount);
  const ridge = new Float64Array(size);
  const gaugeGroup = new Int32Array(size).fill(-1);
  for (let model = 0; model < size; model++) {
    const component = setup.componentOf[model] ?? 0;
    if (present[model] !== 1) {
      ridge[model] = 1; // no data: θ stays at 0 and the rating is reported as NaN
    } else if (setup.l2C !== undefined) {
      ridge[model] = 1 / (setup.l2C * Math.LN10 * Math.LN10); // ½‖w‖² with θ = w·ln 10
    } else if (wellPosed[component] === 1) {
      gaugeGroup[model] = component;
    } else {
      ridge[model] = SEPARATION_PRIOR_PRECISION;
      priorComponents[component] = 1;
    }
  }

  const theta = new Float64Array(size);
  if (warm !== undefined) {
    for (let model = 0; model < size; model++) theta[model] = present[model] === 1 ? (warm[model] ?? 0) : 0;
  }
  const gradient = new Float64Array(size);
  const hessian = new Float64Array(size * size);
  const step = new Float64Array(size);
  const trial = new Float64Array(size);
  const groupSums = new Float64Array(setup.componentCount);

  const objective = (point: Float64Array): number => {
    let value = 0;
    for (let pair = 0; pair < pairs.n.length; pair++) {
      const n = (pairs.n[pair] ?? 0) * countScale;
      if (n === 0) continue;
      const s = (pairs.s[pair] ?? 0) * countScale;
      const difference = (point[pairs.a[pair] ?? 0] ?? 0) - (point[pairs.b[pair] ?? 0] ?? 0);
      // −[s·log σ(d) + (n − s)·log σ(−d)] = n·log(1 + e^d) − s·d
      value += n * (Math.max(difference, 0) + Math.log1p(Math.exp(-Math.abs(difference)))) - s * difference;
    }
    groupSums.fill(0);
    for (let model = 0; model < size; model++) {
      const t = point[model] ?? 0;
      value += 0.5 * (ridge[model] ?? 0) * t * t;
      const group = gaugeGroup[model] ?? -1;
      if (group >= 0) groupSums[group] = (groupSums[group] ?? 0) + t;
    }
    for (const sum of groupSums) value += 0.5 * sum * sum;
    return value;
  };

  let iterations = 0;
  let converged = false;
  while (iterations < setup.maxIterations) {
    iterations++;
    gradient.fill(0);
    hessian.fill(0);
    groupSums.fill(0);
    let value = 0;
    for (let pair = 0; pair < pairs.n.length; pair++) {
      const n = (pairs.n[pair] ?? 0) * countScale;
      if (n === 0) continue;
      const s = (pairs.s[pair] ?? 0) * countScale;
      const a = pairs.a[pair] ?? 0;
      const b = pairs.b[pair] ?? 0;
      const difference = (theta[a] ?? 0) - (theta[b] ?? 0);
      const e = Math.exp(-Math.abs(difference));
      value += n * (Math.max(difference, 0) + Math.log1p(e)) - s * difference;
      const p = difference >= 0 ? 1 / (1 + e) : e / (1 + e);
      // n·p − s cancels catastrophically when p ≈ 1 and s ≈ n: use (n − s) − n·(1 − p) there.
      const residual = difference >= 0 ? n - s - (n * e) / (1 + e) : n * p - s;
      const weight = n * p * (1 - p);
      gradient[a] = (gradient[a] ?? 0) + residual;
      gradient[b] = (gradient[b] ?? 0) - residual;
      hessian[a * size + a] = (hessian[a * size + a] ?? 0) + weight;
      hessian[b * size + b] = (hessian[b * size + b] ?? 0) + weight;
      hessian[a * size + b] = (hessian[a * size + b] ?? 0) - weight;
      hessian[b * size + a] = (hessian[b * size + a] ?? 0) - weight;
    }
    for (let model = 0; model < size; model++) {
      const t = theta[model] ?? 0;
      const r = ridge[model] ?? 0;
      value += 0.5 * r * t * t;
      gradient[model] = (gradient[model] ?? 0) + r * t;
      hessian[model * size + model] = (hessian[model * size + model] ?? 0) + r;
      const group = gaugeGroup[model] ?? -1;
      if (group >= 0) groupSums[group] = (groupSums[group] ?? 0) + t;
    }
    for (const sum of groupSums) value += 0.5 * sum * sum;
    addGaugeTerms(gaugeGroup, groupSums, gradient, hessian, size);

    const factor = robustCholesky(hessian, size);
    for (let model = 0; model < size; model++) step[model] = -(gradient[model] ?? 0);
    choleskySolveInPlace(factor, size, step);
    let largestStep = 0;
    let slope = 0;
    for (let model = 0; model < size; model++) {
      largestStep = Math.max(largestStep, Math.abs(step[model] ?? 0));
      slope += (gradient[model] ?? 0) * (step[model] ?? 0);
    }
    if (!Number.isFinite(largestStep)) break;
    // A step that moves no θ by more than 0.1 changes every pair's p(1 − p) by less than e^±0.2, so the
    // quadratic model is accurate and the full step decreases the objective; near the optimum the
    // objective's rounding noise would only confuse a line search. Larger steps are backtracked (Armijo).
    let scale = 1;
    if (largestStep > 0.1) {
      for (;;) {
        for (let model = 0; model < size; model++)
          trial[model] = (theta[model] ?? 0) + scale * (step[model] ?? 0);
        if (objective(trial) <= value + 1e-4 * scale * slope) break;
        if (scale < 1e-10) break; // the line search gave up: not converged
        scale /= 2;
      }
      if (scale < 1e-10) break;
    }
    for (let model = 0; model < size; model++)
      theta[model] = (theta[model] ?? 0) + scale * (step[model] ?? 0);
    if (largestStep * scale < setup.tolerance) {
      converged = true;
      break;
    }
  }

  return {
    ratings: gaugedRatings(theta, present, setup),
    theta,
    iterations,
    converged,
    priorComponents,
    ridge,
    gaugeGroup,
    countScale,
  };
}

/** Adds the gradient and Hessian of ½Σ_groups(Σθ)². */
export function addGaugeTerms(
  gaugeGroup: Int32Array,
  groupSums: Float64Array,
  gradient: Float64Array,
  hessian: Float64Array,
  size: number,
): void {
  for (let i = 0; i < size; i++) {
    const group = gaugeGroup[i] ?? -1;
    if (group < 0) continue;
    gradient[i] = (gradient[i] ?? 0) + (groupSums[group] ?? 0);
    const row = i * size;
    for (let j = 0; j < size; j++)
      if (gaugeGroup[j] === group) hessian[row + j] = (hessian[row + j] ?? 0) + 1;
  }
}

/** θ → ratings: mean 1000 over the models present in each component, or the anchor's value in its own. */
export function gaugedRatings(theta: Float64Array, present: Uint8Array, setup: SolverSetup): Float64Array {
  const sums = new Float64Array(setup.componentCount);
  const counts = new Float64Array(setup.componentCount);
  for (let model = 0; model < theta.length; model++) {
    if (present[model] !== 1) continue;
    const component = setup.componentOf[model] ?? 0;
    sums[component] = (sums[component] ?? 0) + (theta[model] ?? 0);
    counts[component] = (counts[component] ?? 0) + 1;
  }
  const anchorComponent = setup.anchorIndex >= 0 ? (setup.componentOf[setup.anchorIndex] ?? -1) : -1;
  const ratings = new Float64Array(theta.length);
  for (let model = 0; model < theta.length; model++) {
    const component = setup.componentOf[model] ?? 0;
    if (present[model] !== 1) {
      ratings[model] = Number.NaN;
    } else if (component === anchorComponent) {
      // A resample without the anchor cannot be gauged like the others: its component is left out.
      ratings[model] =
        present[setup.anchorIndex] === 1
          ? setup.anchorRating + ELO_PER_THETA * ((theta[model] ?? 0) - (theta[setup.anchorIndex] ?? 0))
          : Number.NaN;
    } else {
      const mean = (sums[component] ?? 0) / (counts[component] ?? 1);
      ratings[model] = BASE_RATING + ELO_PER_THETA * ((theta[model] ?? 0) - mean);
    }
  }
  return ratings;
}

/** Everything a fit of a table needs besides the data: components, anchor index, tolerances. */
export function solverSetup(
  table: ComparisonTable,
  components: { componentOf: Int32Array; members: readonly (readonly number[])[] },
  options: FitOptions | undefined,
  tolerance = 1e-10,
): SolverSetup {
  let anchorIndex = -1;
  if (options?.anchor !== undefined) {
    anchorIndex = table.models.indexOf(options.anchor.model);
    if (anchorIndex < 0) throw new Error(`anchor model "${options.anchor.model}" has no comparisons`);
    if (!Number.isFinite(options.anchor.value)) throw new Error("anchor value must be a finite number");
  }
  if (options?.l2 !== undefined && !(options.l2.c > 0 && Number.isFinite(options.l2.c))) {
    throw new Error(`L2 constant C must be a positive number, got ${options.l2.c}`);
  }
  return {
    componentOf: components.componentOf,
    componentCount: components.members.length,
    l2C: options?.l2?.c,
    anchorIndex,
    anchorRating: options?.anchor?.value ?? BASE_RATING,
    tolerance,
    maxIterations: 200,
  };
}

/**
 * Separated models of a table: in a component whose score graph is not strongly connected, the models
 * outside its largest strongly connected part (all of the component's models when no part is largest).
 */
export function separatedModels(pairs: PairStats, members: readonly (readonly number[])[]): number[] {
  const graph = scoreGraph(pairs);
  const separated: number[] = [];
  for (const component of members) {
    const parts = stronglyConnectedParts(graph, component);
    if (parts.length <= 1) continue;
    const sizes = parts.map((part) => part.length).sort((x, y) => y - x);
    const largest = sizes[0] ?? 0;
    const uniqueLargest = sizes[1] !== largest;
    for (const part of parts) {
      if (uniqueLargest && part.length === largest) continue;
      separated.push(...part);
    }
  }
  return separated.sort((x, y) => x - y);
}

/**
 * Bradley–Terry fit of a table. Plain MLE by default (ties as half a win), the published L2 method with
 * `options.l2`; mean 1000 per connected component unless `options.anchor` fixes a model's rating.
 * Throws if the anchor model is not in the table.
 */
export function fitBradleyTerry(table: ComparisonTable, options?: FitOptions): FitResult {
  const { pairs } = pairStatsOf(table);
  const components = connectedComponents(pairs);
  const setup = solverSetup(table, components, options);
  const solution = solve(pairs, setup);
  const ratings = new Map<string, number>();
  table.models.forEach((model, index) => {
    ratings.set(model, solution.ratings[index] ?? Number.NaN);
  });
  return {
    ratings,
    rating: solution.ratings,
    theta: solution.theta,
    iterations: solution.iterations,
    converged: solution.converged,
    components: components.members.map((list) => list.map((index) => table.models[index] ?? "")),
    componentOf: components.componentOf,
    separated: separatedModels(pairs, components.members).map((index) => table.models[index] ?? ""),
    priorApplied: setup.l2C === undefined && solution.priorComponents.some((flag) => flag === 1),
  };
}
