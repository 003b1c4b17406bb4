// The judge model, hard prompts, deduplication and the style-controlled view, through the engine against the fake
// OpenAI server (the judge on a server of its own, so where prompts go can be checked).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { HARD } from "../../src/arena/categories.ts";
import { JUDGE_ATTEMPTS, JUDGE_CRITERIA, type JudgeSettings } from "../../src/arena/judge.ts";
import type { Reply } from "../../src/arena/types.ts";
import { renderMonospaceTable, renderViewChart } from "../../src/render/index.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai/server.ts";
import { createHarness, type Harness, modelInput } from "./harness.ts";

let fake: FakeOpenAI;
let judgeFake: FakeOpenAI;
const harnesses: Harness[] = [];

beforeAll(async () => {
  fake = await startFakeOpenAI();
  judgeFake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake.close();
  await judgeFake.close();
});
afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.close();
  fake.reset();
  judgeFake.reset();
});

const JUDGE: JudgeSettings = { model: "judge", votes: true, reference: null };

/** An arena whose judge ("judge", disabled so it never battles) answers from its own fake server. */
async function arenaWithJudge(
  judge: JudgeSettings | null,
  models: readonly [string, string][] = [
    ["alpha", "fake-terse"],
    ["beta", "fake-thorough"],
  ],
): Promise<Harness> {
  const harness = await createHarness({ fake, models, ...(judge ? { judge } : {}) });
  harnesses.push(harness);
  await harness.arena.store.upsertModel(
    { ...modelInput("judge", judgeFake.url, "fake-judge"), enabled: false },
    "config",
  );
  return harness;
}

async function vote(harness: Harness, userId: string, battleId: string, choice: "a" | "b" | "tie") {
  const code = { a: "a", b: "b", tie: "t" }[choice];
  const result = await harness.arena.press(harness.ctx(userId), `v:${battleId}:${code}`);
  if (!("reply" in result)) throw new Error("a vote answers with a reply");
  expect(result.reply.text).toMatch(/You voted/);
}

/** A battle voted for `winner` (a model name, or "tie") by one member, then closed by its creator. */
async function votedBattle(harness: Harness, prompt: string, winner: string | null): Promise<string> {
  const creator = harness.ctx("1");
  const { battleId } = await harness.battle(creator, prompt);
  const battle = await harness.arena.store.getBattle(battleId);
  expect(battle?.state).toBe("open");
  if (winner !== null) {
    const choice = winner === "tie" ? "tie" : battle?.modelA === winner ? "a" : "b";
    await vote(harness, "2", battleId, choice);
  }
  const closed = await harness.arena.press(creator, `k:${battleId}`);
  expect("reply" in closed && closed.reply.text).toMatch(/closed/i);
  await harness.arena.idle();
  return battleId;
}

function judgeRequests(kind: "label" | "vote") {
  return judgeFake.requests.filter((request) => {
    const system = request.messages.find((message) => message.role === "system")?.content ?? "";
    return kind === "label" ? system.includes("seven criteria") : system.includes('"preferred"');
  });
}

function boardOrder(reply: Reply): string[] {
  return reply.leaderboard?.board.models.map((model) => model.model) ?? [];
}

