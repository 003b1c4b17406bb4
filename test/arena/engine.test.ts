import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ANNOUNCE_RETRY_MILLISECONDS, STALE_HEARTBEAT_MILLISECONDS } from "../../src/arena/engine.ts";
import type { ArenaEvent } from "../../src/arena/types.ts";
import type { OpenedStore } from "../../src/store/index.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai/server.ts";
import { createHarness, type Harness } from "./harness.ts";

let fake: FakeOpenAI;
let harness: Harness;

beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake.close();
});
afterEach(async () => {
  await harness?.close();
  fake.reset();
});

function eventsOf<T extends ArenaEvent["type"]>(type: T): Extract<ArenaEvent, { type: T }>[] {
  return harness.events.filter((event): event is Extract<ArenaEvent, { type: T }> => event.type === type);
}

async function pressVote(userId: string, battleId: string, choice: "a" | "b" | "tie" | "bad") {
  const code = { a: "a", b: "b", tie: "t", bad: "x" }[choice];
  const result = await harness.arena.press(harness.ctx(userId), `v:${battleId}:${code}`);
  if (!("reply" in result)) throw new Error("a vote answers with a reply");
  return result.reply;
}

/** A second arena instance (process) on the current harness's database and clock. */
function anotherInstance(platforms?: readonly string[]): Promise<Harness> {
  return createHarness({
    fake,
    databasePath: harness.databasePath,
    clock: harness.clock,
    ...(platforms ? { platforms } : {}),
  });
}

describe("a whole battle", () => {
  it("pairs two models, posts both answers, takes one vote per member, reveals at close and ranks", async () => {
    harness = await createHarness({ fake });
    const creator = harness.ctx("1");
    const { reply, battleId } = await harness.battle(creator, "Explain recursion to a child");
    expect(reply.visibility).toBe("public");
    expect(reply.battle?.prompt).toBe("Explain recursion to a child");

    const [turn] = eventsOf("battle.turn");
    expect(turn?.battleId).toBe(battleId);
    expect(turn?.place.thread).toBe(`t-${battleId}`);
    expect(turn?.answers.a).not.toBe("");
    expect(turn?.answers.b).not.toBe("");
    expect(turn?.answers.a).not.toBe(turn?.answers.b);
    // Payloads are opaque: neither a model name nor the side mapping.
    for (const button of turn?.buttons.flat() ?? []) {
      expect(button.id).not.toMatch(/alpha|beta|terse|pirate/);
      expect(Buffer.byteLength(button.id)).toBeLessThanOrEqual(64);
    }
    expect(turn?.buttons[0]?.map((button) => button.label).join(" ")).toMatch(
      /A is better.*B is better.*Tie.*Both are bad/,
    );

    const battle = await harness.arena.store.getBattle(battleId);
    expect(new Set([battle?.modelA, battle?.modelB])).toEqual(new Set(["alpha", "beta"]));

    const first = await pressVote("2", battleId, "a");
    expect(first.visibility).toBe("private");
    expect(first.text).toContain(`Model A is ${battle?.modelA}`);
    expect(first.text).toContain(`Model B is ${battle?.modelB}`);
    const again = await pressVote("2", battleId, "b");
    expect(again.text).toMatch(/already voted/);
    await pressVote("3", battleId, "tie");

    const close = await harness.arena.press(creator, `k:${battleId}`);
    expect("reply" in close && close.reply.text).toMatch(/closed/i);
    await harness.arena.idle();
    const [closed] = eventsOf("battle.closed");
    expect(closed?.names).toEqual({ a: battle?.modelA, b: battle?.modelB });
    expect(closed?.tally).toEqual({ a: 1, b: 0, tie: 1, bad: 0 });
    expect(closed?.text).toContain(battle?.modelA ?? "?");

    const late = await pressVote("4", battleId, "b");
    expect(late.text).toMatch(/closed/i);
    expect(await harness.arena.store.tally(battleId)).toEqual({ a: 1, b: 0, tie: 1, bad: 0 });

    // Mean of counted votes: (1 + 0.5) / 2 for Model A.
    const stored = await harness.arena.store.getBattle(battleId);
    expect(stored?.outcome).toBeCloseTo(0.75, 12);
    const view = await harness.arena.leaderboards.view("overall");
    expect(view.board.models.map((model) => model.model).sort()).toEqual(["alpha", "beta"]);
    expect(view.board.battles).toBe(1);
    const winner = view.board.models.find((model) => model.model === battle?.modelA);
    const loser = view.board.models.find((model) => model.model === battle?.modelB);
    expect(winner?.rating).toBeGreaterThan(loser?.rating ?? Number.POSITIVE_INFINITY);
  });

  it("only the creator continues, before the first vote, and both models see the same history", async () => {
    harness = await createHarness({ fake });
    const creator = harness.ctx("1");
    const { battleId } = await harness.battle(creator, "Name a prime number");
    const stranger = await harness.arena.press(harness.ctx("2"), `c:${battleId}`);
    expect("reply" in stranger && stranger.reply.text).toMatch(/Only the person who started/);

    const prompt = await harness.arena.press(creator, `c:${battleId}`);
    expect("textPrompt" in prompt).toBe(true);
    const requestsBefore = fake.requests.length;
    const reply = await harness.arena.submitText(creator, `c:${battleId}`, "And a larger one?");
    expect(reply.text).toMatch(/answering/);
    await harness.arena.idle();
    const turns = eventsOf("battle.turn");
    expect(turns.map((turn) => turn.turn)).toEqual([1, 2]);
    expect(turns[1]?.prompt).toBe("And a larger one?");
    const followUps = fake.requests.slice(requestsBefore).filter((request) => request.model !== null);
    expect(followUps).toHaveLength(2);
    const stored = await harness.arena.store.getBattle(battleId);
    const modelIds: Record<string, string> = { alpha: "fake-terse", beta: "fake-pirate" };
    for (const request of followUps) {
      const conversation = request.messages.filter((message) => message.role !== "system");
      expect(conversation.map((message) => message.role)).toEqual(["user", "assistant", "user"]);
      expect(conversation[0]?.content).toBe("Name a prime number");
      expect(conversation[2]?.content).toBe("And a larger one?");
      // Each side sees its own earlier answer, never the other side's.
      const side = modelIds[stored?.modelA ?? ""] === request.model ? "a" : "b";
      expect(conversation[1]?.content).toBe(turns[0]?.answers[side]);
    }
    const battle = await harness.arena.store.getBattle(battleId);
    expect(battle?.categories).toContain("multiturn");

    await pressVote("2", battleId, "a");
    const refused = await harness.arena.continueBattle(creator, battleId, "One more?");
    expect(refused.text).toMatch(/already voted/);
  });

  it("does not let a follow-up reopen a battle whose window has ended", async () => {
    harness = await createHarness({ fake });
    const creator = harness.ctx("1");
    const { battleId } = await harness.battle(creator, "Name a river");
    harness.clock.advance(3601); // the timer has not run yet
    const refused = await harness.arena.continueBattle(creator, battleId, "And a longer one?");
    expect(refused.refused).toBe(true);
    expect(refused.text).toMatch(/closed/);
    expect((await harness.arena.store.getBattle(battleId))?.state).toBe("closed");
  });

  it("closes a battle when its voting window ends, from the timer kept in the database", async () => {
    harness = await createHarness({ fake });
    const { battleId } = await harness.battle(harness.ctx("1"), "Write a haiku about rain");
    await pressVote("2", battleId, "b");
    await harness.arena.tick();
    expect(eventsOf("battle.closed")).toHaveLength(0);
    harness.clock.advance(3601);
    await harness.arena.tick();
    await harness.arena.idle();
    expect(eventsOf("battle.closed").map((event) => event.battleId)).toEqual([battleId]);
    expect((await harness.arena.store.getBattle(battleId))?.state).toBe("closed");
  });
});

