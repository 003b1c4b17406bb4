// npm run bench:soak — the whole Telegram path under load: the real runtime and Telegram adapter (telegraf, long
// polling) against the Bot API emulator, models answered by the fake OpenAI server, a real SQLite file.
// 500 simulated users in 10 groups run 1,000 battles and press 20,000 vote buttons (20 voters per battle).
// Prints lost and duplicated votes (both must be 0), throughput, vote acknowledgement latency and memory.
// Flood control is the adapter's own Sender with Telegram's limits raised: the emulator does not rate-limit, and
// at 20 messages a minute per group the run would measure Telegram's pacing rather than the bot.
// Sizes: BENCH_BATTLES, BENCH_VOTERS_PER_BATTLE, BENCH_USERS, BENCH_GROUPS, BENCH_CONCURRENCY.
import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import pLimit from "p-limit";
import type { Logger } from "../src/arena/logger.ts";
import { loadConfig } from "../src/config.ts";
import { createRuntime } from "../src/main.ts";
import { createTelegramAdapter } from "../src/platforms/telegram/index.ts";
import type { Pacing } from "../src/platforms/telegram/sender.ts";
import { startFakeOpenAI } from "../test/fakes/openai/server.ts";
import {
  type BotMessage,
  buttonData,
  openBattle,
  startTelegramEmulator,
} from "../test/fakes/telegram/index.ts";

const BATTLES = Number(process.env.BENCH_BATTLES ?? 1000);
const VOTERS_PER_BATTLE = Number(process.env.BENCH_VOTERS_PER_BATTLE ?? 20);
const USERS = Number(process.env.BENCH_USERS ?? 500);
const GROUPS = Number(process.env.BENCH_GROUPS ?? 10);
/** Battles in flight at once (each with its votes pressed concurrently). */
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 25);
const TOKEN = "515151:soak-bench-token";
const CHOICES = ["A is better", "B is better", "Tie", "Both are bad"] as const;
const PACING: Pacing = {
  perChat: { count: 100_000, intervalMs: 1000 },
  overall: { count: 100_000, intervalMs: 1000 },
  attempts: 3,
  maxRetryAfterSeconds: 5,
};

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

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function memory(): string {
  const { rss, heapUsed } = process.memoryUsage();
  return `rss ${megabytes(rss)}, heap ${megabytes(heapUsed)}`;
}

/** Counts warn and error lines, keeps the first few to print. */
function countingLogger() {
  const counts = { warn: 0, error: 0 };
  const first: string[] = [];
  const keep = (level: "warn" | "error") => (details: object, message: string) => {
    counts[level]++;
    if (first.length < 5) first.push(`${level}: ${message} ${JSON.stringify(details)}`);
  };
  const logger: Logger = { debug() {}, info() {}, warn: keep("warn"), error: keep("error") };
  return { logger, counts, first };
}