describe("hard prompts", () => {
  it("labels each battle's prompt off the vote path; six or seven criteria make it hard, a category like the others", async () => {
    const harness = await arenaWithJudge({ ...JUDGE, votes: false });
    const hard = await votedBattle(harness, "[hard] Prove that there are infinitely many primes", "beta");
    const six = await votedBattle(harness, "[six] Design a cache for a web service", "alpha");
    const easy = await votedBattle(harness, "hello there", "alpha");

    const label = await harness.arena.store.judgeLabel(hard);
    expect(label?.criteria).toEqual([...JUDGE_CRITERIA]);
    expect(label?.judge).toBe("judge");
    expect((await harness.arena.store.judgeLabel(six))?.criteria).toHaveLength(6);
    expect((await harness.arena.store.judgeLabel(easy))?.criteria).toHaveLength(2);
    expect((await harness.arena.store.getBattle(hard))?.categories).toContain(HARD);
    expect((await harness.arena.store.getBattle(six))?.categories).toContain(HARD);
    expect((await harness.arena.store.getBattle(easy))?.categories).not.toContain(HARD);
    // One label request per battle, and no vote request (judge votes are off).
    expect(judgeRequests("label")).toHaveLength(3);
    expect(judgeRequests("vote")).toHaveLength(0);

    // The hard board holds exactly the two hard battles, and matches a recount from the votes.
    const reply = await harness.command(harness.ctx("5"), "leaderboard", { category: "hard" });
    expect(reply.text).toMatch(/Hard prompts: 2 models, 2 battles/);
    expect(await harness.arena.store.aggregateCounts(HARD)).toEqual(
      await harness.arena.store.recountFromVotes(HARD),
    );
  });

  it("retries malformed labels, then records the failure; the battle runs as usual", async () => {
    const harness = await arenaWithJudge({ ...JUDGE, votes: false });
    const malformed = await votedBattle(harness, "[malformed] What is 2 + 2?", "alpha");
    const wrongShape = await votedBattle(harness, "[wrong-keys] Name a colour", "beta");
    for (const battleId of [malformed, wrongShape]) {
      const label = await harness.arena.store.judgeLabel(battleId);
      expect(label?.criteria).toBeNull();
      expect(label?.attempts).toBe(JUDGE_ATTEMPTS);
      expect(label?.error).toMatch(/not the JSON asked for/);
      const battle = await harness.arena.store.getBattle(battleId);
      expect(battle?.state).toBe("closed");
      expect(battle?.countedVotes).toBe(1);
      expect(battle?.categories).not.toContain(HARD);
    }
    expect(judgeRequests("label")).toHaveLength(2 * JUDGE_ATTEMPTS);

    // A judge that answers well on its second try: labelled after two attempts.
    let calls = 0;
    judgeFake.script("fake-judge", {
      text: () =>
        ++calls === 1 ? "{oops" : JSON.stringify(Object.fromEntries(JUDGE_CRITERIA.map((c) => [c, true]))),
    });
    const retried = await votedBattle(harness, "Plan a trip to Mars", "alpha");
    const label = await harness.arena.store.judgeLabel(retried);
    expect(label).toMatchObject({ attempts: 2, error: null });
    expect(label?.criteria).toHaveLength(7);
  });

  it("sends prompts to the judge's endpoint only, and answers battles even when the judge is down", async () => {
    const harness = await arenaWithJudge({ ...JUDGE, votes: true });
    judgeFake.script("fake-judge", {
      statuses: Array.from({ length: 20 }, () => ({ status: 500, retryAfterMs: 1 })),
    });
    const battleId = await votedBattle(harness, "A private question about my health", "alpha");
    expect((await harness.arena.store.getBattle(battleId))?.countedVotes).toBe(1);
    expect((await harness.arena.store.judgeLabel(battleId))?.error).toMatch(/judge model failed/);
    // The contestants' server never saw a judge request; the judge's server saw nothing but judge requests.
    const judgeInstructions = (text: string) =>
      text.includes("seven criteria") || text.includes('"preferred"');
    for (const request of fake.requests) {
      expect(request.messages.some((message) => judgeInstructions(message.content))).toBe(false);
    }
    expect(judgeFake.requests.length).toBeGreaterThan(0);
    for (const request of judgeFake.requests) {
      expect(request.model).toBe("fake-judge");
      expect(judgeInstructions(request.messages[0]?.content ?? "")).toBe(true);
    }
  });
});