describe("identity leaks", () => {
  it("refuses a prompt that names a model, privately, and creates nothing", async () => {
    harness = await createHarness({ fake });
    const reply = await harness.command(harness.ctx("1"), "battle", { prompt: "Are you alpha or ChatGPT?" });
    expect(reply.visibility).toBe("private");
    expect(reply.battle).toBeUndefined();
    expect(fake.requests).toHaveLength(0);
  });

  it("discards a battle whose answer names a model: no votes count, absent from export and leaderboard", async () => {
    harness = await createHarness({
      fake,
      models: [
        ["alpha", "fake-terse"],
        ["beta", "named"],
      ],
    });
    fake.script("named", { text: "As Claude, made by Anthropic, I would say yes." });
    const { battleId } = await harness.battle(harness.ctx("1"), "Is the sky blue?");
    const [discarded] = eventsOf("battle.discarded");
    expect(discarded?.battleId).toBe(battleId);
    expect(discarded?.text).toMatch(/Claude|Anthropic/);
    expect(new Set([discarded?.names.a, discarded?.names.b])).toEqual(new Set(["alpha", "beta"]));
    expect(eventsOf("battle.turn")).toHaveLength(0);

    const vote = await pressVote("2", battleId, "a");
    expect(vote.text).toMatch(/discarded/);
    expect(await harness.arena.store.aggregateCounts("overall")).toEqual([]);
    const exported = [];
    for await (const battle of harness.arena.store.countedBattles()) exported.push(battle);
    expect(exported).toEqual([]);
    expect((await harness.arena.leaderboards.view("overall")).board.models).toHaveLength(0);
  });
});

