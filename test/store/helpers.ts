// Shared fixtures of the store tests: temp database files, a fresh store per test, small record builders.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";
import type { ModelInput, NewBattle } from "../../src/arena/store.ts";
import type { Place } from "../../src/arena/types.ts";
import { createRandom } from "../../src/ranking/random.ts";
import { openSqliteStore, type SqliteArenaStore } from "../../src/store/index.ts";

export interface TempDir {
  readonly path: string;
  file(name: string): string;
  remove(): void;
}

export function tempDir(): TempDir {
  const path = mkdtempSync(join(tmpdir(), "arena-store-"));
  return {
    path,
    file: (name) => join(path, name),
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}

export interface TempStore {
  /** The current test's temp directory. */
  readonly dir: TempDir;
  /** The database file `store` is open on. */
  readonly databaseFile: string;
  readonly store: SqliteArenaStore;
}

/** Before each test, a store on a new database file in a new temp directory; after it, both closed and removed.
 * Read the fields inside the tests. */
export function tempStorePerTest(): TempStore {
  let current: { dir: TempDir; store: SqliteArenaStore } | undefined;
  beforeEach(async () => {
    const dir = tempDir();
    current = { dir, store: await openSqliteStore(dir.file("arena.db")) };
  });
  afterEach(async () => {
    await current?.store.close();
    current?.dir.remove();
    current = undefined;
  });
  const inTest = () => {
    if (!current) throw new Error("no temp store outside a test");
    return current;
  };
  return {
    get dir() {
      return inTest().dir;
    },
    get databaseFile() {
      return inTest().dir.file("arena.db");
    },
    get store() {
      return inTest().store;
    },
  };
}

export function modelInput(name: string, overrides: Partial<ModelInput> = {}): ModelInput {
  return {
    name,
    baseUrl: "http://127.0.0.1:9/v1",
    model: `${name}-id`,
    apiKeyEnv: "TEST_KEY",
    aliases: [`${name}-alias`],
    weight: 1,
    enabled: true,
    maxTokens: 256,
    temperature: 0.7,
    systemPrompt: null,
    ...overrides,
  };
}

export const PLACE: Place = { platform: "discord", community: "guild-1", channel: "channel-1" };

export function newBattle(modelA: string, modelB: string, overrides: Partial<NewBattle> = {}): NewBattle {
  return {
    place: PLACE,
    creatorHash: "creator-hash",
    modelA,
    modelB,
    prompt: "Write a haiku about SQLite.",
    categories: ["overall"],
    createdAt: new Date(1_700_000_000_000),
    ...overrides,
  };
}

/** A seeded generator (the ranking's xoshiro128**), so property tests replay exactly. */
export function seededRandom(seed: number): () => number {
  const random = createRandom(seed);
  return () => random.next();
}
