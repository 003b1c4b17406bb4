// Multinomial bootstrap over the aggregated rows: each round draws as many comparisons as the data holds
// from the rows in proportion to their counts (sequential conditional binomials), reduces them to pair
// statistics and refits, warm-started from the full-data fit. Round r's generator depends only on
// (seed, r), so the result is the same whether rounds run in this thread or in any number of workers.
import { availableParallelism } from "node:os";
import { type SolverSetup, solve } from "./bt.ts";
import type { PairStats } from "./graph.ts";
import { createRandom, sampleBinomial } from "./random.ts";
import { startBootstrapWorker } from "./workers.ts";

/** Everything a round needs, as plain typed arrays and numbers (structured-clonable for workers). */
export interface BootstrapJob {
  readonly modelCount: number;
  readonly rowPair: Int32Array;
  readonly rowOutcome: Float64Array;
  readonly rowCount: Float64Array;
  /** rowSuffix[i] = Σ_{j ≥ i} rowCount[j], so the conditional probabilities never drift. */
  readonly rowSuffix: Float64Array;
  readonly draws: number;
  readonly pairA: Int32Array;
  readonly pairB: Int32Array;
  readonly componentOf: Int32Array;
  readonly componentCount: number;
  /** NaN for the plain MLE. */
  readonly l2C: number;
  readonly anchorIndex: number;
  readonly anchorRating: number;
  readonly warmTheta: Float64Array;
  readonly seed: number;
  readonly rounds: number;
}

export function createBootstrapJob(
  table: { outcome: Float64Array; count: Float64Array },
  pairs: PairStats,
  rowPair: Int32Array,
  setup: SolverSetup,
  warmTheta: Float64Array,
  seed: number,
  rounds: number,
): BootstrapJob {
  const rowCount = table.count;
  const rowSuffix = new Float64Array(rowCount.length);
  let suffix = 0;
  for (let row = rowCount.length - 1; row >= 0; row--) {
    suffix += rowCount[row] ?? 0;
    rowSuffix[row] = suffix;
  }
  return {
    modelCount: pairs.modelCount,
    rowPair,
    rowOutcome: table.outcome,
    rowCount,
    rowSuffix,
    draws: Math.round(suffix),
    pairA: pairs.a,
    pairB: pairs.b,
    componentOf: setup.componentOf,
    componentCount: setup.componentCount,
    l2C: setup.l2C ?? Number.NaN,
    anchorIndex: setup.anchorIndex,
    anchorRating: setup.anchorRating,
    warmTheta,
    seed,
    rounds,
  };
}

/** Computes rounds claimed one by one from a shared counter, writing ratings into shared memory. */
export class RoundRunner {
  private readonly pairN: Float64Array;
  private readonly pairS: Float64Array;
  private readonly setup: SolverSetup;

  constructor(private readonly job: BootstrapJob) {
    this.pairN = new Float64Array(job.pairA.length);
    this.pairS = new Float64Array(job.pairA.length);
    this.setup = {
      componentOf: job.componentOf,
      componentCount: job.componentCount,
      l2C: Number.isNaN(job.l2C) ? undefined : job.l2C,
      anchorIndex: job.anchorIndex,
      anchorRating: job.anchorRating,
      // Newton converges quadratically: after a last step of 1e-3 in θ the error left is of order 1e-6 in θ
      // (measured ~1e-5 Elo on the benchmark), far below the Monte Carlo error of the percentiles, so no
      // confirming iteration is needed.
      tolerance: 1e-3,
      maxIterations: 100,
    };
  }

  /** Ratings of one round (NaN for a model the resample left without comparisons). */
  run(round: number, out: Float64Array, offset: number): void {
    const job = this.job;
    const random = createRandom(job.seed, round);
    this.pairN.fill(0);
    this.pairS.fill(0);
    let remaining = job.draws;
    const lastRow = job.rowCount.length - 1;
    for (let row = 0; row <= lastRow && remaining > 0; row++) {
      const share = (job.rowCount[row] ?? 0) / (job.rowSuffix[row] ?? 1);
      const drawn = row === lastRow ? remaining : sampleBinomial(random, remaining, share);
      if (drawn === 0) continue;
      remaining -= drawn;
      const pair = job.rowPair[row] ?? 0;
      this.pairN[pair] = (this.pairN[pair] ?? 0) + drawn;
      this.pairS[pair] = (this.pairS[pair] ?? 0) + drawn * (job.rowOutcome[row] ?? 0);
    }
    const pairs: PairStats = {
      modelCount: job.modelCount,
      a: job.pairA,
      b: job.pairB,
      n: this.pairN,
      s: this.pairS,
    };
    const solution = solve(pairs, this.setup, job.warmTheta);
    out.set(solution.ratings, offset);
  }