describe("identity leaks in later turns", () => {
  it("discards a battle whose follow-up answer names a model", async () => {
    harness = await createHarness({
      fake,
      models: [
        ["alpha", "fake-terse"],
        ["beta", "shy"],
      ],
    });
    fake.script("shy", {
      text: (messages) =>
        messages.filter((message) => message.role === "user").length > 1
          ? "Fine: I am Gemini."
          : "No comment.",
    });
    const creator = harness.ctx("1");
    const { battleId } = await harness.battle(creator, "Tell me about tides");
    expect(eventsOf("battle.turn")).toHaveLength(1);
    await harness.arena.continueBattle(creator, battleId, "And what about the moon?");
    await harness.arena.idle();
    const [discarded] = eventsOf("battle.discarded");
    expect(discarded?.battleId).toBe(battleId);
    expect(discarded?.text).toMatch(/Gemini/);
    expect((await harness.arena.store.getBattle(battleId))?.state).toBe("discarded");
  });
});

describe("delivery", () => {
  it("errors a battle whose answers could not be posted, so that no vote counts", async () => {
    harness = await createHarness({ fake });
    const { battleId } = await harness.battle(harness.ctx("1"), "Describe a sunset");
    await harness.arena.deliveryFailed(battleId, "the thread is gone");
    const [errored] = eventsOf("battle.errored");
    expect(errored?.text).toMatch(/could not be posted/);
    expect((await harness.arena.store.getBattle(battleId))?.state).toBe("errored");
    expect((await pressVote("2", battleId, "a")).refused).toBe(true);
  });

  it("carries the earlier vote messages on a later turn, so their buttons can be removed", async () => {
    harness = await createHarness({ fake });
    const creator = harness.ctx("1");
    const { battleId } = await harness.battle(creator, "Give me a word");
    await harness.arena.rememberMessage(battleId, "vote-message-1");
    await harness.arena.continueBattle(creator, battleId, "Another one");
    await harness.arena.idle();
    const turns = eventsOf("battle.turn");
    expect(turns.map((turn) => turn.messageIds)).toEqual([[], ["vote-message-1"]]);
    expect(turns[1]?.votePrompt).toMatch(/Which answer is better/);
  });
});

