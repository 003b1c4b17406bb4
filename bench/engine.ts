// npm run bench:engine — votes through the engine into a SQLite file, and leaderboards from aggregates; with
// BENCH_POSTGRES_URL=postgres://… the same on PostgreSQL (in a throwaway schema), votes one at a time and
// BENCH_CONCURRENCY (default 16) at once, as many voters press at the same time.
// Prints figures; asserts nothing (targets: ≥ 2,000 votes/s with p99 < 20 ms; leaderboard p95 < 250 ms).

import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import pLimit from "p-limit";
import pg from "pg";
import { Arena, DEFAULT_SETTINGS } from "../src/arena/engine.ts";
import { LeaderboardService } from "../src/arena/leaderboard.ts";
import { silentLogger } from "../src/arena/logger.ts";
import type { ModelClient } from "../src/arena/model-client.ts";
import type { ComparisonCount } from "../src/ranking/types.ts";
import { type OpenedStore, openStore } from "../src/store/index.ts";

const VOTES = Number(process.env.BENCH_VOTES ?? 100_000);
const POSTGRES_URL = process.env.BENCH_POSTGRES_URL?.trim() || null;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

interface BenchDatabase {
  readonly label: string;
  open(name: string): Promise<OpenedStore>;
  close(): Promise<void>;
}

function sqliteDatabase(directory: string): BenchDatabase {
  return {
    label: "SQLite (WAL, file)",
    open: (name) => openStore(join(directory, `${name}.db`)),
    close: async () => {},
  };
}

/** A schema per store in BENCH_POSTGRES_URL's database, dropped at the end. */
function postgresDatabase(url: string): BenchDatabase {
  const schemas: string[] = [];
  const admin = async (text: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  return {
    label: "PostgreSQL",
    async open(name) {
      const schema = `arena_bench_${name}_${randomBytes(4).toString("hex")}`;
      await admin(`CREATE SCHEMA ${schema}`);
      schemas.push(schema);
      const scoped = new URL(url);
      scoped.searchParams.set("options", `-c search_path=${schema}`);
      return openStore(scoped.toString());
    },
    async close() {
      for (const schema of schemas) await admin(`DROP SCHEMA ${schema} CASCADE`);
    },
  };
}
const VOTERS_PER_BATTLE = 5;
const MODELS = 100;
const LEADERBOARD_BATTLES = 10_000_000;
const LEADERBOARD_RUNS = 30;

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

const noModels: ModelClient = {
  generate: () => Promise.reject(new Error("the bench casts votes only")),
};

async function benchVotes(database: BenchDatabase, votes: number, concurrency: number) {
  const store = await database.open("votes");
  const arena = new Arena({
    store,
    models: noModels,
    logger: silentLogger,
    settings: {
      ...DEFAULT_SETTINGS,
      voteRateLimit: { max: 1_000_000, windowSeconds: 60 },
      trust: { owners: new Set(), homes: new Set() },
      voterKey: "bench-voter-key-0123456789",
    },
  });
  const names = Array.from({ length: MODELS }, (_, index) => `model-${index}`);
  const random = seeded(42);
  const place = { platform: "discord", community: "bench", channel: "bench" };
  const battles: string[] = [];
  for (let index = 0; index < votes / VOTERS_PER_BATTLE; index++) {
    const a = Math.floor(random() * MODELS);
    const b = (a + 1 + Math.floor(random() * (MODELS - 1))) % MODELS;
    const battle = await store.createBattle({
      place,
      creatorHash: "creator",
      modelA: names[a] ?? "",
      modelB: names[b] ?? "",
      prompt: "bench",
      categories: ["overall", "platform:discord"],
      createdAt: new Date(),
    });
    await store.transitionBattle(battle.id, ["generating"], "open", new Date(), {
      closesAt: new Date(Date.now() + 86_400_000),
    });
    battles.push(battle.id);
  }
  const choices = ["a", "b", "tie", "bad"] as const;
  const latencies: number[] = [];
  const limit = pLimit(concurrency);
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let voter = 0; voter < VOTERS_PER_BATTLE; voter++) {
    for (const [index, battleId] of battles.entries()) {
      // 1,000 voters, so that votes in flight at once are by different people (one voter's votes serialise).
      const userId = `${voter}-${index % 200}`;
      const ctx = {
        actor: { platform: "discord", userId, displayName: "bench", isCommunityAdmin: false },
        place,
      };
      const choice = choices[Math.floor(random() * 4)] ?? "a";
      pending.push(
        limit(async () => {
          const before = performance.now();
          await arena.vote(ctx, battleId, choice);
          latencies.push(performance.now() - before);
        }),
      );
      // One at a time: wait for each vote before the next (no queue builds up).
      if (concurrency === 1) await pending.at(-1);
    }
  }
  await Promise.all(pending);
  const seconds = (performance.now() - started) / 1000;
  await arena.idle();
  latencies.sort((x, y) => x - y);
  const recount = await store.recountFromVotes("overall");
  const aggregates = await store.aggregateCounts("overall");
  await store.close();
  return {
    votes: latencies.length,
    votesPerSecond: latencies.length / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies.at(-1) ?? Number.NaN,
    aggregatesMatchRecount: JSON.stringify(sortRows(recount)) === JSON.stringify(sortRows(aggregates)),
  };
}

