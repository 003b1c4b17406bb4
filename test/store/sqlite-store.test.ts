import { describe, expect, it } from "vitest";
import type { BattleRecord } from "../../src/arena/store.ts";
import type { BattleState, VoteChoice, VoteExclusion } from "../../src/arena/types.ts";
import { canonicalOutcome } from "../../src/store/common.ts";
import { modelInput, newBattle, PLACE, seededRandom, tempStorePerTest } from "./helpers.ts";

const temp = tempStorePerTest();

const T0 = 1_700_000_000_000;
const at = (seconds: number) => new Date(T0 + seconds * 1000);

async function openBattle(
  modelA = "alpha",
  modelB = "beta",
  categories = ["overall"],
): Promise<BattleRecord> {
  const battle = await temp.store.createBattle(newBattle(modelA, modelB, { categories }));
  const opened = await temp.store.transitionBattle(battle.id, ["generating"], "open", at(1), {
    closesAt: at(3600),
  });
  if (!opened) throw new Error("could not open");
  return opened;
}

async function close(battleId: string): Promise<BattleRecord> {
  const closed = await temp.store.transitionBattle(battleId, ["open"], "closed", at(3600));
  if (!closed) throw new Error("could not close");
  return closed;
}

function vote(battleId: string, voterHash: string, choice: VoteChoice, exclusions: VoteExclusion[] = []) {
  return temp.store.recordVote({ battleId, voterHash, choice, at: at(10), exclusions });
}

describe("registry", () => {
  it("adds, refuses a second add, updates, removes", async () => {
    const added = await temp.store.addModel(modelInput("alpha"), "discord:Mod");
    expect(added).toMatchObject({
      name: "alpha",
      aliases: ["alpha-alias"],
      enabled: true,
      consecutiveFailures: 0,
      outageUntil: null,
      countedBattles: 0,
      addedBy: "discord:Mod",
    });
    expect(await temp.store.addModel(modelInput("alpha", { weight: 9 }), "x")).toBeNull();
    expect((await temp.store.getModel("alpha"))?.weight).toBe(1);

    const updated = await temp.store.updateModel("alpha", {
      weight: 2.5,
      enabled: false,
      aliases: ["A", "Alf"],
    });
    expect(updated).toMatchObject({
      weight: 2.5,
      enabled: false,
      aliases: ["A", "Alf"],
      baseUrl: modelInput("a").baseUrl,
    });
    expect(await temp.store.updateModel("ghost", { weight: 1 })).toBeNull();

    expect(await temp.store.removeModel("alpha")).toBe(true);
    expect(await temp.store.removeModel("alpha")).toBe(false);
    expect(await temp.store.getModel("alpha")).toBeNull();
  });

  it("upsert updates the configuration and keeps outage and counters", async () => {
    await temp.store.upsertModel(modelInput("alpha"), "config");
    await temp.store.upsertModel(modelInput("beta"), "config");
    await temp.store.recordModelFailure("alpha", () => at(600));
    const battle = await openBattle();
    await vote(battle.id, "v1", "a");
    await close(battle.id);

    const again = await temp.store.upsertModel(modelInput("alpha", { weight: 3, aliases: ["Al"] }), "config");
    expect(again).toMatchObject({ weight: 3, aliases: ["Al"], consecutiveFailures: 1, countedBattles: 1 });
    expect(again.outageUntil).toEqual(at(600));
    expect((await temp.store.listModels()).map((m) => m.name)).toEqual(["alpha", "beta"]);
  });

  it("tracks failures and outage, reset by a success", async () => {
    await temp.store.addModel(modelInput("alpha"), "config");
    expect((await temp.store.recordModelFailure("alpha", () => null))?.consecutiveFailures).toBe(1);
    const seen: number[] = [];
    const second = await temp.store.recordModelFailure("alpha", (failures) => {
      seen.push(failures);
      return at(60);
    });
    expect(seen).toEqual([2]);
    expect(second).toMatchObject({ consecutiveFailures: 2, outageUntil: at(60) });
    await temp.store.recordModelSuccess("alpha");
    expect(await temp.store.getModel("alpha")).toMatchObject({ consecutiveFailures: 0, outageUntil: null });
    expect(await temp.store.recordModelFailure("ghost", () => null)).toBeNull();
  });

  it("a removed model's battles keep its name", async () => {
    await temp.store.addModel(modelInput("alpha"), "config");
    const battle = await openBattle("alpha", "beta");
    await temp.store.removeModel("alpha");
    expect((await temp.store.getBattle(battle.id))?.modelA).toBe("alpha");
    const result = await vote(battle.id, "v1", "a");
    expect(result.kind).toBe("recorded");
    await close(battle.id);
    expect(await temp.store.aggregateCounts("overall")).toEqual([
      { modelA: "alpha", modelB: "beta", outcome: 1, count: 1 },
    ]);
  });
});

