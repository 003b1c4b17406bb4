// `arena copy`: a SQLite deployment copied into this project's database kind (SQLite, or PostgreSQL in the postgres
// project) and back into a new SQLite file reads the same through the store; a target holding data is refused
// untouched; the command line prints the verified counts.
import { afterEach, describe, expect, it } from "vitest";
import type { ArenaStore } from "../../src/arena/store.ts";
import type { VoteChoice } from "../../src/arena/types.ts";
import { main } from "../../src/cli.ts";
import { copyDatabase } from "../../src/store/copy.ts";
import { type OpenedStore, openStore } from "../../src/store/index.ts";
import { createTestDatabase, createTestFile, STORE_KIND, type TestDatabase } from "./databases.ts";
import { modelInput, newBattle, PLACE, seededRandom } from "./helpers.ts";

const databases: TestDatabase[] = [];
const stores: OpenedStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const database of databases.splice(0)) await database.drop();
});

async function fresh(kind: "sqlite" | "postgres"): Promise<TestDatabase> {
  const database = kind === "sqlite" ? createTestFile() : await createTestDatabase(kind);
  databases.push(database);
  return database;
}

async function open(url: string): Promise<OpenedStore> {
  const store = await openStore(url);
  stores.push(store);
  return store;
}

const at = (seconds: number) => new Date(1_700_000_000_000 + seconds * 1000);
const CHOICES: readonly VoteChoice[] = ["a", "b", "tie", "bad"];

/** A deployment with something in every table: closed, open, errored battles, votes, judge rows, settings. */
async function populate(store: ArenaStore): Promise<void> {
  const random = seededRandom(7);
  for (const name of ["alpha", "beta", "gamma"]) await store.addModel(modelInput(name), "config");
  for (let index = 0; index < 30; index++) {
    const [a, b] =
      index % 3 === 0 ? ["alpha", "beta"] : index % 3 === 1 ? ["beta", "gamma"] : ["gamma", "alpha"];
    // Several battles in the same millisecond: the copy's paging must not skip or repeat any of them.
    const battle = await store.createBattle({
      ...newBattle(a ?? "alpha", b ?? "beta"),
      prompt: `Question ${index}: ${"why? ".repeat(index % 4)}`,
      categories: index % 2 === 0 ? ["overall", "coding"] : ["overall"],
      createdAt: at(Math.floor(index / 3)),
    });
    await store.placeBattle(battle.id, { ...PLACE, thread: `t-${index}` });
    for (const side of ["a", "b"] as const) {
      await store.saveAnswer(battle.id, {
        turn: 1,
        side,
        userContent: battle.turns[0]?.userContent ?? "",
        content: `**Answer** ${side} to ${index}\n- one\n- two`,
        promptTokens: 10 + index,
        completionTokens: 20,
        latencyMs: 300,
        finishReason: "stop",
        error: null,
      });
    }
    await store.rememberMessage(battle.id, `m-${index}`);
    if (index % 10 === 9) {
      await store.transitionBattle(battle.id, ["generating"], "errored", at(50), { reason: "timeout" });
      continue;
    }
    await store.transitionBattle(battle.id, ["generating"], "open", at(60), { closesAt: at(3600) });
    for (let voter = 0; voter < 5 + (index % 4); voter++) {
      const choice = CHOICES[Math.floor(random() * CHOICES.length)] ?? "tie";
      await store.recordVote({
        battleId: battle.id,
        voterHash: `voter-${voter}`,
        choice,
        at: at(70),
        exclusions: [],
      });
    }
    if (index % 5 !== 4) {
      await store.transitionBattle(battle.id, ["open"], "closed", at(3600), { reason: "window" });
      await store.saveJudgeVote({
        battleId: battle.id,
        judge: "gamma",
        verdictAFirst: "a",
        verdictBFirst: "b",
        outcome: 0.5,
        attempts: 1,
        error: null,
        at: at(3700),
      });
      await store.saveJudgeLabel(
        {
          battleId: battle.id,
          judge: "gamma",
          criteria: ["specificity"],
          attempts: 1,
          error: null,
          at: at(3700),
        },
        null,
      );
    }
  }
  await store.saveChannelSettings({
    place: PLACE,
    votingWindowSeconds: 600,
    whoMayVote: "moderators",
  });
  await store.subscribe(PLACE, "overall", 10, at(10));
  await store.audit({
    at: at(5),
    platform: "discord",
    actorHash: "moderator-hash",
    actorName: "Mod",
    action: "model.add",
    target: "gamma",
    details: { weight: 1 },
    allowed: true,
  });
}

