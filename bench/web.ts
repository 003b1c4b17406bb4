// Response times of the web page on a seeded arena (6 models, BATTLES closed battles written through the store
// port), for a first request (cold caches) and warm ones. Prints figures; asserts nothing.
// Usage: npm run bench:web [BATTLES]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../src/arena/logger.ts";
import { loadConfig } from "../src/config.ts";
import { createRuntime, startConfiguredWeb } from "../src/main.ts";
import { seedDemoArena } from "../src/web/demo.ts";

const BATTLES = Number(process.argv[2] ?? 5000);
const RUNS = 9;

const directory = mkdtempSync(join(tmpdir(), "arena-bench-web-"));
const config = loadConfig({
  DATABASE_URL: join(directory, "arena.db"),
  ARENA_SECRET: "bench-web-page-secret-key",
  ARENA_WEB_PORT: "0",
  ARENA_WEB_PROMPTS: "public",
  LOG_LEVEL: "silent",
});
const runtime = await createRuntime(config, { logger: silentLogger });
const seeding = performance.now();
await seedDemoArena(runtime.store, BATTLES);
console.log(`seeded ${BATTLES} closed battles in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);
const web = await startConfiguredWeb(config, runtime);
if (!web) throw new Error("the web page did not start");

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

try {
  for (const path of ["/", "/api/leaderboard?category=overall", "/model?name=gpt-4o", "/api/battles.json"]) {
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < RUNS; i++) {
      const start = performance.now();
      const response = await fetch(web.url + path);
      bytes = (await response.arrayBuffer()).byteLength;
      if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
      times.push(performance.now() - start);
    }
    console.log(
      `${path.padEnd(36)} first ${times[0]?.toFixed(1)} ms, median ${median(times.slice(1)).toFixed(1)} ms, ${(bytes / 1024).toFixed(0)} KiB`,
    );
  }
} finally {
  await web.close();
  await runtime.stop();
  rmSync(directory, { recursive: true, force: true });
}
