// Two bot processes (`arena start`) on one database, Telegram webhooks spread over them by a round-robin load
// balancer: 200 battles and 2,000 votes at once through the Bot API emulator and the fake OpenAI server. Every
// acknowledged vote is counted once, each battle is closed and revealed once, each leaderboard update is posted
// once. PostgreSQL only (the postgres project): on SQLite a deployment runs one process per platform.
import { writeFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import pLimit from "p-limit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUserHasher } from "../../src/arena/identity.ts";
import { openStore } from "../../src/store/index.ts";
import {
  type BotProcess,
  botEnvironment,
  diagnosticLines,
  explained,
  startBotProcess,
  stopBotProcess,
} from "../bot-process.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai/server.ts";
import {
  type BotMessage,
  buttonData,
  openBattle,
  startTelegramEmulator,
  type TelegramChat,
  type TelegramEmulator,
  type TelegramUser,
} from "../fakes/telegram/index.ts";
import { freePort } from "../platforms/telegram/setup.ts";
import { createTestFile, createTestSchema, type TestDatabase } from "../store/databases.ts";

const TOKEN = "737373:two-bots-token";
const SECRET = "two-bots-secret-0123456789abcdef";
const WEBHOOK_SECRET = "two-bots-webhook-secret";
const BATTLES = 200;
const VOTERS_PER_BATTLE = 10;
const GROUPS = 40;
const USERS = 100;
const CHOICES = ["A is better", "B is better", "Tie", "Both are bad"] as const;

let telegram: TelegramEmulator;
let openai: FakeOpenAI;
let database: TestDatabase;
let files: TestDatabase;
let balancer: http.Server;
const bots: BotProcess[] = [];
/** Webhook deliveries forwarded to each bot, by bot index. */
const forwarded = [0, 0];

/** A load balancer in front of the bots: each webhook POST goes to the next bot in turn. */
async function startBalancer(ports: readonly number[]): Promise<string> {
  let next = 0;
  balancer = http.createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const index = next++ % ports.length;
    forwarded[index] = (forwarded[index] ?? 0) + 1;
    try {
      const answer = await fetch(`http://127.0.0.1:${ports[index]}${request.url ?? "/"}`, {
        method: request.method ?? "POST",
        headers: {
          "content-type": request.headers["content-type"] ?? "application/json",
          "x-telegram-bot-api-secret-token": String(request.headers["x-telegram-bot-api-secret-token"] ?? ""),
        },
        body: Buffer.concat(chunks),
      });
      response.writeHead(answer.status, {
        "content-type": answer.headers.get("content-type") ?? "text/plain",
      });
      response.end(Buffer.from(await answer.arrayBuffer()));
    } catch {
      response.writeHead(502).end();
    }
  });
  await new Promise<void>((resolve) => balancer.listen(0, "127.0.0.1", resolve));
  const address = balancer.address();
  if (address === null || typeof address === "string") throw new Error("no balancer port");
  return `http://127.0.0.1:${address.port}/telegram`;
}

beforeAll(async () => {
  [telegram, openai, database] = await Promise.all([
    startTelegramEmulator({ botToken: TOKEN, privacyMode: false }),
    startFakeOpenAI(),
    createTestSchema(),
  ]);
  files = createTestFile();
});

afterAll(async () => {
  for (const bot of bots) await stopBotProcess(bot).catch(() => {});
  await new Promise((resolve) => balancer?.close(resolve));
  await telegram?.close();
  await openai?.close();
  await database?.drop();
  await files?.drop();
});