describe("judge votes", () => {
  it("vote in both orders; their board, human agreement and win rates against a reference stay apart from the human board", async () => {
    const harness = await arenaWithJudge({ ...JUDGE, reference: "alpha" });
    // The judge prefers the longer answer: beta (thorough) over alpha (terse), in both orders.
    const humans = ["beta", "beta", "alpha", "tie"];
    const battles: string[] = [];
    for (const [index, winner] of humans.entries()) {
      battles.push(await votedBattle(harness, `Question number ${index}: how do tides work?`, winner));
    }
    const biased = await votedBattle(harness, "[position] Which is better?", "alpha");
    const broken = await votedBattle(harness, "[malformed-vote] Tell me a joke", "beta");
    const unvoted = await votedBattle(harness, "Nobody votes on this one", null);

    for (const battleId of [...battles, unvoted]) {
      const record = await harness.arena.store.judgeVote(battleId);
      const battle = await harness.arena.store.getBattle(battleId);
      const beta = battle?.modelA === "beta" ? "a" : "b";
      expect(record).toMatchObject({ verdictAFirst: beta, verdictBFirst: beta, error: null, attempts: 2 });
      expect(record?.outcome).toBe(beta === "a" ? 1 : 0);
    }
    const tie = await harness.arena.store.judgeVote(biased);
    expect(tie?.outcome).toBe(0.5);
    expect(tie?.verdictAFirst).not.toBe(tie?.verdictBFirst);
    const failed = await harness.arena.store.judgeVote(broken);
    expect(failed?.outcome).toBeNull();
    expect(failed?.error).toMatch(/not the JSON asked for/);
    expect(failed?.attempts).toBe(2 * JUDGE_ATTEMPTS);
    // Two orders per battle: output 1 is model A in one request and model B in the other.
    expect(judgeRequests("vote").length).toBe(2 * 6 + 2 * JUDGE_ATTEMPTS);

    const reply = await harness.command(harness.ctx("5"), "leaderboard", { view: "judge" });
    expect(reply.leaderboard?.variant).toBe("judge");
    expect(reply.leaderboard?.categoryLabel).toBe("Overall · judge votes");
    expect(boardOrder(reply)).toEqual(["beta", "alpha"]);
    // Six battles with a judge outcome (the malformed one has none).
    expect(reply.leaderboard?.board.battles).toBe(6);
    // Agreement over the 6 closed battles with human votes: beta, beta → 1 each; alpha → 0; tie → 0.5;
    // position bias (judge tie) vs alpha → 0.5; the malformed vote has no judge outcome. (1+1+0+0.5+0.5)/5.
    expect(reply.text).toContain("Human–judge agreement: 60.0% over 5 battles");
    // Against the reference alpha, beta wins 5 judged battles and ties 1: (5 + 0.5) / 6.
    expect(reply.text).toMatch(/• beta: 91\.7% ± [0-9.]+ \/ [0-9.]+% \(6 battles\)/);
    expect(reply.text).toContain("never counted in the human leaderboard");

    // The human board of the same battles is another matter: humans preferred beta 2–1 with a tie.
    const human = await harness.command(harness.ctx("5"), "leaderboard", {});
    expect(human.leaderboard?.board.battles).toBe(6);
    expect(human.text).not.toContain("judge");
  });

  it("leaves the human leaderboard byte-identical", async () => {
    const script = async (harness: Harness) => {
      for (const [index, winner] of ["beta", "alpha", "beta", "tie", "beta"].entries()) {
        await votedBattle(harness, `[hard] Same script ${index}`, winner);
      }
      const reply = await harness.command(harness.ctx("5"), "leaderboard", {});
      const view = reply.leaderboard;
      if (!view) throw new Error("a leaderboard reply");
      const chart = await renderViewChart(view);
      return { text: reply.text, view: JSON.stringify(view), table: renderMonospaceTable(view.board), chart };
    };
    const withJudge = await script(await arenaWithJudge(JUDGE));
    const judgeVotes = (await harnesses[0]?.arena.store.judgedBattles())?.length;
    expect(judgeVotes).toBe(5);
    const without = await script(await arenaWithJudge(null));
    expect(await harnesses[1]?.arena.store.judgedBattles()).toEqual([]);
    expect(withJudge.text).toBe(without.text);
    expect(withJudge.view).toBe(without.view);
    expect(withJudge.table).toBe(without.table);
    expect(Buffer.from(withJudge.chart?.data ?? []).equals(Buffer.from(without.chart?.data ?? []))).toBe(
      true,
    );
    expect(withJudge.chart?.data.length).toBeGreaterThan(1000);
  });
});

describe("the judge's catch-up", () => {
  it("labels and votes on the battles its hooks missed, after a restart with a judge", async () => {
    const before = await arenaWithJudge(null);
    const hard = await votedBattle(before, "[hard] Derive the heat equation", "beta");
    const easy = await votedBattle(before, "say hi", "alpha");
    expect(judgeFake.requests).toHaveLength(0);
    await before.arena.stop();
    const after = await createHarness({
      fake,
      databasePath: before.databasePath,
      clock: before.clock,
      judge: JUDGE,
    });
    harnesses.push(after);
    await after.arena.idle();
    expect((await after.arena.store.judgeLabel(hard))?.criteria).toHaveLength(7);
    expect((await after.arena.store.judgeLabel(easy))?.criteria).toHaveLength(2);
    expect((await after.arena.store.getBattle(hard))?.categories).toContain(HARD);
    expect((await after.arena.store.judgedBattles()).map((battle) => battle.battleId).sort()).toEqual(
      [hard, easy].sort(),
    );
    expect(await after.arena.store.battlesAwaitingJudge(true, 10)).toEqual({ label: [], vote: [] });
    // Nothing is asked twice: one label request and two vote requests per battle.
    expect(judgeRequests("label")).toHaveLength(2);
    expect(judgeRequests("vote")).toHaveLength(4);
  });
});

