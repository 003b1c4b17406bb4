// Bootstrap worker threads. Sources are TypeScript run through tsx, and on Node 20 a worker neither
// inherits the loader hooks of the thread that starts it nor honours `--import` in its execArgv, so each
// worker first registers tsx itself (resolved from this file, not from the current directory), then imports
// bootstrap-worker.ts, which waits for one job. That start-up takes a few hundred milliseconds, so a caller
// that knows a bootstrap is coming (the CLI, before parsing a big file) can warm workers in advance.
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

const workerSource = `
const { parentPort } = require("node:worker_threads");
import(${JSON.stringify(tsxApi)})
  .then(({ register }) => {
    register();
    return import(${JSON.stringify(workerModule)});
  })
  .catch((error) => {
    parentPort.postMessage({ error: String((error && error.stack) || error) });
    parentPort.close();
  });
`;

interface PendingWorker {
  readonly worker: Worker;
  /** Start-up failures heard before the worker got a job. */
  readonly errors: string[];
  exited: boolean;
}

const warm: PendingWorker[] = [];

function spawn(): PendingWorker {
  const worker = new Worker(workerSource, { eval: true });
  const pending: PendingWorker = { worker, errors: [], exited: false };
  worker.on("message", (message: { error?: string }) => {
    if (message.error !== undefined) pending.errors.push(message.error);
  });
  worker.on("error", (error) => pending.errors.push(String(error)));
  worker.once("exit", () => {
    pending.exited = true;
  });
  return pending;
}

/**
 * Starts `count` workers now, so that a later bootstrap finds them loaded. They do not keep the process
 * alive; unused ones die with it.
 */
export function warmBootstrapWorkers(count: number): void {
  for (let i = warm.length; i < count; i++) {
    try {
      const pending = spawn();
      pending.worker.unref();
      warm.push(pending);
    } catch {
      return; // workers unavailable: the bootstrap will run in the calling thread
    }
  }
}

/**
 * Gives a (warm or new) worker the job and resolves when it has exited, whether it finished its rounds or
 * failed: the caller computes any round left undone, so a failure costs time, never a result.
 */
export function startBootstrapWorker(
  job: BootstrapJob,
  shared: SharedRounds,
  onError: (message: string) => void,
): Promise<void> {
  let pending = warm.shift();
  while (pending?.exited) pending = warm.shift();
  if (pending === undefined) {
    try {
      pending = spawn();
    } catch (error) {
      onError(String(error));
      return Promise.resolve();
    }
  }
  const { worker, errors } = pending;
  worker.ref();
  return new Promise((resolve) => {
    const finish = () => {
      for (const error of errors) onError(error);
      resolve();
    };
    if (pending.exited) {
      finish();
      return;
    }
    worker.once("exit", finish);
    worker.postMessage({ job, shared });
  });
}
