import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  databaseFilename,
  MIGRATIONS_FOLDER,
  migrateDatabase,
  openSqliteStore,
} from "../../src/store/index.ts";
import { modelInput, newBattle, type TempDir, tempDir } from "./helpers.ts";

let dir: TempDir;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.remove());

interface Journal {
  entries: { tag: string }[];
}
const JOURNAL = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, "meta", "_journal.json"), "utf8")) as Journal;
const MIGRATION_COUNT = JOURNAL.entries.length;

/** A database file migrated with only the first `count` migrations, as an older release left it. */
function migrateFirst(file: string, count: number): void {
  const folder = dir.file(`migrations-${count}`);
  mkdirSync(join(folder, "meta"), { recursive: true });
  const entries = JOURNAL.entries.slice(0, count);
  for (const entry of entries) {
    copyFileSync(join(MIGRATIONS_FOLDER, `${entry.tag}.sql`), join(folder, `${entry.tag}.sql`));
  }
  writeFileSync(join(folder, "meta", "_journal.json"), JSON.stringify({ ...JOURNAL, entries }));
  const sqlite = new Database(file);
  try {
    migrate(drizzle({ client: sqlite }), { migrationsFolder: folder });
  } finally {
    sqlite.close();
  }
}

function tables(file: string): string[] {
  const sqlite = new Database(file, { readonly: true });
  try {
    const rows = sqlite
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all() as {
      name: string;
    }[];
    return rows.map((r) => r.name);
  } finally {
    sqlite.close();
  }
}

