// Discord rate limits on the bot's sends: the fake answers 429 (Retry-After, X-RateLimit-* headers, retry_after
// in the body; per route or global) on message create, thread create and interaction callbacks. The real
// discord.js client waits and sends again; the battle completes, nothing is posted twice, and each 429 has a log
// line naming the route and the wait.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ArenaRuntime } from "../../../src/main.ts";
import type { FakeDiscord, FakeUser } from "../../fakes/discord/index.ts";
import type { RequestRecord } from "../../fakes/discord/rest.ts";
import {
  buttonId,
  contents,
  type RecordingLogger,
  recordingLogger,
  startWorld,
  type World,
} from "./setup.ts";

const WAIT = 10_000;
const RATE_LIMITED = "discord rate limit (429): the request is sent again after the wait Discord asked for";

describe("Discord adapter under rate limits", () => {
  let world: World;
  let discord: FakeDiscord;
  let runtime: ArenaRuntime;
  let logger: RecordingLogger;
  let alice: FakeUser;
  let bob: FakeUser;
  let general: string;

  beforeAll(async () => {
    world = await startWorld();
    discord = world.discord;
    logger = recordingLogger();
    ({ runtime } = await world.startArena({ logger, tickMilliseconds: 200 }));
    alice = discord.addUser({ username: "alice" });
    bob = discord.addUser({ username: "bob" });
    general = discord.channelId("general");
  });

  afterAll(() => world?.close());

  async function battle(prompt: string) {
    const command = discord.slashCommand(alice, general, "battle", { prompt });
    const reply = await command.waitForReply(WAIT);
    const vote = await discord.waitFor(
      () => discord.messages(reply.id).find((message) => message.components.length > 0),
      WAIT,
      "the vote buttons",
    );
    return { command, threadId: reply.id, vote };
  }

  /** The 429 log lines written since `from`. */
  const rateLimitLines = (from: number) =>
    logger.lines.slice(from).filter((line) => line.message === RATE_LIMITED);

  /**
   * Each 429 of the requests to `route` was followed by the same request no sooner than the wait it asked for.
   * (The fake records a request once it has answered it, so the retry's record may trail what it changed.)
   */
  async function expectWaitHonoured(route: string, retryAfterMs: number): Promise<RequestRecord[]> {
    const attempts = await discord.waitFor(
      () => {
        const all = discord.requestsTo(route);
        return all.length > 0 && all.at(-1)?.status !== 429 ? all : undefined;
      },
      WAIT,
      `a retry of ${route}`,
    );
    const limited = attempts.filter((attempt) => attempt.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    for (const attempt of limited) {
      const next = attempts[attempts.indexOf(attempt) + 1];
      if (!next) throw new Error("a 429 was never retried");
      expect(next.at - attempt.at).toBeGreaterThanOrEqual(retryAfterMs);
    }
    return attempts;
  }

  /** Every message of the thread once: the answers and the vote message, no copy of any. */
  function expectPostedOnce(threadId: string) {
    const posted = contents(discord, threadId);
    expect(new Set(posted).size).toBe(posted.length);
    expect(posted.filter((text) => text.startsWith("**Model A**"))).toHaveLength(1);
    expect(posted.filter((text) => text.startsWith("**Model B**"))).toHaveLength(1);
    expect(discord.messages(threadId).filter((message) => message.components.length > 0)).toHaveLength(1);
  }

  it("waits out per-route 429s on thread create and on a storm of message creates; the battle completes once", async () => {
    const from = logger.lines.length;
    discord.failNext("POST /channels/:id/messages/:id/threads", { status: 429, retryAfter: 0.3 });
    discord.failNext("POST /channels/:id/messages", { status: 429, retryAfter: 0.2, times: 3 });
    const { threadId, vote } = await battle("Why do cats purr?");

    expect(discord.threads(general).filter((thread) => thread.id === threadId)).toHaveLength(1);
    const threadAttempts = await expectWaitHonoured("POST /channels/:id/messages/:id/threads", 300);
    expect(threadAttempts.map((attempt) => attempt.status)).toEqual([429, 201]);
    const sends = await expectWaitHonoured(`POST /channels/${threadId}/messages`, 200);
    expect(sends.slice(0, 4).map((attempt) => attempt.status)).toEqual([429, 429, 429, 200]);
    expectPostedOnce(threadId);

    const lines = rateLimitLines(from);
    expect(lines.map((line) => line.details)).toEqual([
      { route: "POST /channels/:id/messages/:id/threads", retryAfterMs: 300, global: false, scope: "user" },
      ...Array.from({ length: 3 }, () => ({
        route: "POST /channels/:id/messages",
        retryAfterMs: 200,
        global: false,
        scope: "user",
      })),
    ]);
    expect(lines.every((line) => line.level === "warn")).toBe(true);

    // The battle takes votes as usual.
    const answer = await discord.clickButton(bob, vote.id, buttonId(vote, "A is better")).waitForReply(WAIT);
    expect(answer.content).toMatch(/You voted/);
  });

  it("holds every request during a global 429; the answers are posted once", async () => {
    const from = logger.lines.length;
    discord.failNext("POST /channels/:id/messages", { status: 429, retryAfter: 0.4, global: true });
    const { threadId } = await battle("Name three prime numbers");
    const sends = await expectWaitHonoured(`POST /channels/${threadId}/messages`, 400);
    expect(sends[0]).toMatchObject({ status: 429, injected: true });
    expectPostedOnce(threadId);
    const limited = sends[0] as RequestRecord;
    // discord.js sent nothing else through its queues while the global limit lasted.
    const during = discord.requests.filter(
      (request) =>
        request.at > limited.at &&
        request.at < limited.at + 400 &&
        !request.path.startsWith("/interactions/"),
    );
    expect(during).toEqual([]);
    expect(rateLimitLines(from).map((line) => line.details)).toEqual([
      { route: "POST /channels/:id/messages", retryAfterMs: 400, global: true, scope: "global" },
    ]);
  });

  it("answers interactions after a 429 on their callbacks: one reply, one counted vote", async () => {
    const from = logger.lines.length;
    const prompt = "What colour is a ripe banana?";
    discord.failNext("POST /interactions/:id/:token/callback", { status: 429, retryAfter: 0.25 });
    const { command, vote } = await battle(prompt);
    expect(command.records.filter((record) => record.kind === "callback")).toHaveLength(1);

    discord.failNext("POST /interactions/:id/:token/callback", { status: 429, retryAfter: 0.25 });
    const pressed = discord.clickButton(bob, vote.id, buttonId(vote, "B is better"));
    const answer = await pressed.waitForReply(WAIT);
    expect(answer.content).toMatch(/You voted: B is better/);
    expect(pressed.records.filter((record) => record.kind === "callback")).toHaveLength(1);
    await expectWaitHonoured(`POST /interactions/${pressed.id}/:token/callback`, 250);

    const battles = await runtime.store.battlesInState("open");
    const record = battles.find((entry) => entry.turns.some((turn) => turn.userContent === prompt));
    if (!record) throw new Error("the battle is not open");
    const votes = await runtime.store.votesOf(record.id);
    expect(votes.map((entry) => [entry.choice, entry.counted])).toEqual([["b", true]]);

    const lines = rateLimitLines(from);
    expect(lines.map((line) => line.details)).toEqual([
      { route: "POST /interactions/:id/:token/callback", retryAfterMs: 250, global: false, scope: "user" },
      { route: "POST /interactions/:id/:token/callback", retryAfterMs: 250, global: false, scope: "user" },
    ]);
    // Interaction tokens are in the URLs, never in the log lines.
    expect(JSON.stringify(logger.lines)).not.toContain(command.token);
    expect(JSON.stringify(logger.lines)).not.toContain(pressed.token);
  });
});