/** Everything a reader of the store sees, in a form two databases can be compared on. */
async function snapshot(store: ArenaStore) {
  const battles = [];
  for (const state of ["generating", "open", "closed", "discarded", "errored"] as const) {
    for (const battle of await store.battlesInState(state)) {
      battles.push({
        battle,
        votes: await store.votesOf(battle.id),
        tally: await store.tally(battle.id),
        judgeVote: await store.judgeVote(battle.id),
        judgeLabel: await store.judgeLabel(battle.id),
      });
    }
  }
  battles.sort((x, y) => x.battle.id.localeCompare(y.battle.id));
  const categories = await store.categories();
  const aggregates = [];
  for (const { category } of categories) {
    aggregates.push({
      category,
      counts: await store.aggregateCounts(category),
      ranking: await store.rankingBattles(category),
    });
  }
  return {
    models: await store.listModels(),
    battles,
    categories,
    aggregates,
    version: await store.aggregatesVersion(),
    subscriptions: await store.subscriptions(),
    channel: await store.channelSettings(PLACE),
    audit: await store.auditLog(100),
    forMessage: (await store.battleForMessage("discord", "t-3", "m-3"))?.id ?? null,
  };
}

describe(`arena copy (SQLite → ${STORE_KIND} → SQLite)`, () => {
  it("copies every table in one verified transaction; the copy and its copy read exactly as the source", async () => {
    const source = await fresh("sqlite");
    const sourceStore = await open(source.url);
    await populate(sourceStore);
    const expected = await snapshot(sourceStore);
    expect(expected.battles).toHaveLength(30);
    expect(expected.version).toBeGreaterThan(0);

    const target = await fresh(STORE_KIND);
    // Pages of 7 rows: every table of more than 7 rows crosses page boundaries.
    const result = await copyDatabase(source.url, target.url, { pageRows: 7 });
    const byTable = Object.fromEntries(result.tables.map((entry) => [entry.table, entry]));
    expect(byTable.battles).toEqual({ table: "battles", source: 30, target: 30 });
    expect(byTable.turns?.target).toBe(60);
    for (const entry of result.tables) expect(entry.target, entry.table).toBe(entry.source);
    expect(result.to).not.toMatch(/password/);

    const copied = await open(target.url);
    expect(await snapshot(copied)).toEqual(expected);
    expect(await copied.aggregateCounts("overall")).toEqual(await copied.recountFromVotes("overall"));

    // The copied deployment goes on: a new battle and vote land after the copied rows.
    const next = await copied.createBattle({ ...newBattle("alpha", "gamma"), createdAt: at(9000) });
    await copied.transitionBattle(next.id, ["generating"], "open", at(9001), { closesAt: at(9999) });
    const vote = await copied.recordVote({
      battleId: next.id,
      voterHash: "late",
      choice: "a",
      at: at(9002),
      exclusions: [],
    });
    expect(vote.kind).toBe("recorded");

    const back = await fresh("sqlite");
    await copyDatabase(target.url, back.url, { pageRows: 4 });
    const roundTrip = await snapshot(await open(back.url));
    expect(roundTrip.battles.filter((entry) => entry.battle.id !== next.id)).toEqual(expected.battles);
    expect(roundTrip.aggregates).toEqual(expected.aggregates);
  });

  it("refuses a target that already holds data, and leaves it as it was", async () => {
    const source = await fresh("sqlite");
    await populate(await open(source.url));
    const target = await fresh(STORE_KIND);
    const targetStore = await open(target.url);
    await targetStore.addModel(modelInput("resident"), "config");
    const before = await snapshot(targetStore);
    await expect(copyDatabase(source.url, target.url)).rejects.toThrow(
      /already holds data \(1 in models\); copy only into an empty database/,
    );
    expect(await snapshot(targetStore)).toEqual(before);
  });

  it("runs as `arena copy`, printing each table's counts; bad usage exits 2 with a specific message", async () => {
    const source = await fresh("sqlite");
    await populate(await open(source.url));
    const target = await fresh(STORE_KIND);
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      stdout: (text: string) => void out.push(text),
      stderr: (text: string) => void err.push(text),
    };
    expect(await main(["copy", "--from", source.url, "--to", target.url], io)).toBe(0);
    expect(out.join("")).toMatch(/battles\s+30 → 30/);
    expect(out.join("")).toMatch(/votes\s+\d+ → \d+/);

    expect(await main(["copy", "--from", source.url], io)).toBe(2);
    expect(err.join("")).toMatch(/needs --from URL and --to URL/);
    expect(await main(["copy", "--from", source.url, "--to", source.url], io)).toBe(2);
    expect(err.join("")).toMatch(/same database/);
    expect(await main(["copy", "--from", source.url, "--to", target.url], io)).toBe(2);
    expect(err.join("")).toMatch(/already holds data/);
  });
});
