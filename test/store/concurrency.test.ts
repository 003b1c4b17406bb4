// Two real processes share one database file (WAL, busy timeout) and press the same vote buttons concurrently.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, expect, it } from "vitest";
import { openSqliteStore, type SqliteArenaStore } from "../../src/store/index.ts";
import { newBattle, type TempDir, tempDir } from "./helpers.ts";

interface Answers {
  readonly recorded: number;
  readonly duplicate: number;
  readonly failed: number;
}

const VOTE_PROCESS = fileURLToPath(new URL("./vote-process.ts", import.meta.url));

let dir: TempDir;
let store: SqliteArenaStore;
beforeEach(async () => {
  dir = tempDir();
  store = await openSqliteStore(dir.file("arena.db"));
});
afterEach(async () => {
  await store.close();
  dir.remove();
});

function startVoter(file: string, battleIds: string[], voters: number) {
  const child = fork(VOTE_PROCESS, [file, battleIds.join(","), String(voters)], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    child.once("message", () => resolve());
    child.once("exit", (code) => reject(new Error(`voter process exited early (${code})`)));
  });
  const answers = () =>
    new Promise<Answers>((resolve, reject) => {
      child.once("message", (message) => resolve(message as Answers));
      child.once("exit", (code) => reject(new Error(`voter process exited without answers (${code})`)));
    });
  return { child, ready, exited, answers };
}

it("one vote per voter when two processes press the same buttons at once", async () => {
  const battleIds: string[] = [];
  for (let i = 0; i < 5; i++) {
    const battle = await store.createBattle(newBattle(i % 2 ? "alpha" : "beta", i % 2 ? "beta" : "gamma"));
    await store.transitionBattle(battle.id, ["generating"], "open", new Date(), { closesAt: new Date() });
    battleIds.push(battle.id);
  }
  const voters = 60;
  const processes = [0, 1].map(() => startVoter(dir.file("arena.db"), battleIds, voters));
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
      expect(await store.votesOf(id)).toHaveLength(voters);
      expect(await store.tally(id)).toEqual({ a: voters / 2, b: 0, tie: voters / 2, bad: 0 });
    }
    expect(await store.aggregateCounts("overall")).toEqual(await store.recountFromVotes("overall"));
    expect(await store.aggregatesVersion()).toBe(pairs);
  } finally {
    for (const p of processes) if (p.child.exitCode === null) p.child.kill();
    await Promise.all(processes.map((p) => p.exited));
  }
});
