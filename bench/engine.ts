// npm run bench:engine — votes through the engine into a SQLite file, and leaderboards from aggregates.
// Prints figures; asserts nothing (targets: ≥ 2,000 votes/s with p99 < 20 ms; leaderboard p95 < 250 ms).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Arena, DEFAULT_SETTINGS } from "../src/arena/engine.ts";
import { LeaderboardService } from "../src/arena/leaderboard.ts";
import { silentLogger } from "../src/arena/logger.ts";
import type { ModelClient } from "../src/arena/model-client.ts";
import type { ComparisonCount } from "../src/ranking/types.ts";
import { openSqliteStore, type SqliteArenaStore } from "../src/store/index.ts";

const VOTES = Number(process.env.BENCH_VOTES ?? 100_000);
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

async function benchVotes(directory: string) {
  const store = await openSqliteStore(join(directory, "votes.db"));
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
  for (let index = 0; index < VOTES / VOTERS_PER_BATTLE; index++) {
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
  const started = performance.now();
  for (let voter = 0; voter < VOTERS_PER_BATTLE; voter++) {
    for (const battleId of battles) {
      const ctx = {
        actor: { platform: "discord", userId: `${voter}`, displayName: "bench", isCommunityAdmin: false },
        place,
      };
      const before = performance.now();
      await arena.vote(ctx, battleId, choices[Math.floor(random() * 4)] ?? "a");
      latencies.push(performance.now() - before);
    }
  }
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

function newLeaderboard(store: SqliteArenaStore): LeaderboardService {
  return new LeaderboardService({
    store,
    logger: silentLogger,
    now: () => new Date(),
    provisionalBattles: 30,
    publishEveryBattles: 50,
    emit: () => {},
  });
}

async function benchLeaderboard(directory: string) {
  const store = await openSqliteStore(join(directory, "leaderboard.db"));
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

const directory = mkdtempSync(join(tmpdir(), "arena-bench-"));
try {
  console.log(`bench:engine on ${process.platform}/${process.arch}, node ${process.version}`);
  const votes = await benchVotes(directory);
  console.log(
    `votes through the engine into SQLite (WAL, file): ${votes.votes.toLocaleString("en-US")} votes`,
  );
  console.log(`  throughput   ${votes.votesPerSecond.toFixed(0)} votes/s   (target ≥ 2,000)`);
  console.log(
    `  latency      p50 ${votes.p50.toFixed(3)} ms   p99 ${votes.p99.toFixed(3)} ms   max ${votes.max.toFixed(1)} ms   (target p99 < 20 ms)`,
  );
  console.log(`  aggregates equal a recount from the votes table: ${votes.aggregatesMatchRecount}`);
  const board = await benchLeaderboard(directory);
  console.log(
    `leaderboard from aggregates: ${board.battles.toLocaleString("en-US")} counted battles, ${board.models} models, ${board.rows.toLocaleString("en-US")} aggregate rows`,
  );
  console.log(
    `  uncached     p50 ${board.p50.toFixed(1)} ms   p95 ${board.p95.toFixed(1)} ms   (target p95 < 250 ms)`,
  );
  console.log(`  cached       ${board.cachedMs.toFixed(3)} ms per call (until the next counted vote)`);
} finally {
  rmSync(directory, { recursive: true, force: true });
}
