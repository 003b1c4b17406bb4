// The one call the engine and the CLI use: fit, intervals, Rank (UB), sorted leaderboard.
import { battlesPerModel, totalBattles } from "./aggregate.ts";
import { createBootstrapJob, percentileIntervals, runBootstrap } from "./bootstrap.ts";
import { separatedModels, solve, solverSetup } from "./bt.ts";
import { connectedComponents, pairStatsOf } from "./graph.ts";
import { sandwichIntervals } from "./sandwich.ts";
import type { ComparisonTable, Leaderboard, RankOptions, RatedModel } from "./types.ts";

/**
 * Ranks the models of a table. Intervals: "bootstrap" (default; `bootstrapRounds` rounds, seeded, worker
 * threads), "sandwich" (fast, deterministic) or "none" (lower = upper = rating). Throws only on bad options
 * (unknown anchor, non-positive L2 constant, bootstrap rounds < 1).
 */
export async function rankModels(table: ComparisonTable, options: RankOptions = {}): Promise<Leaderboard> {
  const ci = options.ci ?? "bootstrap";
  const timed = <T>(stage: string, work: () => T): T => {
    const started = performance.now();
    const result = work();
    options.onStage?.(stage, performance.now() - started);
    return result;
  };
  const { pairs, rowPair } = pairStatsOf(table);
  const components = connectedComponents(pairs);
  const setup = solverSetup(table, components, options);
  const solution = timed("fit", () => solve(pairs, setup));
  if (!solution.converged) {
    options.onWarning?.(
      `the Bradley–Terry fit stopped after ${solution.iterations} iterations without converging; ratings are approximate`,
    );
  }
  const ratings = solution.ratings;

  let lower: Float64Array = ratings;
  let upper: Float64Array = ratings;
  if (ci === "sandwich") {
    ({ lower, upper } = timed("sandwich", () => sandwichIntervals(table, pairs, rowPair, setup, solution)));
  } else if (ci === "bootstrap" && table.models.length > 0) {
    const rounds = options.bootstrapRounds ?? 1000;
    if (!(Number.isInteger(rounds) && rounds >= 1))
      throw new Error(`bootstrap rounds must be ≥ 1, got ${rounds}`);
    const started = performance.now();
    const job = createBootstrapJob(table, pairs, rowPair, setup, solution.theta, options.seed ?? 1, rounds);
    const results = await runBootstrap(job, options.workers, options.onWarning);
    ({ lower, upper } = percentileIntervals(results, rounds, table.models.length));
    options.onStage?.("bootstrap", performance.now() - started);
  }

  return assembleLeaderboard({
    models: table.models,
    ratings,
    lower,
    upper,
    battles: battlesPerModel(table),
    totalBattles: totalBattles(table),
    componentOf: components.componentOf,
    components: components.members,
    separated: separatedModels(pairs, components.members),
    ci,
    elo: options.elo,
  });
}

/** Everything a leaderboard is made of, by model index. */
export interface LeaderboardParts {
  readonly models: readonly string[];
  readonly ratings: Float64Array;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  readonly battles: Float64Array;
  readonly totalBattles: number;
  readonly componentOf: Int32Array;
  readonly components: readonly (readonly number[])[];
  readonly separated: readonly number[];
  readonly ci: Leaderboard["ci"];
  readonly elo: ReadonlyMap<string, number> | undefined;
}

/** Rank (UB) and the leaderboard's order from ratings and intervals (shared by the plain and style fits). */
export function assembleLeaderboard(parts: LeaderboardParts): Leaderboard {
  const rankUb = rankUpperBounds(parts.lower, parts.upper, parts.componentOf, parts.components.length);
  const models: RatedModel[] = parts.models.map((model, index) => {
    const elo = parts.elo?.get(model);
    const entry: RatedModel = {
      model,
      rating: parts.ratings[index] ?? Number.NaN,
      lower: parts.lower[index] ?? Number.NaN,
      upper: parts.upper[index] ?? Number.NaN,
      rankUb: rankUb[index] ?? 0,
      battles: parts.battles[index] ?? 0,
      component: parts.componentOf[index] ?? 0,
    };
    return elo === undefined ? entry : { ...entry, elo };
  });
  // Components are largest first; within one, by Rank (UB) then rating (a single component: exactly that).
  models.sort(
    (x, y) =>
      x.component - y.component || x.rankUb - y.rankUb || y.rating - x.rating || (x.model < y.model ? -1 : 1),
  );
  return {
    models,
    battles: parts.totalBattles,
    components: parts.components.map((list) => list.map((index) => parts.models[index] ?? "")),
    separated: parts.separated.map((index) => parts.models[index] ?? ""),
    ci: parts.ci,
  };
}

/**
 * Rank (UB) = 1 + the number of models whose lower bound is strictly above this model's upper bound, counted
 * within the model's connected component: groups that never met have independent gauges, so comparing their
 * bounds would say nothing. Sorted lower bounds make it O(n log n).
 */
function rankUpperBounds(
  lower: Float64Array,
  upper: Float64Array,
  componentOf: ArrayLike<number>,
  componentCount: number,
): Int32Array {
  const sortedLower = Array.from({ length: componentCount }, () => [] as number[]);
  for (let model = 0; model < lower.length; model++)
    sortedLower[componentOf[model] ?? 0]?.push(lower[model] ?? 0);
  const sorted = sortedLower.map((bounds) => Float64Array.from(bounds).sort());
  const ranks = new Int32Array(lower.length);
  for (let model = 0; model < lower.length; model++) {
    const bounds = sorted[componentOf[model] ?? 0] ?? new Float64Array();
    const bound = upper[model] ?? 0;
    let low = 0;
    let high = bounds.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((bounds[middle] ?? 0) > bound) high = middle;
      else low = middle + 1;
    }
    ranks[model] = 1 + bounds.length - low;
  }
  return ranks;
}