describe("votes", () => {
  it("takes one vote per voter even for two concurrent presses", async () => {
    harness = await createHarness({ fake });
    const { battleId } = await harness.battle(harness.ctx("1"), "Tell me a joke");
    const replies = await Promise.all([pressVote("2", battleId, "a"), pressVote("2", battleId, "b")]);
    expect(replies.filter((reply) => /already voted/.test(reply.text))).toHaveLength(1);
    const votes = await harness.arena.store.votesOf(battleId);
    expect(votes).toHaveLength(1);
    await harness.arena.closeBattle(battleId, "creator");
    const counts = await harness.arena.store.aggregateCounts("overall");
    expect(counts.reduce((sum, row) => sum + row.count, 0)).toBe(1);
  });

  it("shows nothing of an open battle's votes: /leaderboard, its views and the model list stay byte-identical", async () => {
    harness = await createHarness({
      fake,
      models: [
        ["alpha", "fake-terse"],
        ["beta", "fake-pirate"],
        ["gamma", "fake-terse"],
      ],
    });
    for (const [index, prompt] of ["Name a fruit", "Name a river", "Name a planet"].entries()) {
      const { battleId } = await harness.battle(harness.ctx("1"), prompt);
      await pressVote(String(10 + index), battleId, index % 2 ? "a" : "b");
      await harness.arena.closeBattle(battleId, "creator");
    }
    const moderator = harness.ctx("999");
    const seen = async () =>
      JSON.stringify(
        await Promise.all([
          harness.command(harness.ctx("1"), "leaderboard", {}),
          harness.command(harness.ctx("1"), "leaderboard", { category: "English" }),
          harness.command(harness.ctx("1"), "leaderboard", { view: "style" }),
          harness.command(moderator, "model", { subcommand: "list" }),
          harness.arena.store.categories(),
        ]),
      );
    const { battleId } = await harness.battle(harness.ctx("1"), "Name a mountain");
    const before = await seen();
    expect(before).toMatch(/3 battles/);
    for (const voter of ["20", "21", "22", "23", "24"]) {
      expect((await pressVote(voter, battleId, "a")).text).toMatch(/You voted/);
    }
    await harness.arena.idle();
    expect(await seen()).toBe(before);
    expect(eventsOf("leaderboard.update")).toEqual([]);

    await harness.arena.closeBattle(battleId, "creator");
    expect(await seen()).not.toBe(before);
    expect(await seen()).toMatch(/4 battles/);
  });

  it("enforces the per-voter rate limit inside the vote's transaction: concurrent presses cannot all pass it", async () => {
    harness = await createHarness({ fake, voteRateLimit: { max: 5, windowSeconds: 600 } });
    const battleIds: string[] = [];
    for (let index = 0; index < 12; index++) {
      battleIds.push((await harness.battle(harness.ctx("1"), `Count to ${index + 2}`)).battleId);
    }
    const replies = await Promise.all(battleIds.map((battleId) => pressVote("7", battleId, "a")));
    expect(replies.filter((reply) => /Many votes in a short time/.test(reply.text))).toHaveLength(7);
    const votes = (await Promise.all(battleIds.map((id) => harness.arena.store.votesOf(id)))).flat();
    expect(votes).toHaveLength(12);
    expect(votes.filter((vote) => vote.counted)).toHaveLength(5);
    expect(votes.filter((vote) => vote.exclusions.includes("rate_limit"))).toHaveLength(7);
  });

  it("closes a battle whose window ended before taking a late vote, and keeps that vote uncounted", async () => {
    harness = await createHarness({ fake });
    const { battleId } = await harness.battle(harness.ctx("1"), "Name a colour");
    harness.clock.advance(3601); // the timer has not run yet
    const late = await pressVote("2", battleId, "a");
    expect(late.refused).toBe(true);
    expect(late.text).toMatch(/closed/);
    expect(eventsOf("battle.closed").map((event) => event.battleId)).toEqual([battleId]);
    expect(await harness.arena.store.votesOf(battleId)).toMatchObject([
      { voterHash: expect.any(String), counted: false, exclusions: ["after_reveal"] },
    ]);
    expect(await harness.arena.store.aggregateCounts("overall")).toEqual([]);
  });

  it("keeps aggregates equal to a recount from the votes table", async () => {
    harness = await createHarness({
      fake,
      models: [
        ["alpha", "fake-terse"],
        ["beta", "fake-pirate"],
        ["gamma", "fake-thorough"],
      ],
    });
    const choices = ["a", "b", "tie", "bad"] as const;
    for (let round = 0; round < 6; round++) {
      const { battleId } = await harness.battle(
        harness.ctx(`${round}`),
        `Question number ${round} about gardening`,
      );
      for (let voter = 0; voter <= round % 4; voter++)
        await pressVote(`v${voter}`, battleId, choices[(round + voter) % 4] ?? "a");
      if (round % 2 === 0) await harness.arena.closeBattle(battleId, "creator");
    }
    for (const category of (await harness.arena.store.categories()).map((entry) => entry.category)) {
      const byKey = (rows: { modelA: string; modelB: string; outcome: number }[]) =>
        [...rows].sort((x, y) =>
          `${x.modelA}${x.modelB}${x.outcome}`.localeCompare(`${y.modelA}${y.modelB}${y.outcome}`),
        );
      expect(byKey(await harness.arena.store.aggregateCounts(category))).toEqual(
        byKey(await harness.arena.store.recountFromVotes(category)),
      );
    }
  });

  it("loses no vote across a restart in the middle of a battle", async () => {
    harness = await createHarness({ fake });
    const { battleId } = await harness.battle(harness.ctx("1"), "What is the capital of France?");
    await pressVote("2", battleId, "a");
    harness = await harness.restart();
    expect((await harness.arena.store.getBattle(battleId))?.state).toBe("open");
    expect((await harness.arena.store.votesOf(battleId)).map((vote) => vote.choice)).toEqual(["a"]);
    expect((await pressVote("2", battleId, "b")).text).toMatch(/already voted/);
    await pressVote("3", battleId, "b");
    expect(await harness.arena.store.tally(battleId)).toEqual({ a: 1, b: 1, tie: 0, bad: 0 });
  });

  it("marks a battle left generating by a crash as errored on start and tells its thread", async () => {
    harness = await createHarness({ fake });
    const reply = await harness.command(harness.ctx("1"), "battle", { prompt: "Never answered" });
    const battleId = reply.battle?.battleId ?? "";
    await harness.arena.store.placeBattle(battleId, {
      platform: "discord",
      community: "g1",
      channel: "c1",
      thread: "t",
    });
    // The crashed instance's last heartbeat is older than the limit when the bot comes back.
    harness.clock.advance(STALE_HEARTBEAT_MILLISECONDS / 1000 + 1);
    harness = await harness.restart();
    expect((await harness.arena.store.getBattle(battleId))?.state).toBe("errored");
    expect(eventsOf("battle.errored").map((event) => event.battleId)).toEqual([battleId]);
  });
});