  /** Claims rounds from `next` until none is left; marks each finished round in `done`. */
  runClaimed(next: Int32Array, done: Int32Array, results: Float64Array): void {
    for (;;) {
      const round = Atomics.add(next, 0, 1);
      if (round >= this.job.rounds) return;
      this.run(round, results, round * this.job.modelCount);
      Atomics.store(done, round, 1);
    }
  }
}

/** Buffers shared between the caller and the workers of one bootstrap. */
export interface SharedRounds {
  readonly next: SharedArrayBuffer;
  readonly done: SharedArrayBuffer;
  readonly results: SharedArrayBuffer;
}

// Below this many row-visits plus Hessian work, starting workers costs more than it saves.
const WORKER_THRESHOLD = 3e7;

function defaultWorkers(job: BootstrapJob): number {
  const work = job.rounds * (job.rowCount.length + (3 * job.modelCount ** 3) / 6);
  if (work < WORKER_THRESHOLD) return 1;
  return Math.max(1, Math.min(availableParallelism(), job.rounds));
}

/**
 * Runs every round and returns their ratings, rounds × models (row-major). With one worker the rounds run
 * in this thread, yielding to the event loop between batches; with more, in worker threads, and any round
 * a failed worker left undone is computed here, so the result never depends on the thread count.
 */
export async function runBootstrap(
  job: BootstrapJob,
  workers?: number,
  onWarning: (message: string) => void = () => {},
): Promise<Float64Array> {
  const threadCount = Math.max(1, Math.min(workers ?? defaultWorkers(job), job.rounds));
  const shared: SharedRounds = {
    next: new SharedArrayBuffer(4),
    done: new SharedArrayBuffer(4 * Math.max(1, job.rounds)),
    results: new SharedArrayBuffer(8 * Math.max(1, job.rounds * job.modelCount)),
  };
  const done = new Int32Array(shared.done);
  const results = new Float64Array(shared.results);
  if (threadCount > 1) {
    const failures: string[] = [];
    const onError = (message: string) => failures.push(message);
    await Promise.all(Array.from({ length: threadCount }, () => startBootstrapWorker(job, shared, onError)));
    if (failures.length > 0) {
      onWarning(
        `${failures.length} bootstrap worker(s) failed, their rounds ran in this thread: ${failures[0]}`,
      );
    }
  }
  const runner = new RoundRunner(job);
  for (let round = 0; round < job.rounds; round++) {
    if (Atomics.load(done, round) === 1) continue;
    runner.run(round, results, round * job.modelCount);
    if (round % 16 === 15) await new Promise((resolve) => setImmediate(resolve));
  }
  return results;
}

/** The q-quantile (linear interpolation between order statistics, as numpy's default) of the finite values. */
export function quantile(sortedValues: Float64Array, q: number): number {
  if (sortedValues.length === 0) return Number.NaN;
  const position = q * (sortedValues.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sortedValues.length - 1);
  const low = sortedValues[below] ?? Number.NaN;
  const high = sortedValues[above] ?? Number.NaN;
  return low + (high - low) * (position - below);
}

/** 2.5% and 97.5% percentiles of each model's ratings over the rounds. */
export function percentileIntervals(
  results: Float64Array,
  rounds: number,
  modelCount: number,
): { lower: Float64Array; upper: Float64Array } {
  const lower = new Float64Array(modelCount);
  const upper = new Float64Array(modelCount);
  const column: number[] = [];
  for (let model = 0; model < modelCount; model++) {
    column.length = 0;
    for (let round = 0; round < rounds; round++) {
      const value = results[round * modelCount + model] ?? Number.NaN;
      if (Number.isFinite(value)) column.push(value);
    }
    const sorted = Float64Array.from(column).sort();
    lower[model] = quantile(sorted, 0.025);
    upper[model] = quantile(sorted, 0.975);
  }
  return { lower, upper };
}