function sortRows(rows: ComparisonCount[]) {
  return [...rows].sort((x, y) =>
    `${x.modelA}|${x.modelB}|${x.outcome}`.localeCompare(`${y.modelA}|${y.modelB}|${y.outcome}`),
  );
}

function newLeaderboard(store: OpenedStore): LeaderboardService {
  return new LeaderboardService({
    store,
    logger: silentLogger,
    now: () => new Date(),
    provisionalBattles: 30,
    publishEveryBattles: 50,
    emit: () => {},
  });
}

async function benchLeaderboard(database: BenchDatabase) {
  const store = await database.open("leaderboard");
  const random = seeded(7);
  const strength = Array.from({ length: MODELS }, () => random() * 3);
  const rows: ComparisonCount[] = [];
  const pairs = (MODELS * (MODELS - 1)) / 2;
  const perPair = LEADERBOARD_BATTLES / pairs;
  // A battle's outcome is the mean of its votes: most battles have one vote, some two or three.
  const outcomes = [1, 0, 0.5, 0.75, 0.25, 2 / 3, 1 / 3];
  const shares = [0.35, 0.35, 0.14, 0.05, 0.05, 0.03, 0.03];
  for (let i = 0; i < MODELS; i++) {
    for (let j = i + 1; j < MODELS; j++) {
      const pWin = 1 / (1 + Math.exp((strength[j] ?? 0) - (strength[i] ?? 0)));
      outcomes.forEach((outcome, k) => {
        const tilt = outcome > 0.5 ? pWin * 2 : outcome < 0.5 ? (1 - pWin) * 2 : 1;
        const count = Math.max(1, Math.round(perPair * (shares[k] ?? 0) * tilt));
        rows.push({ modelA: `model-${i}`, modelB: `model-${j}`, outcome, count });
      });
    }
  }
  await store.addAggregateCounts("overall", rows);
  const total = rows.reduce((sum, row) => sum + row.count, 0);
  const timings: number[] = [];
  let models = 0;
  for (let run = 0; run < LEADERBOARD_RUNS; run++) {
    // A fresh service each run: the cache would otherwise answer every run after the first.
    const service = newLeaderboard(store);
    const before = performance.now();
    const view = await service.view("overall");
    timings.push(performance.now() - before);
    models = view.board.models.length;
  }
  const cached = newLeaderboard(store);
  await cached.view("overall");
  const cachedBefore = performance.now();
  for (let run = 0; run < 100; run++) await cached.view("overall");
  const cachedMs = (performance.now() - cachedBefore) / 100;
  await store.close();
  timings.sort((x, y) => x - y);
  return {
    battles: total,
    rows: rows.length,
    models,
    p50: percentile(timings, 0.5),
    p95: percentile(timings, 0.95),
    cachedMs,
  };
}

function printVotes(label: string, votes: Awaited<ReturnType<typeof benchVotes>>, concurrency: number) {
  const how = concurrency === 1 ? "one at a time" : `${concurrency} at once`;
  console.log(`votes through the engine into ${label}, ${how}: ${votes.votes.toLocaleString("en-US")} votes`);
  console.log(`  throughput   ${votes.votesPerSecond.toFixed(0)} votes/s   (target ≥ 2,000)`);
  console.log(
    `  latency      p50 ${votes.p50.toFixed(3)} ms   p99 ${votes.p99.toFixed(3)} ms   max ${votes.max.toFixed(1)} ms   (target p99 < 20 ms)`,
  );
  console.log(`  aggregates equal a recount from the votes table: ${votes.aggregatesMatchRecount}`);
}

async function printLeaderboard(database: BenchDatabase) {
  const board = await benchLeaderboard(database);
  console.log(
    `leaderboard from aggregates in ${database.label}: ${board.battles.toLocaleString("en-US")} counted battles, ${board.models} models, ${board.rows.toLocaleString("en-US")} aggregate rows`,
  );
  console.log(
    `  uncached     p50 ${board.p50.toFixed(1)} ms   p95 ${board.p95.toFixed(1)} ms   (target p95 < 250 ms)`,
  );
  console.log(`  cached       ${board.cachedMs.toFixed(3)} ms per call (until the next counted vote)`);
}

const directory = mkdtempSync(join(tmpdir(), "arena-bench-"));
const databases = [sqliteDatabase(directory), ...(POSTGRES_URL ? [postgresDatabase(POSTGRES_URL)] : [])];
try {
  console.log(`bench:engine on ${process.platform}/${process.arch}, node ${process.version}`);
  for (const database of databases) {
    printVotes(database.label, await benchVotes(database, VOTES, 1), 1);
    if (database.label === "PostgreSQL") {
      printVotes(database.label, await benchVotes(database, VOTES, CONCURRENCY), CONCURRENCY);
    }
    await printLeaderboard(database);
  }
} finally {
  for (const database of databases) await database.close();
  rmSync(directory, { recursive: true, force: true });
}
