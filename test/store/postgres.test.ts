// What only the PostgreSQL store does: claims of due battles, the publisher lock and its takeover, migrations in
// the connection's schema. Runs in the postgres test project (see databases.ts).
import pg from "pg";
import { describe, expect, it } from "vitest";
import { describePostgresUrl, migrateDatabase, openStore, PgArenaStore } from "../../src/store/index.ts";
import { CLOSE_CLAIM_MS } from "../../src/store/pg-store.ts";
import { createTestDatabase, STORE_KIND } from "./databases.ts";
import { newBattle, tempStorePerTest } from "./helpers.ts";

const T0 = 1_700_000_000_000;
const at = (seconds: number) => new Date(T0 + seconds * 1000);

describe.skipIf(STORE_KIND !== "postgres")("PostgreSQL store", () => {
  const temp = tempStorePerTest();

  async function openBattles(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const battle = await temp.store.createBattle(newBattle("alpha", "beta"));
      await temp.store.transitionBattle(battle.id, ["generating"], "open", at(1), { closesAt: at(100 + i) });
      ids.push(battle.id);
    }
    return ids;
  }

  it("claims due battles for one claimant: others skip them until the claim runs out", async () => {
    const ids = await openBattles(4);
    const first = await temp.store.battlesDueToClose(at(200), 2, ["discord"], "instance-1");
    expect(first.map((b) => b.id)).toEqual(ids.slice(0, 2));
    // Another instance gets the rest; the claimant itself gets its own again (it may retry a failed close).
    const second = await temp.store.battlesDueToClose(at(200), 10, ["discord"], "instance-2");
    expect(second.map((b) => b.id)).toEqual(ids.slice(2));
    expect(
      (await temp.store.battlesDueToClose(at(200), 10, ["discord"], "instance-1")).map((b) => b.id),
    ).toEqual(ids.slice(0, 2));
    expect(await temp.store.battlesDueToClose(at(200), 10, ["discord"], "instance-3")).toEqual([]);
    // Without a claimant it is a plain listing.
    expect((await temp.store.battlesDueToClose(at(200), 10, ["discord"])).map((b) => b.id)).toEqual(ids);
    // A claimant that crashed: its battles go to another once the claim has run out.
    const later = new Date(at(200).getTime() + CLOSE_CLAIM_MS);
    expect(
      (await temp.store.battlesDueToClose(later, 10, ["discord"], "instance-3")).map((b) => b.id),
    ).toEqual(ids);
  });

  it("claims each due battle for one of many concurrent claimants", async () => {
    const ids = await openBattles(30);
    const stores = [temp.store, await temp.openAnother(), await temp.openAnother()];
    const claims = await Promise.all(
      stores.flatMap((store, s) =>
        [0, 1, 2].map((k) => store.battlesDueToClose(at(500), 4, ["discord"], `instance-${s}-${k}`)),
      ),
    );
    const claimed = claims.flat().map((b) => b.id);
    expect(claimed).toHaveLength(new Set(claimed).size);
    expect(claimed.every((id) => ids.includes(id))).toBe(true);
  });

  it("one publisher per platform and schema; another process takes over when its connection dies", async () => {
    const other = await temp.openAnother();
    expect(await temp.store.isPublisher("discord")).toBe(true);
    expect(await temp.store.isPublisher("discord")).toBe(true);
    expect(await other.isPublisher("discord")).toBe(false);
    expect(await other.isPublisher("telegram")).toBe(true);
    expect(await temp.store.isPublisher("telegram")).toBe(false);

    // The holder's connection dies (its process was killed, or the server dropped it): the lock goes with it.
    const admin = new pg.Client({ connectionString: temp.databaseUrl });
    await admin.connect();
    try {
      const ended = await admin.query(
        `SELECT pg_terminate_backend(pid) AS ended FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()
          AND objid = (hashtext(current_schema() || ':discord'))::oid`,
      );
      expect(ended.rowCount).toBe(1);
    } finally {
      await admin.end();
    }
    let takenOver = false;
    // The server releases it when the terminated backend has exited: soon, not at once.
    for (let attempt = 0; attempt < 250 && !takenOver; attempt++) {
      takenOver = await other.isPublisher("discord");
      if (!takenOver) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(takenOver).toBe(true);
    expect(await temp.store.isPublisher("discord")).toBe(false);

    // A closed store lets go at once.
    await other.close();
    expect(await temp.store.isPublisher("discord")).toBe(true);
  });

  it("migrates in the connection's schema, each migration once, and names the database without its password", async () => {
    const database = await createTestDatabase();
    try {
      const first = await migrateDatabase(database.url);
      expect(first.applied).toBeGreaterThan(0);
      expect(first.filename).not.toContain("options");
      expect(await migrateDatabase(database.url)).toMatchObject({ applied: 0 });
      const store = await openStore(database.url);
      expect(store).toBeInstanceOf(PgArenaStore);
      await store.close();
    } finally {
      await database.drop();
    }
    expect(describePostgresUrl("postgres://arena:hunter2@db.example:5432/arena?sslmode=require")).toBe(
      "postgres://arena@db.example:5432/arena",
    );
  });

  it("refuses a search_path without an existing schema, with a clear error", async () => {
    const url = new URL(temp.databaseUrl);
    url.searchParams.set("options", "-c search_path=arena_no_such_schema");
    await expect(openStore(url.toString())).rejects.toThrow(/no existing schema on its search_path/);
  });
});
