// The store's judge tables and per-battle reads: labels that add the hard category (to the aggregates too when
// the battle is closed and counts), judge votes kept out of the human aggregates, and the rows the per-battle views read.
import { describe, expect, it } from "vitest";
import type { BattleRecord } from "../../src/arena/store.ts";
import { countStyle } from "../../src/arena/style-counts.ts";
import { rawQuery } from "./databases.ts";
import { newBattle, tempStorePerTest } from "./helpers.ts";

const temp = tempStorePerTest();
const at = (seconds: number) => new Date(1_700_000_000_000 + seconds * 1000);

async function answeredBattle(prompt: string, answers: { a: string; b: string }): Promise<BattleRecord> {
  const battle = await temp.store.createBattle({ ...newBattle("alpha", "beta"), prompt });
  for (const side of ["a", "b"] as const) {
    await temp.store.saveAnswer(battle.id, {
      turn: 1,
      side,
      userContent: prompt,
      content: answers[side],
      promptTokens: null,
      completionTokens: null,
      latencyMs: null,
      finishReason: "stop",
      error: null,
    });
  }
  const opened = await temp.store.transitionBattle(battle.id, ["generating"], "open", at(1), {
    closesAt: at(3600),
  });
  if (!opened) throw new Error("could not open");
  return opened;
}

const label = (battleId: string, criteria: string[] | null) => ({
  battleId,
  judge: "judge",
  criteria,
  attempts: 1,
  error: criteria === null ? "malformed" : null,
  at: at(2),
});

describe("judge labels", () => {
  it("add the hard category: to a closed battle's aggregates at once, to an open one's as it closes", async () => {
    const vote = (battleId: string) =>
      temp.store.recordVote({ battleId, voterHash: "v1", choice: "b", at: at(5), exclusions: [] });
    const closed = await answeredBattle("Prove it", { a: "x", b: "y" });
    await vote(closed.id);
    await temp.store.transitionBattle(closed.id, ["open"], "closed", at(6));
    const version = await temp.store.aggregatesVersion();
    await temp.store.saveJudgeLabel(label(closed.id, ["specificity"]), "hard");
    expect((await temp.store.getBattle(closed.id))?.categories).toContain("hard");
    expect(await temp.store.aggregateCounts("hard")).toEqual(await temp.store.recountFromVotes("hard"));
    expect(await temp.store.aggregateCounts("hard")).toEqual([
      { modelA: "alpha", modelB: "beta", outcome: 0, count: 1 },
    ]);
    expect(await temp.store.aggregatesVersion()).toBeGreaterThan(version);
    // Saving again changes nothing twice.
    await temp.store.saveJudgeLabel(label(closed.id, ["specificity"]), "hard");
    expect((await temp.store.aggregateCounts("hard"))[0]?.count).toBe(1);
    expect((await temp.store.judgeLabel(closed.id))?.criteria).toEqual(["specificity"]);

    const open = await answeredBattle("Prove that", { a: "x", b: "y" });
    await vote(open.id);
    await temp.store.saveJudgeLabel(label(open.id, ["specificity"]), "hard");
    expect((await temp.store.aggregateCounts("hard"))[0]?.count).toBe(1);
    await temp.store.transitionBattle(open.id, ["open"], "closed", at(7));
    expect((await temp.store.aggregateCounts("hard"))[0]?.count).toBe(2);
    expect(await temp.store.aggregateCounts("hard")).toEqual(await temp.store.recountFromVotes("hard"));
  });

  it("survive a follow-up turn, whose categories are recomputed from its text", async () => {
    const battle = await answeredBattle("Prove it", { a: "x", b: "y" });
    await temp.store.saveJudgeLabel(label(battle.id, null), null);
    expect((await temp.store.getBattle(battle.id))?.categories).not.toContain("hard");
    await temp.store.saveJudgeLabel(label(battle.id, ["a", "b", "c", "d", "e", "f"]), "hard");
    await temp.store.addUserTurn(battle.id, 2, "and more", ["overall", "multiturn"]);
    expect((await temp.store.getBattle(battle.id))?.categories).toEqual(["overall", "multiturn", "hard"]);
  });
});