describe("instances sharing the database", () => {
  function erroredIn(events: readonly ArenaEvent[]): string[] {
    return events.filter((event) => event.type === "battle.errored").map((event) => event.battleId);
  }

  it("a second instance starting leaves the first one's generating battle alone, and it opens normally", async () => {
    harness = await createHarness({
      fake,
      models: [
        ["alpha", "fake-terse"],
        ["slow", "slow"],
      ],
    });
    fake.script("slow", { delayMs: 1500, text: "Slowly: yes." });
    const ctx = harness.ctx("1");
    const reply = await harness.command(ctx, "battle", { prompt: "Is water wet?" });
    const battleId = reply.battle?.battleId ?? "";
    await harness.arena.placeBattle(battleId, { ...ctx.place, thread: `t-${battleId}` });
    await vi.waitFor(() => {
      if (!fake.requests.some((request) => request.model === "slow")) throw new Error("not asked yet");
    });
    const second = await anotherInstance();
    try {
      expect((await second.arena.store.getBattle(battleId))?.state).toBe("generating");
      await second.arena.tick();
      await harness.arena.idle();
      await second.arena.idle();
      expect(erroredIn(second.events)).toEqual([]);
      expect(erroredIn(harness.events)).toEqual([]);
      expect(eventsOf("battle.turn").map((event) => event.battleId)).toEqual([battleId]);
      expect((await harness.arena.store.getBattle(battleId))?.state).toBe("open");
    } finally {
      await second.close();
    }
  });

  it("errors a battle whose generating instance stopped beating, on another instance's tick", async () => {
    harness = await createHarness({ fake });
    const crashed = harness;
    const reply = await crashed.command(crashed.ctx("1"), "battle", { prompt: "Never answered" });
    const battleId = reply.battle?.battleId ?? "";
    await crashed.arena.store.placeBattle(battleId, { ...crashed.ctx("1").place, thread: "t" });
    const survivor = await anotherInstance();
    try {
      // The first instance beats no more, as after a crash; its battle waits for its heartbeat to go stale.
      await crashed.arena.stop();
      await survivor.arena.tick();
      expect((await survivor.arena.store.getBattle(battleId))?.state).toBe("generating");

      crashed.clock.advance(STALE_HEARTBEAT_MILLISECONDS / 1000 + 1);
      await survivor.arena.tick();
      await survivor.arena.idle();
      const battle = await survivor.arena.store.getBattle(battleId);
      expect(battle?.state).toBe("errored");
      expect(battle?.reason).toMatch(/interrupted/);
      expect(erroredIn(survivor.events)).toEqual([battleId]);
      const [event] = survivor.events.filter((candidate) => candidate.type === "battle.errored");
      expect(event?.place.thread).toBe("t");
      expect(erroredIn(crashed.events)).toEqual([]);
    } finally {
      await survivor.close();
    }
  });
});

describe("announcements a stopped instance left unmade", () => {
  it("reveals, once across instances, a battle whose close committed just before its instance stopped", async () => {
    harness = await createHarness({ fake });
    const { battleId: closedId } = await harness.battle(harness.ctx("1"), "Is a tomato a fruit?");
    const { battleId: discardedId } = await harness.battle(harness.ctx("1"), "Is a peanut a nut?");
    await pressVote("2", closedId, "a");
    await pressVote("3", closedId, "tie");
    await harness.arena.stop();
    // What closeBattle and discardBattle commit, without the announcements that follow them: a SIGKILL between.
    const retryAt = new Date(harness.clock.now.getTime() + ANNOUNCE_RETRY_MILLISECONDS);
    const store = harness.arena.store;
    await store.transitionBattle(closedId, ["open"], "closed", harness.clock.now, {
      reason: "creator",
      announceRetryAt: retryAt,
    });
    await store.transitionBattle(discardedId, ["open"], "discarded", harness.clock.now, {
      reason: 'identity leak: "Claude"',
      announceRetryAt: retryAt,
    });
    const survivors = [await anotherInstance(), await anotherInstance()];
    const finalEvents = () =>
      survivors.flatMap((survivor) => survivor.events).filter((event) => event.type !== "battle.turn");
    try {
      // Not before the retry time: the instance that closed it may still be posting the reveal.
      await Promise.all(survivors.map((survivor) => survivor.arena.tick()));
      await Promise.all(survivors.map((survivor) => survivor.arena.idle()));
      expect(finalEvents()).toEqual([]);

      harness.clock.advance(ANNOUNCE_RETRY_MILLISECONDS / 1000 + 1);
      await Promise.all(survivors.map((survivor) => survivor.arena.tick()));
      await Promise.all(survivors.map((survivor) => survivor.arena.idle()));
      const made = finalEvents();
      expect(
        made.map((event) => `${event.type} ${"battleId" in event ? event.battleId : ""}`).sort(),
      ).toEqual([`battle.closed ${closedId}`, `battle.discarded ${discardedId}`].sort());
      const reveal = made.find((event) => event.type === "battle.closed");
      expect(reveal?.type === "battle.closed" && reveal.tally).toEqual({ a: 1, b: 0, tie: 1, bad: 0 });
      expect(reveal?.type === "battle.closed" && reveal.text).toMatch(/Closed by its creator/);
      const discard = made.find((event) => event.type === "battle.discarded");
      expect(discard?.type === "battle.discarded" && discard.text).toMatch(/names a model \("Claude"\)/);

      // Made: never again.
      harness.clock.advance(10 * ANNOUNCE_RETRY_MILLISECONDS);
      await Promise.all(survivors.map((survivor) => survivor.arena.tick()));
      await Promise.all(survivors.map((survivor) => survivor.arena.idle()));
      expect(finalEvents()).toHaveLength(2);
    } finally {
      for (const survivor of survivors) await survivor.close();
    }
  });
});

