// Entry point of a bootstrap worker thread: waits for one job, claims its rounds until none is left, exits.
import { parentPort } from "node:worker_threads";
import { type BootstrapJob, RoundRunner, type SharedRounds } from "./bootstrap.ts";

parentPort?.once("message", ({ job, shared }: { job: BootstrapJob; shared: SharedRounds }) => {
  new RoundRunner(job).runClaimed(
    new Int32Array(shared.next),
    new Int32Array(shared.done),
    new Float64Array(shared.results),
  );
  parentPort?.close();
});
