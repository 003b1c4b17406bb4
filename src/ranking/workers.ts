// Starting a bootstrap worker thread. Sources are TypeScript run through tsx, and a worker does not inherit
// the loader hooks of the thread that starts it, so each worker loads tsx itself, resolved from this file
// (not from the current directory, which may be anywhere).
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { BootstrapJob, SharedRounds } from "./bootstrap.ts";

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** Resolves when the worker has exited, whether it finished its rounds or failed (the caller checks). */
export function startBootstrapWorker(job: BootstrapJob, shared: SharedRounds): Promise<void> {
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(new URL("./bootstrap-worker.ts", import.meta.url), {
        execArgv: ["--import", tsxLoader],
        workerData: { job, shared },
      });
    } catch {
      resolve();
      return;
    }
    worker.once("error", () => resolve());
    worker.once("exit", () => resolve());
  });
}