describe("openSqliteStore", () => {
  it("creates the parent directory and applies the migrations to a fresh file, in WAL mode", async () => {
    const file = dir.file("nested/deeper/arena.db");
    const messages: string[] = [];
    const store = await openSqliteStore(file, { logger: { info: (m) => messages.push(m) } });
    await store.close();

    expect(existsSync(file)).toBe(true);
    expect(tables(file)).toEqual(
      expect.arrayContaining([
        "models",
        "battles",
        "turns",
        "battle_messages",
        "votes",
        "aggregate_counts",
        "channel_settings",
        "subscriptions",
        "audit_log",
        "meta",
        "counted_votes_per_second",
      ]),
    );
    expect(messages.join("\n")).toMatch(new RegExp(`${MIGRATION_COUNT} migration\\(s\\) applied`));
    const sqlite = new Database(file, { readonly: true });
    expect(sqlite.pragma("journal_mode", { simple: true })).toBe("wal");
    sqlite.close();
  });

  it("is idempotent: a second open applies nothing and keeps the data", async () => {
    const file = dir.file("arena.db");
    const first = await openSqliteStore(file);
    await first.addModel(modelInput("alpha"), "config");
    await first.close();

    expect(await migrateDatabase(file)).toMatchObject({ applied: 0 });
    const messages: string[] = [];
    const second = await openSqliteStore(file, { logger: { info: (m) => messages.push(m) } });
    expect(messages.join("\n")).toMatch(/0 migration\(s\) applied/);
    expect((await second.listModels()).map((m) => m.name)).toEqual(["alpha"]);
    await second.close();
  });

  it("migrateDatabase migrates a fresh file and reports it", async () => {
    const file = dir.file("migrated.db");
    const result = await migrateDatabase(file);
    expect(result.applied).toBe(MIGRATION_COUNT);
    expect(result.filename).toBe(file);
    expect(tables(file)).toContain("votes");
  });

  it("works in memory", async () => {
    const store = await openSqliteStore(":memory:");
    const battle = await store.createBattle(newBattle("alpha", "beta"));
    expect((await store.getBattle(battle.id))?.modelA).toBe("alpha");
    await store.close();
  });

  it("reads DATABASE_URL forms", () => {
    expect(databaseFilename(":memory:")).toBe(":memory:");
    expect(databaseFilename("file:/tmp/x/arena.db")).toBe("/tmp/x/arena.db");
    expect(databaseFilename("sqlite:///tmp/x/arena.db")).toBe("/tmp/x/arena.db");
    expect(databaseFilename("/tmp/y.db")).toBe("/tmp/y.db");
    expect(databaseFilename("./data/arena.db")).toBe(`${process.cwd()}/data/arena.db`);
  });

  it("loses nothing across a restart (close, reopen the file)", async () => {
    const file = dir.file("restart.db");
    const before = await openSqliteStore(file);
    await before.upsertModel(modelInput("alpha"), "config");
    await before.upsertModel(modelInput("beta"), "config");
    const created = await before.createBattle(newBattle("alpha", "beta"));
    await before.transitionBattle(created.id, ["generating"], "open", new Date(1_700_000_001_000), {
      closesAt: new Date(1_700_000_100_000),
    });
    await before.rememberMessage(created.id, "message-9");
    await before.recordVote({
      battleId: created.id,
      voterHash: "voter-1",
      choice: "b",
      at: new Date(1_700_000_002_000),
      exclusions: [],
    });
    const battleBefore = await before.getBattle(created.id);
    const versionBefore = await before.aggregatesVersion();
    await before.close();

    const after = await openSqliteStore(file);
    expect(await after.getBattle(created.id)).toEqual(battleBefore);
    expect(await after.aggregatesVersion()).toBe(versionBefore);
    expect(await after.tally(created.id)).toEqual({ a: 0, b: 1, tie: 0, bad: 0 });
    expect(await after.battlesDueToClose(new Date(1_700_000_100_000), 10, ["discord"])).toHaveLength(1);
    const again = await after.recordVote({
      battleId: created.id,
      voterHash: "voter-1",
      choice: "a",
      at: new Date(1_700_000_003_000),
      exclusions: [],
    });
    expect(again.kind).toBe("duplicate");
    await after.transitionBattle(created.id, ["open"], "closed", new Date(1_700_000_100_000));
    expect(await after.aggregateCounts("overall")).toEqual([
      { modelA: "alpha", modelB: "beta", outcome: 0, count: 1 },
    ]);
    await after.close();
  });

  it("counts a voter's votes from before the per-second counts existed (the migration backfills them)", async () => {
    const file = dir.file("old.db");
    migrateFirst(file, 1);
    const sqlite = new Database(file);
    const insertBattle = sqlite.prepare(
      `INSERT INTO battles (id, platform, community, channel, creator_hash, model_a, model_b, state, categories,
        created_at) VALUES (?, 'discord', 'g', 'c', 'creator', 'alpha', 'beta', 'open', '["overall"]', 0)`,
    );
    const insertVote = sqlite.prepare(
      `INSERT INTO votes (battle_id, voter_hash, choice, at, counted, exclusions) VALUES (?, ?, 'a', ?, ?, '[]')`,
    );
    for (const id of ["b1", "b2", "b3", "b4"]) insertBattle.run(id);
    // Three counted votes of v1 (two in one second), one uncounted, one of another voter.
    insertVote.run("b1", "v1", 1_700_000_000_250, 1);
    insertVote.run("b2", "v1", 1_700_000_000_750, 1);
    insertVote.run("b3", "v1", 1_700_000_005_000, 1);
    insertVote.run("b4", "v1", 1_700_000_006_000, 0);
    insertVote.run("b1", "v2", 1_700_000_006_000, 1);
    sqlite.close();

    const store = await openSqliteStore(file);
    expect(await store.countVotesSince("v1", new Date(1_700_000_000_000))).toBe(3);
    expect(await store.countVotesSince("v1", new Date(1_700_000_000_500))).toBe(2);
    expect(await store.countVotesSince("v1", new Date(1_700_000_001_000))).toBe(1);
    expect(await store.countVotesSince("v1", new Date(1_700_000_005_001))).toBe(0);
    expect(await store.countVotesSince("v2", new Date(1_700_000_000_000))).toBe(1);
    await store.close();
  });

  it("takes the votes of battles still open out of the aggregates when upgrading to close-only counting", async () => {
    const file = dir.file("before-close-only.db");
    migrateFirst(file, 4);
    const sqlite = new Database(file);
    sqlite.exec(`INSERT INTO models (name, base_url, model, aliases, weight, enabled, max_tokens, temperature,
        counted_battles, added_by, created_at) VALUES
        ('alpha', 'http://x', 'a', '[]', 1, 1, 256, 0.7, 2, 'config', 0),
        ('beta', 'http://x', 'b', '[]', 1, 1, 256, 0.7, 2, 'config', 0)`);
    const insertBattle = sqlite.prepare(
      `INSERT INTO battles (id, platform, community, channel, creator_hash, model_a, model_b, state, categories,
        created_at, outcome, counted_votes, counted_a, counted_b, counted_tie, counted_bad)
        VALUES (?, 'discord', 'g', 'c', 'creator', ?, ?, ?, '["overall","coding"]', 0, ?, ?, ?, ?, ?, 0)`,
    );
    // As the old rules kept them: the closed battle (alpha shown as A, won) and the open one (beta shown as A,
    // 1 A vote and 2 ties: canonical outcome 1 − 2/3 for alpha) are both in both categories' aggregates.
    insertBattle.run("closed-1", "alpha", "beta", "closed", 1, 1, 1, 0, 0);
    insertBattle.run("open-1", "beta", "alpha", "open", 2 / 3, 3, 1, 0, 2);
    const insertCount = sqlite.prepare(
      "INSERT INTO aggregate_counts (category, model_a, model_b, outcome, count) VALUES (?, 'alpha', 'beta', ?, 1)",
    );
    for (const category of ["overall", "coding"]) {
      insertCount.run(category, 1);
      insertCount.run(category, (6 - 4) / 6);
    }
    sqlite.exec("INSERT INTO meta (key, value) VALUES ('aggregates_version', 7)");
    sqlite.close();

    const store = await openSqliteStore(file);
    for (const category of ["overall", "coding"]) {
      expect(await store.aggregateCounts(category)).toEqual([
        { modelA: "alpha", modelB: "beta", outcome: 1, count: 1 },
      ]);
    }
    expect((await store.getModel("alpha"))?.countedBattles).toBe(1);
    expect(await store.aggregatesVersion()).toBe(8);
    await store.transitionBattle("open-1", ["open"], "closed", new Date());
    expect(await store.aggregateCounts("coding")).toEqual([
      { modelA: "alpha", modelB: "beta", outcome: 1 / 3, count: 1 },
      { modelA: "alpha", modelB: "beta", outcome: 1, count: 1 },
    ]);
    expect((await store.getModel("beta"))?.countedBattles).toBe(2);
    await store.close();
  });

  it("two stores on one file see each other's writes", async () => {
    const file = dir.file("shared.db");
    const one = await openSqliteStore(file);
    const two = await openSqliteStore(file);
    await one.addModel(modelInput("alpha"), "config");
    expect(await two.getModel("alpha")).not.toBeNull();
    const battle = await two.createBattle(newBattle("alpha", "beta"));
    expect((await one.getBattle(battle.id))?.state).toBe("generating");
    await one.transitionBattle(battle.id, ["generating"], "open", new Date(), { closesAt: new Date() });
    await two.recordVote({
      battleId: battle.id,
      voterHash: "v",
      choice: "tie",
      at: new Date(),
      exclusions: [],
    });
    expect(await one.tally(battle.id)).toEqual({ a: 0, b: 0, tie: 1, bad: 0 });
    await two.transitionBattle(battle.id, ["open"], "closed", new Date());
    expect(await one.aggregatesVersion()).toBe(1);
    await one.close();
    await two.close();
  });
});