describe("battles", () => {
  it("creates a battle generating, with the prompt as turn 1 of both sides and a short id", async () => {
    const battle = await temp.store.createBattle(
      newBattle("alpha", "beta", { categories: ["overall", "coding"] }),
    );
    expect(battle.id.length).toBeLessThanOrEqual(24);
    expect(battle.id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(battle).toMatchObject({
      place: PLACE,
      state: "generating",
      categories: ["overall", "coding"],
      closesAt: null,
      closedAt: null,
      outcome: null,
      countedVotes: 0,
      messageIds: [],
    });
    expect(battle.turns.map((t) => [t.turn, t.side, t.userContent, t.content])).toEqual([
      [1, "a", "Write a haiku about SQLite.", null],
      [1, "b", "Write a haiku about SQLite.", null],
    ]);
    const other = await temp.store.createBattle(newBattle("alpha", "beta"));
    expect(other.id).not.toBe(battle.id);
  });

  it("stores answers, follow-up turns and the new categories", async () => {
    const answered = {
      turn: 1,
      side: "a",
      content: "Pages in a B-tree",
      promptTokens: 12,
      completionTokens: 5,
      latencyMs: 340,
      finishReason: "stop",
      error: null,
    } as const;
    const timedOut = {
      turn: 1,
      side: "b",
      content: null,
      promptTokens: null,
      completionTokens: null,
      latencyMs: 30000,
      finishReason: null,
      error: "timeout: no answer within 30s",
    } as const;
    const battle = await temp.store.createBattle(newBattle("alpha", "beta"));
    await temp.store.saveAnswer(battle.id, { ...answered, userContent: "ignored when the row exists" });
    await temp.store.saveAnswer(battle.id, { ...timedOut, userContent: "" });
    await temp.store.addUserTurn(battle.id, 2, "Now in French", ["overall", "multi_turn"]);
    const stored = await temp.store.getBattle(battle.id);
    expect(stored?.categories).toEqual(["overall", "multi_turn"]);
    // The first turn's question is the battle's prompt, whatever userContent the answer came with.
    expect(stored?.turns).toEqual([
      { ...answered, userContent: "Write a haiku about SQLite." },
      { ...timedOut, userContent: "Write a haiku about SQLite." },
      expect.objectContaining({ turn: 2, side: "a", userContent: "Now in French", content: null }),
      expect.objectContaining({ turn: 2, side: "b", userContent: "Now in French", content: null }),
    ]);
  });

  it("moves through its lifecycle only from the expected states", async () => {
    const battle = await temp.store.createBattle(newBattle("alpha", "beta"));
    const opened = await temp.store.transitionBattle(battle.id, ["generating"], "open", at(5), {
      closesAt: at(65),
    });
    expect(opened).toMatchObject({ state: "open", closesAt: at(65), closedAt: null });
    expect(
      await temp.store.transitionBattle(battle.id, ["generating"], "errored", at(6), { reason: "late" }),
    ).toBeNull();
    expect((await temp.store.getBattle(battle.id))?.state).toBe("open");

    const closed = await temp.store.transitionBattle(battle.id, ["open"], "closed", at(70));
    expect(closed).toMatchObject({ state: "closed", closesAt: at(65), closedAt: at(70), reason: null });
    expect(await temp.store.transitionBattle(battle.id, ["open"], "closed", at(71))).toBeNull();
    expect(await temp.store.transitionBattle("no-such-battle", ["open"], "closed", at(71))).toBeNull();

    const leaked = await temp.store.createBattle(newBattle("alpha", "beta"));
    const discarded = await temp.store.transitionBattle(
      leaked.id,
      ["generating", "open"],
      "discarded",
      at(8),
      {
        reason: "Model A named itself",
      },
    );
    expect(discarded).toMatchObject({ state: "discarded", closedAt: at(8), reason: "Model A named itself" });
  });

  it("two stores racing to close one battle: exactly one wins", async () => {
    const battle = await openBattle();
    const other = await temp.openAnother();
    const results = await Promise.all([
      temp.store.transitionBattle(battle.id, ["open"], "closed", at(100)),
      other.transitionBattle(battle.id, ["open"], "closed", at(100)),
    ]);
    await other.close();
    expect(results.filter((r) => r !== null)).toHaveLength(1);
  });

  it("lists battles due to close by closesAt, and battles left in a state", async () => {
    const early = await openBattle();
    await temp.store.transitionBattle(early.id, ["open"], "open", at(2), { closesAt: at(100) });
    const late = await openBattle();
    await temp.store.transitionBattle(late.id, ["open"], "open", at(2), { closesAt: at(200) });
    const closed = await openBattle();
    await temp.store.transitionBattle(closed.id, ["open"], "closed", at(50));
    const stuck = await temp.store.createBattle(newBattle("alpha", "beta"));

    expect((await temp.store.battlesDueToClose(at(99), 10, ["discord"])).map((b) => b.id)).toEqual([]);
    expect((await temp.store.battlesDueToClose(at(100), 10, ["discord"])).map((b) => b.id)).toEqual([
      early.id,
    ]);
    expect((await temp.store.battlesDueToClose(at(500), 10, ["discord"])).map((b) => b.id)).toEqual([
      early.id,
      late.id,
    ]);
    expect((await temp.store.battlesDueToClose(at(500), 1, ["discord"])).map((b) => b.id)).toEqual([
      early.id,
    ]);
    // A process closes only the battles of the platforms it serves (the reveal is posted by their adapter).
    expect(await temp.store.battlesDueToClose(at(500), 10, ["telegram"])).toEqual([]);
    expect(await temp.store.battlesDueToClose(at(500), 10, [])).toEqual([]);
    expect((await temp.store.battlesInState("generating")).map((b) => b.id)).toEqual([stuck.id]);
  });

  it("remembers messages and finds the battle by channel or by thread", async () => {
    const battle = await temp.store.createBattle(newBattle("alpha", "beta"));
    await temp.store.placeBattle(battle.id, { ...PLACE, thread: "thread-7" });
    await temp.store.rememberMessage(battle.id, "m-1");
    await temp.store.rememberMessage(battle.id, "m-2");
    await temp.store.rememberMessage(battle.id, "m-2");

    expect((await temp.store.getBattle(battle.id))?.messageIds).toEqual(["m-1", "m-2"]);
    expect((await temp.store.getBattle(battle.id))?.place).toEqual({ ...PLACE, thread: "thread-7" });
    expect((await temp.store.battleForMessage("discord", "thread-7", "m-1"))?.id).toBe(battle.id);
    expect((await temp.store.battleForMessage("discord", "channel-1", "m-2"))?.id).toBe(battle.id);
    expect(await temp.store.battleForMessage("telegram", "thread-7", "m-1")).toBeNull();
    expect(await temp.store.battleForMessage("discord", "elsewhere", "m-1")).toBeNull();
    expect(await temp.store.battleForMessage("discord", "thread-7", "m-3")).toBeNull();
    await expect(temp.store.rememberMessage("no-such-battle", "m-4")).rejects.toThrow(/unknown battle/);
  });
});

describe("votes", () => {
  it("counts an open battle's votes in its outcome and tally, and in the aggregates only as it closes", async () => {
    await temp.store.addModel(modelInput("alpha"), "config");
    await temp.store.addModel(modelInput("beta"), "config");
    // "beta" shown as A: the canonical row is (alpha, beta) with the outcome flipped.
    const battle = await openBattle("beta", "alpha", ["overall", "coding"]);

    const first = await vote(battle.id, "v1", "a");
    expect(first).toMatchObject({ kind: "recorded", counted: true, exclusions: [] });
    if (first.kind !== "recorded") throw new Error("unreachable");
    expect(first.battle).toMatchObject({ outcome: 1, countedVotes: 1 });

    await vote(battle.id, "v2", "bad");
    await vote(battle.id, "v3", "b");
    const stored = await temp.store.getBattle(battle.id);
    expect(stored).toMatchObject({ countedVotes: 3, outcome: 0.5 });
    expect(await temp.store.tally(battle.id)).toEqual({ a: 1, b: 1, tie: 0, bad: 1 });
    // While it is open, nothing a reader can see has moved: no side channel on which models it pits.
    expect(await temp.store.aggregateCounts("overall")).toEqual([]);
    expect(await temp.store.categories()).toEqual([]);
    expect(await temp.store.aggregatesVersion()).toBe(0);
    expect((await temp.store.getModel("alpha"))?.countedBattles).toBe(0);
    let exportedWhileOpen = 0;
    for await (const _ of temp.store.countedBattles()) exportedWhileOpen++;
    expect(exportedWhileOpen).toBe(0);

    await close(battle.id);
    // One battle is one comparison however many vote, at the mean of its votes when it closed.
    for (const category of ["overall", "coding"]) {
      expect(await temp.store.aggregateCounts(category)).toEqual([
        { modelA: "alpha", modelB: "beta", outcome: 0.5, count: 1 },
      ]);
    }
    expect(await temp.store.categories()).toEqual([
      { category: "coding", battles: 1 },
      { category: "overall", battles: 1 },
    ]);
    expect(await temp.store.aggregatesVersion()).toBe(1);
    expect((await temp.store.getModel("alpha"))?.countedBattles).toBe(1);
    expect((await temp.store.getModel("beta"))?.countedBattles).toBe(1);
    expect(await temp.store.countVotesSince("v1", at(10))).toBe(1);
    expect(await temp.store.countVotesSince("v1", at(11))).toBe(0);
  });

  it("takes no vote while generating, adds the battle state's exclusion and keeps uncounted votes out of every count", async () => {
    const generating = await temp.store.createBattle(newBattle("alpha", "beta"));
    expect(await vote(generating.id, "v1", "a")).toMatchObject({ kind: "not_open" });
    expect(await temp.store.votesOf(generating.id)).toEqual([]);
    const cases: [BattleState, VoteExclusion][] = [
      ["closed", "after_reveal"],
      ["discarded", "leak"],
      ["errored", "error"],
    ];
    for (const [state, exclusion] of cases) {
      const battle = await temp.store.createBattle(newBattle("alpha", "beta"));
      if (state !== "generating") await temp.store.transitionBattle(battle.id, ["generating"], state, at(2));
      const result = await vote(battle.id, "v1", "a", ["rate_limit"]);
      expect(result).toMatchObject({
        kind: "recorded",
        counted: false,
        exclusions: ["rate_limit", exclusion],
      });
      expect((await temp.store.votesOf(battle.id))[0]).toMatchObject({
        voterHash: "v1",
        choice: "a",
        counted: false,
        exclusions: ["rate_limit", exclusion],
      });
      expect(await temp.store.tally(battle.id)).toEqual({ a: 0, b: 0, tie: 0, bad: 0 });
    }
    const open = await openBattle();
    expect(await vote(open.id, "v9", "b", ["flagged_voter"])).toMatchObject({
      kind: "recorded",
      counted: false,
      exclusions: ["flagged_voter"],
    });
    expect(await temp.store.aggregateCounts("overall")).toEqual([]);
    expect(await temp.store.aggregatesVersion()).toBe(0);
    expect(await temp.store.countVotesSince("v1", at(0))).toBe(0);
    let exported = 0;
    for await (const _ of temp.store.countedBattles()) exported++;
    expect(exported).toBe(0);
  });

  it("one vote per voter: a direct duplicate changes nothing", async () => {
    const battle = await openBattle();
    await vote(battle.id, "v1", "a");
    const again = await vote(battle.id, "v1", "b");
    expect(again.kind).toBe("duplicate");
    expect(await temp.store.votesOf(battle.id)).toHaveLength(1);
    expect(await temp.store.tally(battle.id)).toEqual({ a: 1, b: 0, tie: 0, bad: 0 });
    await close(battle.id);
    expect(await temp.store.aggregateCounts("overall")).toEqual([
      { modelA: "alpha", modelB: "beta", outcome: 1, count: 1 },
    ]);
    expect(await vote("no-such-battle", "v1", "a")).toEqual({ kind: "unknown_battle" });
  });

  it("counts a voter's counted votes since any millisecond, as a scan of the votes would", async () => {
    const random = seededRandom(11);
    const cast: { voterHash: string; at: number; counted: boolean }[] = [];
    for (let index = 0; index < 60; index++) {
      const battle = await openBattle();
      for (const voterHash of ["v1", "v2"]) {
        if (random() < 0.3) continue;
        // Within 8 seconds, at millisecond precision, some votes on one second's edge.
        const ms = random() < 0.2 ? T0 + 1000 * Math.floor(random() * 8) : T0 + Math.floor(random() * 8000);
        const exclusions: VoteExclusion[] = random() < 0.2 ? ["rate_limit"] : [];
        await temp.store.recordVote({
          battleId: battle.id,
          voterHash,
          choice: "a",
          at: new Date(ms),
          exclusions,
        });
        cast.push({ voterHash, at: ms, counted: exclusions.length === 0 });
      }
    }
    const sinces = [T0 - 1, T0, T0 + 999, T0 + 1000, T0 + 1001, T0 + 8000];
    for (let index = 0; index < 100; index++) sinces.push(T0 + Math.floor(random() * 8200) - 100);
    for (const since of sinces) {
      for (const voterHash of ["v1", "v2", "v3"]) {
        const expected = cast.filter((v) => v.voterHash === voterHash && v.counted && v.at >= since).length;
        expect(await temp.store.countVotesSince(voterHash, new Date(since))).toBe(expected);
      }
    }
  });

  it("one vote per voter even for concurrent presses through two stores on one file", async () => {
    const other = await temp.openAnother();
    try {
      const battle = await openBattle();
      const presses = [];
      for (let voter = 0; voter < 40; voter++) {
        const choice: VoteChoice = voter % 3 === 0 ? "a" : voter % 3 === 1 ? "b" : "tie";
        const press = { battleId: battle.id, voterHash: `v${voter}`, choice, at: at(10), exclusions: [] };
        presses.push(temp.store.recordVote(press), other.recordVote(press));
      }
      const results = await Promise.all(presses);
      expect(results.filter((r) => r.kind === "recorded")).toHaveLength(40);
      expect(results.filter((r) => r.kind === "duplicate")).toHaveLength(40);
      expect(await other.votesOf(battle.id)).toHaveLength(40);
      expect((await temp.store.getBattle(battle.id))?.countedVotes).toBe(40);
      expect(await temp.store.aggregateCounts("overall")).toEqual(await other.recountFromVotes("overall"));
    } finally {
      await other.close();
    }
  });

  it("exports counted battles with their tally and turn count", async () => {
    const counted = await openBattle("alpha", "beta", ["overall", "english"]);
    await temp.store.addUserTurn(counted.id, 2, "and again", ["overall", "english", "multi_turn"]);
    await vote(counted.id, "v1", "a");
    await vote(counted.id, "v2", "tie");
    await close(counted.id);
    const stillOpen = await openBattle("alpha", "gamma");
    await vote(stillOpen.id, "v1", "a");
    const exported = [];
    for await (const battle of temp.store.countedBattles()) exported.push(battle);
    expect(exported).toEqual([
      {
        id: counted.id,
        modelA: "alpha",
        modelB: "beta",
        outcome: 0.75,
        tally: { a: 1, b: 0, tie: 1, bad: 0 },
        categories: ["overall", "english", "multi_turn"],
        platform: "discord",
        turns: 2,
        closedAt: at(3600),
        createdAt: counted.createdAt,
      },
    ]);
  });

  it("streams counted battles past one page, each once, in creation order", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 1010; i++) {
      const battle = await openBattle();
      await vote(battle.id, "v1", i % 2 ? "a" : "b");
      await close(battle.id);
      ids.push(battle.id);
    }
    const exported: string[] = [];
    for await (const battle of temp.store.countedBattles()) exported.push(battle.id);
    expect(exported).toEqual(ids);
  });
});

