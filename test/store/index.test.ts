import { existsSync } from "node:fs";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { databaseFilename, migrateDatabase, openSqliteStore } from "../../src/store/index.ts";
import { modelInput, newBattle, type TempDir, tempDir } from "./helpers.ts";

let dir: TempDir;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.remove());

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
      ]),
    );
    expect(messages.join("\n")).toMatch(/1 migration\(s\) applied/);
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
    expect(result.applied).toBe(1);
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
    expect(await after.aggregateCounts("overall")).toEqual([
      { modelA: "alpha", modelB: "beta", outcome: 0, count: 1 },
    ]);
    expect(await after.battlesDueToClose(new Date(1_700_000_100_000), 10)).toHaveLength(1);
    const again = await after.recordVote({
      battleId: created.id,
      voterHash: "voter-1",
      choice: "a",
      at: new Date(1_700_000_003_000),
      exclusions: [],
    });
    expect(again.kind).toBe("duplicate");
    await after.close();
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
    expect(await one.aggregatesVersion()).toBe(1);
    await one.close();
    await two.close();
  });
});