describe("judge votes", () => {
  it("are kept apart from the human aggregates; the human outcome is known once the battle is closed", async () => {
    const battle = await answeredBattle("Which?", { a: "short", b: "a much longer answer" });
    await temp.store.recordVote({
      battleId: battle.id,
      voterHash: "v1",
      choice: "a",
      at: at(5),
      exclusions: [],
    });
    const before = {
      version: await temp.store.aggregatesVersion(),
      counts: await temp.store.aggregateCounts("overall"),
    };
    await temp.store.saveJudgeVote({
      battleId: battle.id,
      judge: "judge",
      verdictAFirst: "b",
      verdictBFirst: "b",
      outcome: 0,
      attempts: 2,
      error: null,
      at: at(6),
    });
    expect(await temp.store.aggregatesVersion()).toBe(before.version);
    expect(await temp.store.aggregateCounts("overall")).toEqual(before.counts);
    expect((await temp.store.judgedBattles())[0]).toMatchObject({ judgeOutcome: 0, humanOutcome: null });
    await temp.store.transitionBattle(battle.id, ["open"], "closed", at(7));
    expect(await temp.store.judgedBattles()).toEqual([
      {
        battleId: battle.id,
        modelA: "alpha",
        modelB: "beta",
        categories: battle.categories,
        judgeOutcome: 0,
        humanOutcome: 1,
        answerA: "short",
        answerB: "a much longer answer",
      },
    ]);
  });
});

describe("rankingBattles", () => {
  it("returns counted battles of a category with their prompts and style counts", async () => {
    const counted = await answeredBattle("hi", { a: "# Title\n**bold**", b: "- one\n- two" });
    await answeredBattle("not voted", { a: "x", b: "y" });
    await temp.store.recordVote({
      battleId: counted.id,
      voterHash: "v1",
      choice: "tie",
      at: at(5),
      exclusions: [],
    });
    expect(await temp.store.rankingBattles("overall")).toEqual([]);
    await temp.store.transitionBattle(counted.id, ["open"], "closed", at(6));
    expect(await temp.store.rankingBattles("overall")).toEqual([
      {
        id: counted.id,
        modelA: "alpha",
        modelB: "beta",
        outcome: 0.5,
        prompt: "hi\n",
        styleA: countStyle("# Title\n**bold**"),
        styleB: countStyle("- one\n- two"),
      },
    ]);
    expect(await temp.store.rankingBattles("coding")).toEqual([]);
  });

  it("keeps each answer's style counts as it is saved, and counts rows saved before that from their text", async () => {
    const answers = { a: "## Plan\n1. one\n2. two\n**done**", b: "plain" };
    const battle = await answeredBattle("plan it", answers);
    const kept = await rawQuery(
      temp.databaseUrl,
      `SELECT side, style_tokens AS tokens, style_headers AS headers, style_lists AS lists, style_bold AS bold
      FROM turns WHERE battle_id = ? ORDER BY side`,
      [battle.id],
    );
    expect(kept).toEqual([
      { side: "a", ...countStyle(answers.a) },
      { side: "b", ...countStyle(answers.b) },
    ]);
    expect(kept[0]).toMatchObject({ headers: 1, lists: 2, bold: 1 });

    // The stored counts are what the views read: changed by hand, they show; cleared, the text is counted.
    await rawQuery(
      temp.databaseUrl,
      "UPDATE turns SET style_headers = 9 WHERE battle_id = ? AND side = 'a'",
      [battle.id],
    );
    await rawQuery(
      temp.databaseUrl,
      "UPDATE turns SET style_tokens = NULL WHERE battle_id = ? AND side = 'b'",
      [battle.id],
    );
    await temp.store.recordVote({
      battleId: battle.id,
      voterHash: "v1",
      choice: "a",
      at: at(5),
      exclusions: [],
    });
    await temp.store.transitionBattle(battle.id, ["open"], "closed", at(6));
    const [read] = await temp.store.rankingBattles("overall");
    expect(read?.styleA).toEqual({ ...countStyle(answers.a), headers: 9 });
    expect(read?.styleB).toEqual(countStyle(answers.b));
  });
});