describe("addAggregateCounts", () => {
  it("adds canonical counts in bulk and moves the version", async () => {
    await temp.store.addAggregateCounts("overall", [
      { modelA: "beta", modelB: "alpha", outcome: 0.25, count: 7 },
      { modelA: "alpha", modelB: "beta", outcome: 0.75, count: 3 },
      { modelA: "alpha", modelB: "alpha", outcome: 1, count: 5 },
    ]);
    expect(await temp.store.aggregateCounts("overall")).toEqual([
      { modelA: "alpha", modelB: "beta", outcome: 0.75, count: 10 },
    ]);
    expect(await temp.store.categories()).toEqual([{ category: "overall", battles: 10 }]);
    expect(await temp.store.aggregatesVersion()).toBe(1);
  });
});

describe("canonicalOutcome", () => {
  it("puts the smaller name first and flips the outcome exactly", () => {
    const tally = { a: 2, b: 1, tie: 0, bad: 1 };
    expect(canonicalOutcome("alpha", "beta", tally)).toEqual({
      modelA: "alpha",
      modelB: "beta",
      outcome: 5 / 8,
    });
    expect(canonicalOutcome("beta", "alpha", tally)).toEqual({
      modelA: "alpha",
      modelB: "beta",
      outcome: 3 / 8,
    });
    expect(canonicalOutcome("alpha", "beta", { a: 0, b: 0, tie: 0, bad: 0 })).toBeNull();
  });
});