async function main() {
  // Every waiting battle and press listens for the emulator's changes: hundreds at once is the point here.
  EventEmitter.defaultMaxListeners = 10_000;
  const directory = mkdtempSync(join(tmpdir(), "arena-soak-"));
  const [telegram, openai] = await Promise.all([
    startTelegramEmulator({ botToken: TOKEN, privacyMode: false }),
    startFakeOpenAI(),
  ]);
  const modelsFile = join(directory, "models.json");
  writeFileSync(
    modelsFile,
    JSON.stringify(
      ["alpha", "beta", "gamma", "delta"].map((name, index) => ({
        name,
        baseUrl: openai.url,
        model: index % 2 ? "fake-pirate" : "fake-terse",
      })),
    ),
  );
  const config = loadConfig({
    DATABASE_URL: join(directory, "arena.db"),
    ARENA_MODELS: modelsFile,
    ARENA_SECRET: "soak-bench-secret-0123456789",
    LOG_LEVEL: "silent",
    TELEGRAM_TOKEN: TOKEN,
    TELEGRAM_API_ROOT: telegram.apiRoot,
  });
  const { logger, counts, first } = countingLogger();
  const runtime = await createRuntime(config, { logger });
  const adapter = createTelegramAdapter({
    arena: runtime.arena,
    services: runtime.services,
    logger,
    config,
    token: TOKEN,
    pacing: PACING,
  });
  await runtime.arena.start();
  await adapter.start();

  const users = Array.from({ length: USERS }, (_, index) => telegram.user({ firstName: `User${index}` }));
  const groupSize = Math.ceil(USERS / GROUPS);
  const groups = Array.from({ length: GROUPS }, (_, index) => {
    const members = users.slice(index * groupSize, (index + 1) * groupSize);
    const chat = telegram.chat({
      title: `Soak ${index}`,
      kind: "group",
      members: members.map((user) => [user, "member"] as const),
    });
    return { chat, members };
  });
  if (groupSize < VOTERS_PER_BATTLE) throw new Error("each group needs at least as many members as voters");

  const startMemory = memory();
  const random = seeded(42);
  const acknowledgements: number[] = [];
  /** battle id → voter user ids whose press was acknowledged as a vote. */
  const acknowledged = new Map<string, Set<number>>();
  let refusedPresses = 0;
  let failedPresses = 0;
  let failedBattles = 0;
  const limit = pLimit(CONCURRENCY);
  const started = performance.now();

  await Promise.all(
    Array.from({ length: BATTLES }, (_, index) =>
      limit(async () => {
        const group = groups[index % GROUPS];
        if (!group) throw new Error("no group");
        const creator = group.members[Math.floor(random() * group.members.length)];
        if (!creator) throw new Error("no creator");
        let vote: BotMessage;
        try {
          vote = await openBattle(telegram, creator, group.chat, `Soak question number ${index}: why?`);
        } catch (error) {
          failedBattles++;
          if (failedBattles <= 3) console.error(`battle ${index} did not open: ${String(error)}`);
          return;
        }
        const battleId = buttonData(vote, CHOICES[0]).split(":")[1] ?? "";
        const voters = [...group.members].sort(() => random() - 0.5).slice(0, VOTERS_PER_BATTLE);
        const votedHere = new Set<number>();
        acknowledged.set(battleId, votedHere);
        await Promise.all(
          voters.map(async (voter) => {
            const choice = CHOICES[Math.floor(random() * CHOICES.length)] ?? "Tie";
            const pressed = performance.now();
            try {
              const answer = await telegram.pressButton(
                voter,
                group.chat,
                vote.messageId,
                buttonData(vote, choice),
                {
                  timeoutMs: 30_000,
                },
              );
              acknowledgements.push(performance.now() - pressed);
              if (answer.text?.startsWith("🗳️ You voted")) votedHere.add(voter.id);
              else refusedPresses++;
            } catch (error) {
              failedPresses++;
              if (failedPresses <= 3) console.error(`press failed: ${String(error)}`);
            }
          }),
        );
      }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  await runtime.arena.idle();

  // Against the database: every acknowledged vote stored once and counted; nothing stored that was not acknowledged.
  let lost = 0;
  let duplicated = 0;
  let uncounted = 0;
  const voterHashOf = new Map<string, number>();
  for (const [battleId, voters] of acknowledged) {
    const stored = await runtime.store.votesOf(battleId);
    const hashes = new Set(stored.map((vote) => vote.voterHash));
    duplicated += stored.length - hashes.size + Math.max(0, stored.length - voters.size);
    lost += Math.max(0, voters.size - hashes.size);
    uncounted += stored.filter((vote) => !vote.counted).length;
    for (const vote of stored) voterHashOf.set(vote.voterHash, (voterHashOf.get(vote.voterHash) ?? 0) + 1);
  }
  const acknowledgedVotes = [...acknowledged.values()].reduce((total, voters) => total + voters.size, 0);

  // Close every battle: the aggregates must then equal a recount from the votes.
  for (const battleId of acknowledged.keys()) await runtime.arena.closeBattle(battleId, "creator");
  await runtime.arena.idle();
  const kept = await runtime.store.aggregateCounts("overall");
  const recount = await runtime.store.recountFromVotes("overall");
  const aggregatesMatch = JSON.stringify(kept) === JSON.stringify(recount);
  const comparisons = kept.reduce((total, row) => total + row.count, 0);
  const endMemory = memory();

  const sorted = [...acknowledgements].sort((x, y) => x - y);
  console.log(
    `soak: ${acknowledged.size}/${BATTLES} battles opened, ${acknowledgements.length} presses answered ` +
      `by ${voterHashOf.size} voters in ${GROUPS} groups, ${seconds.toFixed(1)} s`,
  );
  console.log(`  acknowledged votes   ${acknowledgedVotes}`);
  console.log(`  lost votes           ${lost}`);
  console.log(`  duplicated votes     ${duplicated}`);
  console.log(`  stored, not counted  ${uncounted} (rate limit and other exclusions)`);
  console.log(
    `  refused presses      ${refusedPresses}; failed presses ${failedPresses}; failed battles ${failedBattles}`,
  );
  console.log(
    `  throughput           ${(acknowledgements.length / seconds).toFixed(0)} votes/s, ${(acknowledged.size / seconds).toFixed(1)} battles/s`,
  );
  console.log(
    `  vote acknowledgement p50 ${percentile(sorted, 0.5).toFixed(1)} ms, p99 ${percentile(sorted, 0.99).toFixed(1)} ms, ` +
      `max ${(sorted.at(-1) ?? Number.NaN).toFixed(1)} ms`,
  );
  console.log(
    `  aggregates after closing: ${comparisons} comparisons, equal to a recount: ${aggregatesMatch}`,
  );
  console.log(`  memory at start ${startMemory}; at end ${endMemory}`);
  console.log(
    `  log lines: ${counts.warn} warn, ${counts.error} error${first.length ? `; first: ${first.join(" | ")}` : ""}`,
  );

  await adapter.stop();
  await runtime.stop();
  await telegram.close();
  await openai.close();
  rmSync(directory, { recursive: true, force: true });
  if (lost > 0 || duplicated > 0 || !aggregatesMatch) process.exitCode = 1;
}

await main();
