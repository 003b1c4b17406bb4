// SIGKILL: the bot (`arena start` as a child process, SQLite file, Telegram by long polling) is killed while a
// battle is generating, votes are being recorded and battles are being closed, then started again. The Telegram
// emulator and the fake OpenAI server live in this process, so they outlive the bot as the real ones would.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pLimit from "p-limit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUserHasher } from "../src/arena/identity.ts";
import { openSqliteStore } from "../src/store/index.ts";
import {
  type BotProcess,
  botEnvironment,
  diagnosticLines,
  eventually,
  explained,
  killBotProcess,
  startBotProcess,
} from "./bot-process.ts";
import { type FakeOpenAI, startFakeOpenAI } from "./fakes/openai/server.ts";
import {
  type BotMessage,
  buttonData,
  openBattle,
  startTelegramEmulator,
  type TelegramEmulator,
} from "./fakes/telegram/index.ts";

const TOKEN = "424242:crash-test-token";
const SECRET = "crash-test-secret-0123456789";
const OPEN_BATTLES = 4;
const VOTERS = 30;
/** The bot is killed once this many votes have been acknowledged, with more in flight. */
const KILL_AFTER_ACKNOWLEDGED = 40;

let directory = "";
let telegram: TelegramEmulator;
let openai: FakeOpenAI;
const running: BotProcess[] = [];

async function startBot(env: NodeJS.ProcessEnv): Promise<BotProcess> {
  const bot = await startBotProcess(env);
  running.push(bot);
  return bot;
}

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), "arena-crash-"));
  [telegram, openai] = await Promise.all([
    startTelegramEmulator({ botToken: TOKEN, privacyMode: false }),
    startFakeOpenAI(),
  ]);
});

