// Sandwich (robust) 95% intervals: Cov(θ) ≈ H⁻¹ G H⁻¹ with H the Hessian of the fitted objective and
// G = Σ over comparisons of the outer product of each comparison's score. With aggregated rows every
// comparison of a row has the same score (y − p)(e_a − e_b), so G needs one term per row.
//
// H carries the same gauge term (or ridge) as the fit. The gauge direction is orthogonal to every score, so
// it drops out of the variance of any gauged contrast: θi minus its component's mean, or θi − θanchor.
import { ELO_PER_THETA, type Solution, type SolverSetup, sigmoid } from "./bt.ts";
import type { PairStats } from "./graph.ts";
import { inverseFromCholesky, robustCholesky } from "./linalg.ts";
import type { ComparisonTable } from "./types.ts";

/** 97.5% quantile of the standard normal. */
const Z_975 = 1.959963984540054;

export interface Intervals {
  readonly lower: Float64Array;
  readonly upper: Float64Array;
}

export function sandwichIntervals(
  table: ComparisonTable,
  pairs: PairStats,
  rowPair: Int32Array,
  setup: SolverSetup,
  solution: Solution,
): Intervals {
  const size = pairs.modelCount;
  const theta = solution.theta;
  const scale = solution.countScale;
  const hessian = new Float64Array(size * size);
  const probability = new Float64Array(pairs.n.length);
  for (let pair = 0; pair < pairs.n.length; pair++) {
    const a = pairs.a[pair] ?? 0;
    const b = pairs.b[pair] ?? 0;
    const p = sigmoid((theta[a] ?? 0) - (theta[b] ?? 0));
    probability[pair] = p;
    const weight = scale * (pairs.n[pair] ?? 0) * p * (1 - p);
    hessian[a * size + a] = (hessian[a * size + a] ?? 0) + weight;
    hessian[b * size + b] = (hessian[b * size + b] ?? 0) + weight;
    hessian[a * size + b] = (hessian[a * size + b] ?? 0) - weight;
    hessian[b * size + a] = (hessian[b * size + a] ?? 0) - weight;
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

  // Per pair: Σ over its rows of count·(scale·(y − p))², the pair's share of G along (e_a − e_b). Under the
  // published L2 method every battle is doubled (scale 2), but a doubled battle is still one observation:
  // its score is scale·(y − p), so it enters G squared.
  const scoreSquares = new Float64Array(pairs.n.length);
  for (let row = 0; row < table.count.length; row++) {
    const pair = rowPair[row] ?? 0;
    const residual = (table.outcome[row] ?? 0) - (probability[pair] ?? 0);
    scoreSquares[pair] =
      (scoreSquares[pair] ?? 0) + scale * scale * (table.count[row] ?? 0) * residual * residual;
  }

  // Mean column of H⁻¹ over each component: the contrast θi − mean(θ) maps to H⁻¹(e_i − mean of e_j).
  const componentCount = setup.componentCount;
  const componentSize = new Float64Array(componentCount);
  for (let i = 0; i < size; i++) {
    const component = setup.componentOf[i] ?? 0;
    componentSize[component] = (componentSize[component] ?? 0) + 1;
  }
  const meanColumns = new Float64Array(componentCount * size);
  for (let j = 0; j < size; j++) {
    const component = setup.componentOf[j] ?? 0;
    const share = 1 / (componentSize[component] ?? 1);
    for (let i = 0; i < size; i++) {
      meanColumns[component * size + i] =
        (meanColumns[component * size + i] ?? 0) + share * (inverse[i * size + j] ?? 0);
    }
  }
  const anchorComponent = setup.anchorIndex >= 0 ? (setup.componentOf[setup.anchorIndex] ?? -1) : -1;

  const lower = new Float64Array(size);
  const upper = new Float64Array(size);
  const direction = new Float64Array(size);
  for (let model = 0; model < size; model++) {
    const component = setup.componentOf[model] ?? 0;
    for (let i = 0; i < size; i++) {
      const reference =
        component === anchorComponent
          ? (inverse[i * size + setup.anchorIndex] ?? 0)
          : (meanColumns[component * size + i] ?? 0);
      direction[i] = (inverse[i * size + model] ?? 0) - reference;
    }
    let variance = 0;
    for (let pair = 0; pair < pairs.n.length; pair++) {
      const projection = (direction[pairs.a[pair] ?? 0] ?? 0) - (direction[pairs.b[pair] ?? 0] ?? 0);
      variance += (scoreSquares[pair] ?? 0) * projection * projection;
    }
    if ((solution.ridge[model] ?? 0) > 0) {
      // Under a prior (separation, or --l2) the residuals of a model that won everything are near zero and the
      // sandwich collapses to a zero-width interval. The curvature of the penalised objective (the Laplace
      // approximation, H⁻¹) still says how little the data pin the rating: never report less than that.
      variance = Math.max(variance, modelBasedVariance(direction, model, component, setup));
    }
    const halfWidth = Z_975 * ELO_PER_THETA * Math.sqrt(Math.max(variance, 0));
    const rating = solution.ratings[model] ?? Number.NaN;
    lower[model] = rating - halfWidth;
    upper[model] = rating + halfWidth;
  }
  return { lower, upper };
}

/** c·H⁻¹c for the gauged contrast c = e_model − reference, given direction = H⁻¹c. */
function modelBasedVariance(
  direction: Float64Array,
  model: number,
  component: number,
  setup: SolverSetup,
): number {
  const anchorComponent = setup.anchorIndex >= 0 ? (setup.componentOf[setup.anchorIndex] ?? -1) : -1;
  if (component === anchorComponent) {
    return (direction[model] ?? 0) - (direction[setup.anchorIndex] ?? 0);
  }
  let sum = 0;
  let members = 0;
  for (let i = 0; i < direction.length; i++) {
    if (setup.componentOf[i] !== component) continue;
    sum += direction[i] ?? 0;
    members++;
  }
  return (direction[model] ?? 0) - sum / Math.max(members, 1);
}