describe("channel settings, subscriptions, audit", () => {
  it("defaults, then saves channel settings per channel", async () => {
    expect(await temp.store.channelSettings(PLACE)).toEqual({
      place: PLACE,
      votingWindowSeconds: 3600,
      whoMayVote: "everyone",
    });
    await temp.store.saveChannelSettings({
      place: PLACE,
      votingWindowSeconds: 600,
      whoMayVote: "moderators",
    });
    await temp.store.saveChannelSettings({
      place: PLACE,
      votingWindowSeconds: 900,
      whoMayVote: "moderators",
    });
    expect(await temp.store.channelSettings({ ...PLACE, thread: "t" })).toMatchObject({
      votingWindowSeconds: 900,
      whoMayVote: "moderators",
    });
    expect((await temp.store.channelSettings({ ...PLACE, channel: "other" })).votingWindowSeconds).toBe(3600);
  });

  it("subscribes once per place and category, publishes, unsubscribes", async () => {
    const sub = await temp.store.subscribe(PLACE, "overall", 50, at(1));
    expect(sub).toMatchObject({
      place: PLACE,
      category: "overall",
      everyBattles: 50,
      lastTop: [],
      lastBattleTotal: 0,
    });
    const inThread = await temp.store.subscribe({ ...PLACE, thread: "t1" }, "overall", 10, at(2));
    expect(inThread.id).not.toBe(sub.id);
    expect(inThread.place).toEqual({ ...PLACE, thread: "t1" });

    const again = await temp.store.subscribe(PLACE, "overall", 20, at(3));
    expect(again).toMatchObject({ id: sub.id, everyBattles: 20, createdAt: at(1) });
    await temp.store.markPublished(sub.id, ["alpha", "beta"], 120);
    expect((await temp.store.subscriptions()).map((s) => [s.id, s.lastTop, s.lastBattleTotal])).toEqual([
      [sub.id, ["alpha", "beta"], 120],
      [inThread.id, [], 0],
    ]);
    expect(await temp.store.unsubscribe(PLACE, "overall")).toBe(true);
    expect(await temp.store.unsubscribe(PLACE, "overall")).toBe(false);
    expect((await temp.store.subscriptions()).map((s) => s.id)).toEqual([inThread.id]);
  });

  it("keeps an audit log, newest first, refused actions included", async () => {
    const base = { platform: "discord", actorHash: "h1", actorName: "Mod", target: "alpha" };
    await temp.store.audit({
      ...base,
      at: at(1),
      action: "model.add",
      details: { weight: 1 },
      allowed: true,
    });
    await temp.store.audit({
      ...base,
      at: at(2),
      action: "model.remove",
      details: { reason: "not a moderator" },
      allowed: false,
    });
    expect(await temp.store.auditLog(10)).toEqual([
      { ...base, at: at(2), action: "model.remove", details: { reason: "not a moderator" }, allowed: false },
      { ...base, at: at(1), action: "model.add", details: { weight: 1 }, allowed: true },
    ]);
    expect(await temp.store.auditLog(1)).toHaveLength(1);
  });
});

