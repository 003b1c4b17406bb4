// `npm run bench:rank`: the ranking core at LMArena scale. Generates a 1,000,000-battle, 100-model FastChat
// JSONL file once (deterministic, in bench/.cache/), then runs the real command as a child process:
//   node bin/arena.js rank FILE --json --bootstrap 1000      (and once more with --ci sandwich)
// printing whole-process wall time, peak RSS and per-stage timings (ARENA_TIMINGS=1), plus in-process
// timings of a single Bradley–Terry fit. Figures depend on what else the machine is doing.
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, readFileSync, renameSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  aggregate,
  fastChatComparisons,
  fitBradleyTerry,
  parseFastChat,
  rankModels,
} from "../src/ranking/index.ts";
import { createRandom } from "../src/ranking/random.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cacheDir = join(root, "bench", ".cache");
const BATTLES = 1_000_000;
const MODELS = 100;
const dataFile = join(cacheDir, `battles-${BATTLES}-${MODELS}-v1.jsonl`);

/** Deterministic synthetic arena: true ratings spread over ~600 Elo, popular models drawn more often. */
async function generate(): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  const random = createRandom(20240220);
  const names = Array.from({ length: MODELS }, (_, i) => `model-${String(i).padStart(3, "0")}`);
  const strength = names.map(() => (random.next() - 0.5) * 6); // θ in natural-log units
  const popularity = names.map((_, i) => 1 / (1 + i / 20));
  const cumulative: number[] = [];
  let total = 0;
  for (const weight of popularity) {
    total += weight;
    cumulative.push(total);
  }
  const draw = (): number => {
    const target = random.next() * total;
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((cumulative[middle] ?? 0) < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
  const languages = ["English", "Chinese", "German", "French", "Spanish", "Japanese"];
  const temporary = `${dataFile}.partial`;
  const out = createWriteStream(temporary);
  let chunk: string[] = [];
  let stamp = 1_700_000_000;
  for (let battle = 0; battle < BATTLES; battle++) {
    const a = draw();
    let b = draw();
    while (b === a) b = draw();
    const p = 1 / (1 + Math.exp((strength[b] ?? 0) - (strength[a] ?? 0)));
    const u = random.next();
    const winner = u < 0.12 ? "tie" : u < 0.18 ? "tie (bothbad)" : random.next() < p ? "model_a" : "model_b";
    stamp += random.next() * 2;
    chunk.push(
      JSON.stringify({
        model_a: names[a],
        model_b: names[b],
        winner,
        judge: `arena_user_${Math.floor(random.next() * 50_000)}`,
        anony: random.next() < 0.9,
        tstamp: Math.round(stamp * 10_000) / 10_000,
        language: languages[Math.floor(random.next() * languages.length)],
        turn: 1 + Math.floor(random.next() * random.next() * 4),
      }),
    );
    if (chunk.length === 10_000) {
      if (!out.write(`${chunk.join("\n")}\n`))
        await new Promise<void>((resolve) => out.once("drain", () => resolve()));
      chunk = [];
    }
  }
  if (chunk.length > 0) out.write(`${chunk.join("\n")}\n`);
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  renameSync(temporary, dataFile);
}

interface ChildRun {
  wallMs: number;
  exitCode: number | null;
  timings: Record<string, number>;
  peakRssKb: number | null;
  /** User + system CPU time of the child (all threads), when GNU time is present. */
  cpuMs: number | null;
  stdoutBytes: number;
}

/** Runs `node bin/arena.js …` with ARENA_TIMINGS=1; peak RSS from GNU time when present, else the CLI's own. */
function runArena(args: string[]): Promise<ChildRun> {
  const gnuTime = existsSync("/usr/bin/time");
  const command = gnuTime ? "/usr/bin/time" : process.execPath;
  const commandArgs = gnuTime
    ? ["-f", "GNU_TIME_MAX_RSS_KB %M CPU_SECONDS %U %S", process.execPath, "bin/arena.js", ...args]
    : ["bin/arena.js", ...args];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, commandArgs, { cwd: root, env: { ...process.env, ARENA_TIMINGS: "1" } });
    let stdoutBytes = 0;
    let stderr = "";
    child.stdout.on("data", (data: Buffer) => {
      stdoutBytes += data.length;
    });
    child.stderr.on("data", (data: Buffer) => {
      stderr += data.toString();
    });
    child.on("error", reject);
    child.on("close", (exitCode) => {
      const wallMs = performance.now() - started;
      const timingLine = /ARENA_TIMINGS (.*)/.exec(stderr)?.[1];
      const timings = timingLine === undefined ? {} : (JSON.parse(timingLine) as Record<string, number>);
      const gnuRss = /GNU_TIME_MAX_RSS_KB (\d+)/.exec(stderr)?.[1];
      const cpu = /CPU_SECONDS ([\d.]+) ([\d.]+)/.exec(stderr);
      if (exitCode !== 0) process.stderr.write(stderr);
      resolve({
        wallMs,
        exitCode,
        timings,
        peakRssKb: gnuRss !== undefined ? Number(gnuRss) : (timings.maxRssKb ?? null),
        cpuMs: cpu === null ? null : 1000 * (Number(cpu[1]) + Number(cpu[2])),
        stdoutBytes,
      });
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const ms = (value: number | undefined): string => (value === undefined ? "—" : `${value.toFixed(0)} ms`);

async function benchmark(): Promise<void> {
  if (!existsSync(dataFile)) {
    const started = performance.now();
    process.stdout.write(`generating ${dataFile} … `);
    await generate();
    process.stdout.write(`${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
  console.log(
    `machine: ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), Node ${process.version}; shared with other work`,
  );
  console.log(`data: ${BATTLES.toLocaleString("en")} battles, ${MODELS} models (${dataFile})\n`);

  const bootstrap = await runArena(["rank", dataFile, "--json", "--bootstrap", "1000"]);
  const sandwich = await runArena(["rank", dataFile, "--json", "--ci", "sandwich"]);

  // One fit in this process, on the same data: the first (cold) and the median of the next 20.
  const table = aggregate(fastChatComparisons(parseFastChat(readFileSync(dataFile, "utf8"))));
  const fitTimes: number[] = [];
  for (let repeat = 0; repeat < 21; repeat++) {
    const started = performance.now();
    fitBradleyTerry(table);
    fitTimes.push(performance.now() - started);
  }
  const rounds = 200;
  const singleStarted = performance.now();
  await rankModels(table, { ci: "bootstrap", bootstrapRounds: rounds, workers: 1 });
  const singleThreadPerRound = (performance.now() - singleStarted) / rounds;

  const t = bootstrap.timings;
  const rows: [string, string, string][] = [
    ["whole command (wall, --bootstrap 1000)", ms(bootstrap.wallMs), "< 4000 ms"],
    ["  CPU time, all threads (user + sys)", ms(bootstrap.cpuMs ?? undefined), ""],
    ["  read file", ms(t.read), ""],
    ["  parse", ms(t.parse), ""],
    ["  aggregate", ms(t.aggregate), ""],
    ["  online Elo", ms(t.elo), ""],
    ["  fit (in the command, cold)", ms(t.fit), ""],
    ["  bootstrap 1000 rounds", ms(t.bootstrap), ""],
    ["  output", ms(t.output), ""],
    [
      "peak RSS (--bootstrap 1000)",
      `${((bootstrap.peakRssKb ?? Number.NaN) / 1024).toFixed(0)} MB`,
      "< 1024 MB",
    ],
    ["whole command (wall, --ci sandwich)", ms(sandwich.wallMs), ""],
    ["  sandwich intervals", ms(sandwich.timings.sandwich), ""],
    ["one fit in-process: first", ms(fitTimes[0]), "< 50 ms"],
    ["one fit in-process: median of 20 more", ms(median(fitTimes.slice(1))), "< 50 ms"],
    ["bootstrap round, one thread", `${singleThreadPerRound.toFixed(2)} ms`, ""],
  ];
  const width = Math.max(...rows.map((row) => row[0].length));
  for (const [label, value, target] of rows) {
    console.log(`${label.padEnd(width)}  ${value.padStart(9)}  ${target}`);
  }
  console.log(`\ntable: ${table.models.length} models, ${table.count.length} aggregated rows`);
  console.log(
    `load average during the run: ${loadavg()
      .map((load) => load.toFixed(2))
      .join(" ")}`,
  );
  if (bootstrap.exitCode !== 0 || sandwich.exitCode !== 0) {
    console.log(`a command failed: exit ${bootstrap.exitCode} / ${sandwich.exitCode}`);
    process.exitCode = 1;
  }
}

await benchmark();