describe("an instance serving other platforms", () => {
  it("neither closes nor recovers battles of a platform it does not serve (it could not post their reveal)", async () => {
    harness = await createHarness({ fake });
    const { battleId } = await harness.battle(harness.ctx("1"), "What is a prime?");
    const telegramOnly = await anotherInstance(["telegram"]);
    try {
      // A Discord battle left generating by an instance that never beat: not the Telegram instance's to recover.
      const orphan = await harness.arena.store.createBattle({
        place: { platform: "discord", community: "g1", channel: "c1", thread: "t-orphan" },
        creatorHash: "someone",
        modelA: "alpha",
        modelB: "beta",
        prompt: "Orphaned",
        categories: ["overall"],
        createdAt: harness.clock.now,
        generatingInstance: "crashed-instance",
      });
      harness.clock.advance(3601);
      await telegramOnly.arena.tick();
      expect((await harness.arena.store.getBattle(battleId))?.state).toBe("open");
      expect((await harness.arena.store.getBattle(orphan.id))?.state).toBe("generating");
      expect(telegramOnly.events).toEqual([]);
      await harness.arena.tick();
      await harness.arena.idle();
      expect((await harness.arena.store.getBattle(battleId))?.state).toBe("closed");
      expect(eventsOf("battle.closed").map((event) => event.battleId)).toEqual([battleId]);
    } finally {
      await telegramOnly.close();
    }
  });
});

describe("start-up", () => {
  it("recovers the battles of the platforms it is given before any listener exists, and tells them at start", async () => {
    const crashed = await createHarness({ fake, start: false });
    const reply = await crashed.command(crashed.ctx("1"), "battle", { prompt: "Interrupted" });
    const battleId = reply.battle?.battleId ?? "";
    await crashed.arena.store.placeBattle(battleId, { ...crashed.ctx("1").place, thread: "t" });
    harness = crashed;
    const restarted = await createHarness({
      fake,
      databasePath: crashed.databasePath,
      clock: crashed.clock,
      platforms: [],
      start: false,
    });
    try {
      await restarted.arena.recover(["discord"]);
      expect((await restarted.arena.store.getBattle(battleId))?.state).toBe("errored");
      const told: string[] = [];
      restarted.arena.onEvent("discord", (event) => void told.push(event.type));
      await restarted.arena.start();
      await restarted.arena.idle();
      expect(told).toEqual(["battle.errored"]);
    } finally {
      await restarted.close();
    }
  });
});

describe("subscriptions across instances", () => {
  it("publishes to a platform's subscriptions from the instance serving it, after battles closed elsewhere", async () => {
    harness = await createHarness({ fake, platforms: ["discord"] });
    const telegramOnly = await anotherInstance(["telegram"]);
    try {
      const place = { platform: "telegram", community: "-100", channel: "-100" };
      await harness.arena.store.subscribe(place, "overall", 50, harness.clock.now);
      const { battleId } = await harness.battle(harness.ctx("1"), "Which is older, tea or coffee?");
      await pressVote("2", battleId, "a");
      await harness.arena.closeBattle(battleId, "creator");
      await harness.arena.idle();
      expect(eventsOf("leaderboard.update")).toEqual([]); // the Discord instance cannot post to Telegram
      harness.clock.advance(11); // ticks look at subscriptions every 10 s
      await telegramOnly.arena.tick();
      await telegramOnly.arena.idle();
      const updates = telegramOnly.events.filter((event) => event.type === "leaderboard.update");
      expect(updates.map((event) => event.place.platform)).toEqual(["telegram"]);
    } finally {
      await telegramOnly.close();
    }
  });
});