describe("deduplication and style control in /leaderboard", () => {
  it("down-samples a frequent prompt and says how many battles it left out", async () => {
    const harness = await arenaWithJudge(null);
    for (let index = 0; index < 6; index++) await votedBattle(harness, "hi", "alpha");
    for (let index = 0; index < 6; index++) await votedBattle(harness, `distinct prompt ${index}`, "beta");
    const plain = await harness.command(harness.ctx("5"), "leaderboard", {});
    expect(plain.leaderboard?.board.battles).toBe(12);
    // Battles per prompt: 1 ×6 and 6 for "hi"; the median is 1, so "hi" keeps one battle.
    const deduped = await harness.command(harness.ctx("5"), "leaderboard", { dedup: 0.5 });
    expect(deduped.leaderboard?.board.battles).toBe(7);
    expect(deduped.leaderboard?.categoryLabel).toBe("Overall · deduplicated");
    expect(deduped.text).toContain("5 battles of 1 frequent prompt left out");
    // The same draw every time (seeded).
    const again = await harness.command(harness.ctx("5"), "leaderboard", { dedup: 0.5 });
    expect(JSON.stringify(again.leaderboard?.board)).toBe(JSON.stringify(deduped.leaderboard?.board));
    const refused = await harness.command(harness.ctx("5"), "leaderboard", { view: "judge", dedup: 0.5 });
    expect(refused.refused).toBe(true);
  });

  it("gives the plain ratings and order when both sides of every battle have the same style", async () => {
    // Three models with the same persona: both answers of every battle are the same text.
    const harness = await arenaWithJudge(null, [
      ["alpha", "fake-terse"],
      ["beta", "fake-terse"],
      ["gamma", "fake-terse"],
    ]);
    const strength: Record<string, number> = { alpha: 3, beta: 2, gamma: 1 };
    for (let index = 0; index < 18; index++) {
      const creator = harness.ctx("1");
      const { battleId } = await harness.battle(creator, `Question ${index} about the weather`);
      const battle = await harness.arena.store.getBattle(battleId);
      const a = strength[battle?.modelA ?? ""] ?? 0;
      const b = strength[battle?.modelB ?? ""] ?? 0;
      // The stronger model usually wins; every fifth battle goes the other way, so no model is unbeaten.
      const upset = index % 5 === 0;
      await vote(harness, "2", battleId, a > b !== upset ? "a" : "b");
      await harness.arena.press(creator, `k:${battleId}`);
    }
    const plain = await harness.command(harness.ctx("5"), "leaderboard", {});
    const style = await harness.command(harness.ctx("5"), "leaderboard", { view: "style" });
    expect(style.leaderboard?.categoryLabel).toBe("Overall · style controlled");
    expect(boardOrder(style)).toEqual(boardOrder(plain));
    expect(boardOrder(plain)[0]).toBe("alpha");
    for (const model of plain.leaderboard?.board.models ?? []) {
      const controlled = style.leaderboard?.board.models.find((entry) => entry.model === model.model);
      expect(controlled?.rating).toBeCloseTo(model.rating, 6);
    }
    expect(style.text).toContain("length — (no variation)");
    expect(style.text).toContain("bold — (no variation)");
  });

  it("prints the style coefficients when styles differ", async () => {
    const harness = await arenaWithJudge(null, [
      ["alpha", "fake-terse"],
      ["beta", "fake-thorough"],
      ["gamma", "fake-pirate"],
    ]);
    for (let index = 0; index < 9; index++) {
      await votedBattle(harness, `Topic ${index}`, ["beta", "alpha", "gamma"][index % 3] ?? "tie");
    }
    const style = await harness.command(harness.ctx("5"), "leaderboard", {
      view: "style",
      chart: "winfraction",
    });
    expect(style.text).toMatch(
      /Style coefficients .*length [+−]\d+\.\d{3} \[[+−]\d+\.\d{3}, [+−]\d+\.\d{3}\]/,
    );
    expect(style.leaderboard?.chart).toBe("winfraction");
    const chart = style.leaderboard ? await renderViewChart(style.leaderboard) : null;
    expect(chart?.description).toContain("style controlled");
  });
});