describe("a battle with counted votes", () => {
  it("is never discarded or errored, so no counted vote belongs to a battle that does not count", async () => {
    await temp.store.addModel(modelInput("alpha"), "config");
    await temp.store.addModel(modelInput("beta"), "config");
    const battle = await openBattle();
    await vote(battle.id, "v1", "a");
    expect(
      await temp.store.transitionBattle(battle.id, ["open"], "errored", at(5), { reason: "x" }),
    ).toBeNull();
    expect(
      await temp.store.transitionBattle(battle.id, ["open"], "discarded", at(5), { reason: "x" }),
    ).toBeNull();
    expect((await temp.store.getBattle(battle.id))?.state).toBe("open");
    expect(await temp.store.transitionBattle(battle.id, ["open"], "closed", at(5))).not.toBeNull();
  });
});

describe("instances sharing the database", () => {
  const ids = (battles: readonly BattleRecord[]) => battles.map((battle) => battle.id);

  it("finds the battles generating for an instance whose heartbeat is missing or stale, never its own", async () => {
    const create = (seconds: number, generatingInstance?: string) =>
      temp.store.createBattle(
        newBattle("alpha", "beta", {
          createdAt: at(seconds),
          ...(generatingInstance === undefined ? {} : { generatingInstance }),
        }),
      );
    const ofOne = await create(1, "one");
    const ofTwo = await create(2, "two");
    const ofNobody = await create(3);
    const ofGone = await create(4, "gone");
    const openedOfGone = await create(5, "gone");
    await temp.store.transitionBattle(openedOfGone.id, ["generating"], "open", at(6), { closesAt: at(100) });
    await temp.store.heartbeat("one", at(100));
    await temp.store.heartbeat("two", at(50));

    expect(ids(await temp.store.staleGeneratingBattles(at(70), "self", ["discord"]))).toEqual([
      ofTwo.id,
      ofNobody.id,
      ofGone.id,
    ]);
    expect(ids(await temp.store.staleGeneratingBattles(at(40), "self", ["discord"]))).toEqual([
      ofNobody.id,
      ofGone.id,
    ]);
    // Only battles of the platforms the caller serves.
    expect(await temp.store.staleGeneratingBattles(at(70), "self", ["telegram"])).toEqual([]);
    // An instance never recovers its own battles, however old its heartbeat.
    expect(ids(await temp.store.staleGeneratingBattles(at(70), "two", ["discord"]))).toEqual([
      ofNobody.id,
      ofGone.id,
    ]);
    expect(ids(await temp.store.staleGeneratingBattles(at(200), "one", ["discord"]))).toEqual([
      ofTwo.id,
      ofNobody.id,
      ofGone.id,
    ]);

    // A newer heartbeat makes the instance's battles live again.
    await temp.store.heartbeat("two", at(80));
    expect(ids(await temp.store.staleGeneratingBattles(at(70), "self", ["discord"]))).toEqual([
      ofNobody.id,
      ofGone.id,
    ]);

    // A follow-up moves a battle back to generating for the instance that generates it.
    await temp.store.transitionBattle(openedOfGone.id, ["open"], "generating", at(7), {
      generatingInstance: "one",
    });
    expect(ids(await temp.store.staleGeneratingBattles(at(70), "self", ["discord"]))).toEqual([
      ofNobody.id,
      ofGone.id,
    ]);
    await temp.store.transitionBattle(ofOne.id, ["generating"], "open", at(8), { closesAt: at(100) });
    await temp.store.transitionBattle(ofOne.id, ["open"], "generating", at(9), {
      generatingInstance: "gone",
    });
    expect(ids(await temp.store.staleGeneratingBattles(at(70), "self", ["discord"]))).toEqual([
      ofOne.id,
      ofNobody.id,
      ofGone.id,
    ]);
  });

  it("sees another store's heartbeats on the same file", async () => {
    const battle = await temp.store.createBattle(newBattle("alpha", "beta", { generatingInstance: "one" }));
    const other = await temp.openAnother();
    try {
      expect(ids(await other.staleGeneratingBattles(at(0), "two", ["discord"]))).toEqual([battle.id]);
      await temp.store.heartbeat("one", at(10));
      expect(ids(await other.staleGeneratingBattles(at(0), "two", ["discord"]))).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it("forgets the heartbeats of instances silent for a day", async () => {
    const battle = await temp.store.createBattle(newBattle("alpha", "beta", { generatingInstance: "old" }));
    const day = 24 * 3600;
    await temp.store.heartbeat("old", at(0));
    await temp.store.heartbeat("new", at(day));
    // The old heartbeat would still count as fresh for so lenient a limit: it is kept for a day.
    expect(ids(await temp.store.staleGeneratingBattles(at(-10), "new", ["discord"]))).toEqual([]);
    await temp.store.heartbeat("new", at(day + 1));
    expect(ids(await temp.store.staleGeneratingBattles(at(-10), "new", ["discord"]))).toEqual([battle.id]);
    // A live instance's own row is renewed, not deleted.
    await temp.store.heartbeat("old", at(day + 2));
    expect(ids(await temp.store.staleGeneratingBattles(at(day), "new", ["discord"]))).toEqual([]);
  });
});
