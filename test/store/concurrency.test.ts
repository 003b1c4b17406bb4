// Two real processes share one database (a SQLite file in WAL mode, or PostgreSQL) and press the same vote buttons
// concurrently.
import { fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { MIGRATIONS_FOLDER, openStore } from "../../src/store/index.ts";
import { PG_MIGRATIONS_FOLDER } from "../../src/store/postgres.ts";
import { appliedMigrationCount, createTestDatabase, STORE_KIND } from "./databases.ts";
import { newBattle, tempStorePerTest } from "./helpers.ts";

interface Answers {
  readonly recorded: number;
  readonly duplicate: number;
  readonly failed: number;
}

const VOTE_PROCESS = fileURLToPath(new URL("./vote-process.ts", import.meta.url));
const MIGRATE_PROCESS = fileURLToPath(new URL("./migrate-process.ts", import.meta.url));

const temp = tempStorePerTest();

function startProcess<T>(script: string, args: string[]) {
  const child = fork(script, args, {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    child.once("message", () => resolve());
    child.once("exit", (code) => reject(new Error(`voter process exited early (${code})`)));
  });
  const answers = () =>
    new Promise<T>((resolve, reject) => {
      child.once("message", (message) => resolve(message as T));
      child.once("exit", (code) => reject(new Error(`voter process exited without answers (${code})`)));
    });
  return { child, ready, exited, answers };
}

it("one vote per voter when two processes press the same buttons at once", async () => {
  const battleIds: string[] = [];
  for (let i = 0; i < 5; i++) {
    const battle = await temp.store.createBattle(
      newBattle(i % 2 ? "alpha" : "beta", i % 2 ? "beta" : "gamma"),
    );
    await temp.store.transitionBattle(battle.id, ["generating"], "open", new Date(), {
      closesAt: new Date(),
    });
    battleIds.push(battle.id);
  }
  const voters = 60;
  const processes = [0, 1].map(() =>
    startProcess<Answers>(VOTE_PROCESS, [temp.databaseUrl, battleIds.join(","), String(voters)]),
  );
  try {
    await Promise.all(processes.map((p) => p.ready));
    const results = processes.map((p) => p.answers());
    for (const p of processes) p.child.send("go");
    const answers = await Promise.all(results);

    // Diagnostic: when both processes saw duplicates, their presses really interleaved.
    console.info("voter processes answered", answers);
    const pairs = battleIds.length * voters;
    expect(answers.map((a) => a.failed)).toEqual([0, 0]);
    expect(answers.reduce((total, a) => total + a.recorded, 0)).toBe(pairs);
    expect(answers.reduce((total, a) => total + a.duplicate, 0)).toBe(pairs);
    for (const id of battleIds) {
      expect(await temp.store.votesOf(id)).toHaveLength(voters);
      expect(await temp.store.tally(id)).toEqual({ a: voters / 2, b: 0, tie: voters / 2, bad: 0 });
    }
    // Both processes race to close every battle too: each is counted once.
    await Promise.all(
      [temp.store, await temp.openAnother()].flatMap((store) =>
        battleIds.map((id) => store.transitionBattle(id, ["open"], "closed", new Date())),
      ),
    );
    expect(await temp.store.aggregateCounts("overall")).toEqual(await temp.store.recountFromVotes("overall"));
    expect(await temp.store.aggregatesVersion()).toBe(battleIds.length);
  } finally {
    for (const p of processes) if (p.child.exitCode === null) p.child.kill();
    await Promise.all(processes.map((p) => p.exited));
  }
});

it("processes starting together on a fresh database all end up migrated, each migration applied once", async () => {
  const database = STORE_KIND === "postgres" ? await createTestDatabase() : null;
  const file = database?.url ?? temp.dir.file("fresh/arena.db");
  const processes = [0, 1, 2].map(() =>
    startProcess<{ ok: boolean; error?: string }>(MIGRATE_PROCESS, [file]),
  );
  try {
    await Promise.all(processes.map((p) => p.ready));
    const results = processes.map((p) => p.answers());
    for (const p of processes) p.child.send("go");
    expect(await Promise.all(results)).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    const fresh = await openStore(file);
    expect(await fresh.listModels()).toEqual([]);
    await fresh.close();
    const folder = STORE_KIND === "postgres" ? PG_MIGRATIONS_FOLDER : MIGRATIONS_FOLDER;
    const journal = JSON.parse(readFileSync(`${folder}/meta/_journal.json`, "utf8")) as {
      entries: unknown[];
    };
    expect(await appliedMigrationCount(file)).toBe(journal.entries.length);
  } finally {
    for (const p of processes) if (p.child.exitCode === null) p.child.kill();
    await Promise.all(processes.map((p) => p.exited));
    await database?.drop();
  }
});