describe("two bot processes on one database", () => {
  it("count every vote once, close and reveal each battle once, and post each leaderboard update once", async () => {
    const modelsFile = join(files.url, "..", "models.json");
    writeFileSync(
      modelsFile,
      JSON.stringify(
        ["one", "two", "three", "four"].map((name) => ({
          name,
          baseUrl: openai.url,
          model: `two-bots-${name}`,
        })),
      ),
    );
    for (const [index, name] of ["one", "two", "three", "four"].entries()) {
      openai.script(`two-bots-${name}`, { text: `Answer number ${index}: the sky scatters blue light.` });
    }
    const ports = [await freePort(), await freePort()];
    const webhookUrl = await startBalancer(ports);
    const env = (port: number) =>
      botEnvironment(
        { home: join(files.url, ".."), databaseUrl: database.url, modelsFile, secret: SECRET },
        {
          TELEGRAM_TOKEN: TOKEN,
          TELEGRAM_API_ROOT: telegram.apiRoot,
          TELEGRAM_WEBHOOK_URL: webhookUrl,
          TELEGRAM_WEBHOOK_PORT: String(port),
          TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
        },
      );
    // One after the other: the first creates the tables; both then serve at once.
    for (const port of ports) bots.push(await startBotProcess(env(port)));

    const users: TelegramUser[] = Array.from({ length: USERS }, (_, index) =>
      telegram.user({ firstName: `Member${index}` }),
    );
    const admin = telegram.user({ firstName: "Admin" });
    const groups: TelegramChat[] = Array.from({ length: GROUPS }, (_, index) =>
      telegram.chat({
        title: `Group ${index}`,
        kind: "group",
        members: [[admin, "creator"] as const, ...users.map((user) => [user, "member"] as const)],
      }),
    );
    const newsroom = groups[0] as TelegramChat;
    const adminChat = telegram.privateChat(admin);
    await telegram.sendCommand(admin, newsroom, "/arena subscribe");
    const confirmation = await telegram.waitFor(() => telegram.botMessages(adminChat.id)[0], 20_000);
    expect(confirmation.text).toMatch(/Leaderboard updates|subscri/i);

    const acknowledged: { battleId: string; voter: number }[] = [];
    const roots = new Map<string, { chat: TelegramChat; root: number }>();
    const closeAnswers: string[] = [];
    const limit = pLimit(20);
    await Promise.all(
      Array.from({ length: BATTLES }, (_, index) =>
        limit(async () => {
          const chat = groups[index % GROUPS] as TelegramChat;
          const creator = users[index % USERS] as TelegramUser;
          const prompt = `Battle ${index}: why is the sky blue?`;
          const vote: BotMessage = await explained(
            openBattle(telegram, creator, chat, prompt, 60_000),
            () =>
              `opening "${prompt}"; the group's last bot messages:\n${telegram
                .botMessages(chat.id)
                .slice(-5)
                .map((message) => message.text?.slice(0, 80))
                .join("\n")}\ncalls:\n${telegram.describeCalls(chat.id)}\n${diagnosticLines(bots)}`,
          );
          const battleId = buttonData(vote, CHOICES[0]).split(":")[1] ?? "";
          roots.set(battleId, { chat, root: vote.replyToMessageId ?? -1 });
          await Promise.all(
            Array.from({ length: VOTERS_PER_BATTLE }, async (_, offset) => {
              const voter = users[(index * 7 + offset * 11 + 1) % USERS] as TelegramUser;
              const choice = CHOICES[(index + offset) % CHOICES.length] ?? "Tie";
              const answer = await telegram.pressButton(
                voter,
                chat,
                vote.messageId,
                buttonData(vote, choice),
                {
                  timeoutMs: 30_000,
                },
              );
              if (answer.text?.startsWith("🗳️ You voted")) acknowledged.push({ battleId, voter: voter.id });
            }),
          );
          const close = await telegram.pressButton(
            creator,
            chat,
            vote.messageId,
            buttonData(vote, "Close voting"),
            {
              timeoutMs: 30_000,
            },
          );
          closeAnswers.push(close.text ?? "");
        }),
      ),
    );
    // Both processes took updates.
    expect(Math.min(...forwarded)).toBeGreaterThan(BATTLES);
    expect(roots.size).toBe(BATTLES);
    expect(acknowledged).toHaveLength(BATTLES * VOTERS_PER_BATTLE);

    // Each battle revealed once, in its own thread.
    const reveals = (battleId: string) => {
      const place = roots.get(battleId);
      if (!place) return [];
      return telegram
        .botMessages(place.chat.id)
        .filter(
          (message) =>
            message.replyToMessageId === place.root && message.text?.startsWith("🔓 Voting closed"),
        );
    };
    await explained(
      telegram.waitFor(() => [...roots.keys()].every((battleId) => reveals(battleId).length >= 1), 60_000),
      async () => {
        const unrevealed = [...roots.keys()].filter((battleId) => reveals(battleId).length === 0);
        const store = await openStore(database.url);
        try {
          const states = await Promise.all(
            unrevealed.slice(0, 5).map(async (id) => {
              const battle = await store.getBattle(id);
              return `${id}: ${battle?.state} (${battle?.reason}), closed at ${battle?.closedAt?.toISOString()}`;
            }),
          );
          return `${unrevealed.length} battles not revealed:\n${states.join("\n")}\n${diagnosticLines(bots, unrevealed.slice(0, 5))}`;
        } finally {
          await store.close();
        }
      },
    );

    const store = await openStore(database.url);
    try {
      const closed = await store.battlesInState("closed");
      expect(closed.map((battle) => battle.id).sort()).toEqual([...roots.keys()].sort());
      const hash = createUserHasher(SECRET);
      let counted = 0;
      for (const battle of closed) {
        const votes = await store.votesOf(battle.id);
        expect(
          votes.every((vote) => vote.counted),
          battle.id,
        ).toBe(true);
        counted += votes.length;
        const expected = acknowledged
          .filter((entry) => entry.battleId === battle.id)
          .map((entry) => hash("telegram", String(entry.voter)))
          .sort();
        expect(votes.map((vote) => vote.voterHash).sort(), battle.id).toEqual(expected);
        expect(battle.countedVotes).toBe(VOTERS_PER_BATTLE);
      }
      expect(counted).toBe(BATTLES * VOTERS_PER_BATTLE);
      // Each battle entered the aggregates once.
      const overall = await store.aggregateCounts("overall");
      expect(overall.reduce((sum, row) => sum + row.count, 0)).toBe(BATTLES);
      expect(overall).toEqual(await store.recountFromVotes("overall"));

      // Settled: nothing is posted twice later (reveals after the retry time, updates after the publish check).
      await new Promise((resolve) => setTimeout(resolve, 12_000));
      for (const battleId of roots.keys()) expect(reveals(battleId), battleId).toHaveLength(1);
      const updates = telegram
        .botMessages(newsroom.id)
        .map((message) => message.text ?? "")
        .filter((text) => /^📈|^📊/.test(text));
      expect(updates.length).toBeGreaterThan(0);
      const totals = updates.map((text) => Number(/\(?(\d+) battles?/.exec(text)?.[1] ?? Number.NaN));
      expect(new Set(totals).size).toBe(totals.length);
      expect(totals).toEqual(totals.toSorted((x, y) => x - y));
      // Due when the top 10 changes or every 50 counted battles (the default): the last one is at most 50 behind.
      expect(Math.max(...totals)).toBeLessThanOrEqual(BATTLES);
      expect(Math.max(...totals)).toBeGreaterThan(BATTLES - 50);
    } finally {
      await store.close();
    }
    for (const bot of bots) expect(bot.lines.filter((line) => line.includes('"level":50'))).toEqual([]);
  }, 400_000);
});