describe("failures of a model", () => {
  const cases = [
    ["a timeout", { delayMs: 1500 }, /too long/],
    [
      "a 500 that outlasts the retries",
      {
        statuses: [
          { status: 500, retryAfterMs: 10 },
          { status: 500, retryAfterMs: 10 },
          { status: 500, retryAfterMs: 10 },
        ],
      },
      /HTTP 500/,
    ],
    [
      "a cut stream",
      { cutAfterChunks: 1, text: "one two three four five six seven eight nine ten" },
      /cut off/,
    ],
    ["an empty answer", { text: "" }, /empty answer/],
  ] as const;
  for (const [name, behaviour, message] of cases) {
    it(`marks the battle errored on ${name}, counts nothing and moves the model's outage state`, async () => {
      harness = await createHarness({
        fake,
        models: [
          ["alpha", "fake-terse"],
          ["broken", "broken"],
        ],
        timeoutMs: 700,
      });
      fake.script("broken", behaviour);
      const { battleId } = await harness.battle(harness.ctx("1"), "Say hello");
      const [errored] = eventsOf("battle.errored");
      expect(errored?.battleId).toBe(battleId);
      expect(errored?.text).toMatch(message);
      expect((await harness.arena.store.getBattle(battleId))?.state).toBe("errored");
      expect((await pressVote("2", battleId, "a")).text).toMatch(/failed/);
      expect(await harness.arena.store.aggregateCounts("overall")).toEqual([]);
      expect((await harness.arena.store.getModel("broken"))?.consecutiveFailures).toBe(1);
      expect((await harness.arena.store.getModel("alpha"))?.consecutiveFailures).toBe(0);
    });
  }

  it("succeeds after a 429 with Retry-After, and a success resets the failure count", async () => {
    harness = await createHarness({
      fake,
      models: [
        ["alpha", "fake-terse"],
        ["busy", "busy"],
      ],
    });
    fake.script("busy", { statuses: [{ status: 429, retryAfterMs: 50 }], text: "Fine, here you go." });
    const { battleId } = await harness.battle(harness.ctx("1"), "Say hello");
    expect(eventsOf("battle.turn").map((event) => event.battleId)).toEqual([battleId]);
    expect(fake.requests.filter((request) => request.model === "busy")).toHaveLength(2);
  });

  it("puts a model in outage after three failures in a row and pairs around it", async () => {
    harness = await createHarness({
      fake,
      models: [
        ["alpha", "fake-terse"],
        ["beta", "fake-pirate"],
        ["broken", "broken"],
      ],
      timeoutMs: 700,
    });
    fake.script("broken", { statuses: Array.from({ length: 30 }, () => ({ status: 503 })) });
    let attempts = 0;
    while (((await harness.arena.store.getModel("broken"))?.consecutiveFailures ?? 0) < 3 && attempts < 40) {
      await harness.battle(harness.ctx("1"), `Attempt ${attempts++} at a question`);
    }
    const broken = await harness.arena.store.getModel("broken");
    expect(broken?.outageUntil?.getTime()).toBeGreaterThan(harness.clock.now.getTime());
    for (let index = 0; index < 5; index++) {
      const { battleId } = await harness.battle(harness.ctx("1"), `After the outage ${index}`);
      const battle = await harness.arena.store.getBattle(battleId);
      expect([battle?.modelA, battle?.modelB]).not.toContain("broken");
    }
  });
});

describe("an endpoint down for minutes", () => {
  it("stays out of pairing while down, gets a trial when its cool-down ends, and is back once healthy", async () => {
    harness = await createHarness({
      fake,
      models: [
        ["alpha", "fake-terse"],
        ["beta", "fake-pirate"],
        ["flaky", "flaky"],
      ],
    });
    // Down: 503 asking for a wait longer than any deadline, so each failure is immediate (no retry sleeps).
    fake.script("flaky", {
      statuses: Array.from({ length: 50 }, () => ({ status: 503, retryAfterMs: 3_600_000 })),
    });
    const flaky = () => harness.arena.store.getModel("flaky");
    const paired = async (prompt: string) => {
      const { battleId } = await harness.battle(harness.ctx("1"), prompt);
      const battle = await harness.arena.store.getBattle(battleId);
      return [battle?.modelA, battle?.modelB].includes("flaky");
    };
    /** Battles until one pairs flaky (its trial); false if none did in 40. */
    const untilPaired = async (label: string) => {
      for (let index = 0; index < 40; index++) if (await paired(`${label} ${index}`)) return true;
      return false;
    };
    for (let failures = 1; failures <= 3; failures++) {
      expect(await untilPaired(`Down ${failures}`)).toBe(true);
      expect((await flaky())?.consecutiveFailures).toBe(failures);
    }
    expect((await flaky())?.outageUntil?.getTime()).toBe(harness.clock.now.getTime() + 60_000);
    harness.clock.advance(59);
    for (let index = 0; index < 8; index++) expect(await paired(`Cooling ${index}`)).toBe(false);

    // One minute on, still down: the trial fails and the cool-down doubles.
    harness.clock.advance(2);
    expect(await untilPaired("Trial")).toBe(true);
    expect((await flaky())?.consecutiveFailures).toBe(4);
    expect((await flaky())?.outageUntil?.getTime()).toBe(harness.clock.now.getTime() + 120_000);
    harness.clock.advance(100);
    for (let index = 0; index < 8; index++) expect(await paired(`Still cooling ${index}`)).toBe(false);

    // Healthy again: after the cool-down its next battle succeeds and it is back in pairing for good.
    fake.script("flaky", { text: "Back and well." });
    harness.clock.advance(21);
    expect(await untilPaired("Healthy")).toBe(true);
    expect(await flaky()).toMatchObject({ consecutiveFailures: 0, outageUntil: null });
    expect(await untilPaired("Paired again")).toBe(true);
  });
});