afterAll(async () => {
  for (const bot of running) await killBotProcess(bot);
  await telegram?.close();
  await openai?.close();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

describe("SIGKILL while generating, recording votes and closing", () => {
  it("keeps every acknowledged vote once, errors the interrupted battle and tells its thread", async () => {
    // What a failure on a loaded CI machine needs to be understood: the bots' warnings and errors, the chat, the
    // stored battles. In the failure's message, as the end of a CI log is all one may get.
    let chatId = 0;
    let env: NodeJS.ProcessEnv = {};
    const explain = async () => {
      const chatLines = telegram
        .botMessages(chatId)
        .slice(-12)
        .map((message) => `  ${message.text?.slice(0, 60)}`)
        .join("\n");
      const store = await openSqliteStore(env.DATABASE_URL ?? "");
      try {
        const battles = await Promise.all(
          (["generating", "open", "closed", "errored"] as const).map(async (state) =>
            (await store.battlesInState(state)).map((battle) => `${battle.id.slice(0, 8)} ${state}`),
          ),
        );
        return `battles: ${battles.flat().join(", ")}\nchat:\n${chatLines}\ncalls:\n${telegram.describeCalls(chatId, 12)}\n${diagnosticLines(running)}`;
      } finally {
        await store.close();
      }
    };
    const modelsFile = join(directory, "models.json");
    writeFileSync(
      modelsFile,
      JSON.stringify([
        { name: "alpha", baseUrl: openai.url, model: "crash-one" },
        { name: "beta", baseUrl: openai.url, model: "crash-two" },
      ]),
    );
    for (const model of ["crash-one", "crash-two"])
      openai.script(model, { text: "Rayleigh scattering: short wavelengths scatter more." });
    env = botEnvironment(
      { home: directory, databaseUrl: join(directory, "arena.db"), modelsFile, secret: SECRET },
      { TELEGRAM_TOKEN: TOKEN, TELEGRAM_API_ROOT: telegram.apiRoot },
    );

    const users = Array.from({ length: VOTERS + 1 }, (_, index) =>
      telegram.user({ firstName: `Crash${index}` }),
    );
    const [creator, ...voters] = users;
    if (!creator) throw new Error("no creator");
    const chat = telegram.chat({
      title: "Crash group",
      kind: "group",
      members: users.map((user) => [user, "member"] as const),
    });
    chatId = chat.id;

    const first = await startBot(env);
    const voteMessages: BotMessage[] = [];
    for (let index = 0; index < OPEN_BATTLES; index++) {
      voteMessages.push(await openBattle(telegram, creator, chat, `Question ${index}: why is the sky blue?`));
    }
    const battleIds = voteMessages.map((message) => buttonData(message, "A is better").split(":")[1] ?? "");

    // The next battle's answers never come: it is generating when the bot dies.
    for (const model of ["crash-one", "crash-two"]) openai.script(model, { delayMs: 120_000, text: "late" });
    const stuckPrompt = "A question whose answers never arrive";
    const stuckCommand = await telegram.sendCommand(creator, chat, `/battle ${stuckPrompt}`);
    await telegram.waitFor(
      () =>
        openai.requests.filter((request) =>
          request.messages.some((message) => message.content === stuckPrompt),
        ).length >= 2,
      60_000,
    );

    // Votes on every open battle, ten presses at a time, and the creator closing two battles midway.
    const acknowledged = new Map<string, Set<number>>(battleIds.map((id) => [id, new Set<number>()]));
    let acknowledgedCount = 0;
    let killed: Promise<void> | null = null;
    const closes: Promise<unknown>[] = [];
    const limit = pLimit(10);
    const choices = ["A is better", "B is better", "Tie", "Both are bad"];
    await Promise.allSettled(
      voteMessages.flatMap((message, battleIndex) =>
        voters.map((voter, voterIndex) =>
          limit(async () => {
            if (killed) return;
            const answer = await telegram.pressButton(
              voter,
              chat,
              message.messageId,
              buttonData(message, choices[(voterIndex + battleIndex) % choices.length] ?? "Tie"),
              { timeoutMs: 3000 },
            );
            if (!answer.text?.startsWith("🗳️ You voted")) return;
            acknowledged.get(battleIds[battleIndex] ?? "")?.add(voter.id);
            acknowledgedCount++;
            if (acknowledgedCount === KILL_AFTER_ACKNOWLEDGED - 5) {
              for (const closing of voteMessages.slice(0, 2)) {
                closes.push(
                  telegram
                    .pressButton(creator, chat, closing.messageId, buttonData(closing, "Close voting"), {
                      timeoutMs: 3000,
                    })
                    .catch(() => null),
                );
              }
            }
            if (acknowledgedCount === KILL_AFTER_ACKNOWLEDGED) killed = killBotProcess(first);
          }),
        ),
      ),
    );
    await killed;
    await Promise.allSettled(closes);
    expect(first.child.signalCode).toBe("SIGKILL");
    const acknowledgedVotes = [...acknowledged.values()].reduce((total, set) => total + set.size, 0);
    expect(acknowledgedVotes).toBeGreaterThanOrEqual(KILL_AFTER_ACKNOWLEDGED);
    expect(acknowledgedVotes).toBeLessThan(OPEN_BATTLES * VOTERS);

    // Restarted: the interrupted battle is errored once its owner's heartbeat is stale, and its thread is told.
    const second = await startBot(env);
    const interrupted = await explained(
      telegram.waitFor(
        () =>
          telegram.botMessages(chat.id).find((message) => message.text?.includes("interrupted by a restart")),
        90_000,
      ),
      explain,
    );
    expect(interrupted).toBeDefined();
    const store = await openSqliteStore(env.DATABASE_URL ?? "");
    try {
      const errored = await store.battlesInState("errored");
      expect(errored).toHaveLength(1);
      expect(battleIds).not.toContain(errored[0]?.id);
      expect(
        telegram.botMessages(chat.id).some((message) => message.replyToMessageId === stuckCommand.message_id),
      ).toBe(true);

      // Every acknowledged vote is stored once, under its voter.
      const hash = createUserHasher(SECRET);
      for (const [battleId, voterIds] of acknowledged) {
        const stored = await store.votesOf(battleId);
        const hashes = stored.map((vote) => vote.voterHash);
        expect(new Set(hashes).size, battleId).toBe(hashes.length);
        for (const voterId of voterIds) expect(hashes, battleId).toContain(hash("telegram", String(voterId)));
      }

      // Close what is still open through the restarted bot: each battle is revealed exactly once, and the
      // aggregates equal a recount of the votes.
      for (const [index, message] of voteMessages.entries()) {
        const battle = await store.getBattle(battleIds[index] ?? "");
        if (battle?.state !== "open") continue;
        await telegram.pressButton(creator, chat, message.messageId, buttonData(message, "Close voting"), {
          timeoutMs: 10_000,
        });
      }
      await explained(
        eventually(async () => {
          const states = await Promise.all(battleIds.map(async (id) => (await store.getBattle(id))?.state));
          return states.every((state) => state === "closed");
        }, 60_000),
        explain,
      );
      const reveals = await explained(
        telegram.waitFor(() => {
          const found = telegram
            .botMessages(chat.id)
            .filter((message) => message.text?.startsWith("🔓 Voting closed"));
          return found.length >= OPEN_BATTLES ? found : null;
        }, 90_000),
        explain,
      );
      expect(reveals).toHaveLength(OPEN_BATTLES);
      expect(await store.aggregateCounts("overall")).toEqual(await store.recountFromVotes("overall"));
      const counted = (await Promise.all(battleIds.map((id) => store.votesOf(id))))
        .flat()
        .filter((vote) => vote.counted);
      expect(counted.length).toBeGreaterThanOrEqual(acknowledgedVotes);
    } finally {
      await store.close();
    }
    expect(second.lines.filter((line) => line.includes('"level":50'))).toEqual([]);
  }, 360_000);
});
