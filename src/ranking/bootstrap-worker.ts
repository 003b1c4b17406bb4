// Entry point of a bootstrap worker thread: claims rounds until none is left, then exits.
import { workerData } from "node:worker_threads";
import { type BootstrapJob, RoundRunner, type SharedRounds } from "./bootstrap.ts";

const { job, shared } = workerData as { job: BootstrapJob; shared: SharedRounds };
new RoundRunner(job).runClaimed(
  new Int32Array(shared.next),
  new Int32Array(shared.done),
  new Float64Array(shared.results),
);