describe("leaderboards", () => {
  it("pages a long leaderboard with opaque buttons, and a category as people type it", async () => {
    harness = await createHarness({ fake });
    const store = harness.arena.store as OpenedStore;
    const rows = [];
    for (let i = 0; i < 25; i++) {
      for (let j = i + 1; j < 25; j++) {
        rows.push({
          modelA: `m${String(i).padStart(2, "0")}`,
          modelB: `m${String(j).padStart(2, "0")}`,
          outcome: 1,
          count: 3,
        });
        rows.push({
          modelA: `m${String(i).padStart(2, "0")}`,
          modelB: `m${String(j).padStart(2, "0")}`,
          outcome: 0,
          count: 1,
        });
      }
    }
    await store.addAggregateCounts("overall", rows);
    const first = await harness.command(harness.ctx("1"), "leaderboard", {});
    expect(first.leaderboard?.board.models).toHaveLength(25);
    expect(first.leaderboard?.page).toBe(0);
    const next = first.buttons?.flat().find((button) => /Next/.test(button.label));
    expect(next?.id).toMatch(/^p:/);
    const pressed = await harness.arena.press(harness.ctx("2"), next?.id ?? "");
    expect("reply" in pressed && pressed.reply.leaderboard?.page).toBe(1);
    const previous = "reply" in pressed ? pressed.reply.buttons?.flat().map((button) => button.label) : [];
    expect(previous).toEqual([expect.stringMatching(/Previous/)]);

    const french = await harness.command(harness.ctx("1"), "leaderboard", { category: "French" });
    expect(french.text).toMatch(/No counted battles yet in French/);
    const unknown = await harness.command(harness.ctx("1"), "leaderboard", { category: "klingon" });
    expect(unknown.refused).toBe(true);
  });
});

describe("commands and permissions", () => {
  it("refuses an owner command to a member and audits the refusal", async () => {
    harness = await createHarness({ fake });
    const reply = await harness.command(harness.ctx("5"), "model", { subcommand: "disable", name: "alpha" });
    expect(reply.visibility).toBe("private");
    expect(reply.text).toMatch(/only the arena's owners may use it/);
    expect((await harness.arena.store.getModel("alpha"))?.enabled).toBe(true);
    const [entry] = await harness.arena.store.auditLog(5);
    expect(entry?.allowed).toBe(false);
  });

  it("lets a moderator manage the registry and never takes a key for a key name", async () => {
    harness = await createHarness({ fake });
    const moderator = harness.ctx("999");
    const bad = await harness.command(moderator, "model", {
      subcommand: "add",
      name: "gpt",
      base_url: "https://api.openai.com/v1",
      model: "gpt-4o",
      api_key_env: "sk-abcdefghijklmnopqrstuvwxyz0123456789",
    });
    expect(bad.text).toMatch(/NAME of an environment variable/);
    expect(bad.text).not.toContain("sk-abcdefghijklmnopqrstuvwxyz0123456789");
    expect(await harness.arena.store.getModel("gpt")).toBeNull();
    const [refusedEntry] = await harness.arena.store.auditLog(1);
    expect(refusedEntry).toMatchObject({ action: "model.add", allowed: false });
    expect(JSON.stringify(refusedEntry)).not.toContain("sk-abcdefghijklmnopqrstuvwxyz0123456789");

    const added = await harness.command(moderator, "model", {
      subcommand: "add",
      name: "gamma",
      base_url: fake.url,
      model: "fake-thorough",
      aliases: "Gamma-1, GammaBot",
    });
    expect(added.text).toMatch(/Added gamma/);
    expect((await harness.arena.store.getModel("gamma"))?.aliases).toEqual(["Gamma-1", "GammaBot"]);
    const refused = await harness.command(harness.ctx("1"), "battle", { prompt: "Hey GammaBot, hi" });
    expect(refused.battle).toBeUndefined();

    await harness.command(moderator, "model", { subcommand: "disable", name: "gamma" });
    expect((await harness.arena.store.getModel("gamma"))?.enabled).toBe(false);
    const list = await harness.command(moderator, "model", { subcommand: "list" });
    expect(list.text).toMatch(/gamma .*disabled/);
    const entries = await harness.arena.store.auditLog(10);
    expect(entries.map((entry) => entry.action)).toEqual(
      expect.arrayContaining(["model.add", "model.disable"]),
    );
  });

  it("publishes a leaderboard update to a subscribed channel when a battle with counted votes closes", async () => {
    harness = await createHarness({ fake });
    const moderator = harness.ctx("999", { channel: "updates" });
    const subscribed = await harness.command(moderator, "arena", { subcommand: "subscribe" });
    expect(subscribed.text).toMatch(/leaderboard updates/);
    const { battleId } = await harness.battle(
      harness.ctx("1"),
      "Which is heavier, a kilo of feathers or steel?",
    );
    await pressVote("2", battleId, "a");
    await harness.arena.idle();
    expect(eventsOf("leaderboard.update")).toEqual([]);
    await harness.arena.closeBattle(battleId, "creator");
    await harness.arena.idle();
    const updates = eventsOf("leaderboard.update");
    expect(updates).toHaveLength(1);
    expect(updates[0]?.place.channel).toBe("updates");
    expect(updates[0]?.view.board.models).toHaveLength(2);
  });
});
