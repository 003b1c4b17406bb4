// Starting a bootstrap worker thread. Sources are TypeScript run through tsx, and on Node 20 a worker neither
// inherits the loader hooks of the thread that starts it nor honours `--import` in its execArgv, so the
// worker's first act is to register tsx itself (resolved from this file, not from the current directory),
// then it imports bootstrap-worker.ts.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { BootstrapJob, SharedRounds } from "./bootstrap.ts";

const tsxApi = pathToFileURL(
  join(
    dirname(createRequire(import.meta.url).resolve("tsx/package.json")),
    "dist",
    "esm",
    "api",
    "index.mjs",
  ),
).href;
const workerModule = new URL("./bootstrap-worker.ts", import.meta.url).href;

const bootstrapSource = `
const { parentPort } = require("node:worker_threads");
import(${JSON.stringify(tsxApi)})
  .then(({ register }) => {
    register();
    return import(${JSON.stringify(workerModule)});
  })
  .catch((error) => parentPort.postMessage({ error: String(error && error.stack || error) }));
`;

/**
 * Resolves when the worker has exited, whether it finished its rounds or failed: the caller computes any
 * round left undone, so a failure costs time, never a result. `onError` hears about failures.
 */
export function startBootstrapWorker(
  job: BootstrapJob,
  shared: SharedRounds,
  onError: (message: string) => void = (m) => {
    if (process.env.DEBUG_WORKERS) console.error("WORKER", m);
  },
): Promise<void> {
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(bootstrapSource, { eval: true, workerData: { job, shared } });
    } catch (error) {
      onError(String(error));
      resolve();
      return;
    }
    worker.on("message", (message: { error?: string }) => {
      if (message.error !== undefined) onError(message.error);
    });
    worker.once("error", (error) => onError(String(error)));
    worker.once("exit", () => resolve());
  });
}
