// Shared fixtures of the store tests: temp directories, a fresh store per test (on this process's database kind, see
// databases.ts), small record builders.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";
import type { ModelInput, NewBattle } from "../../src/arena/store.ts";
import type { Place } from "../../src/arena/types.ts";
import { createRandom } from "../../src/ranking/random.ts";
import { type OpenedStore, openStore } from "../../src/store/index.ts";
import { createTestDatabase, type TestDatabase } from "./databases.ts";

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
  /** The DATABASE_URL `store` is open on (a SQLite file or a PostgreSQL schema). */
  readonly databaseUrl: string;
  readonly store: OpenedStore;
  /** Another store on the same database (as another process would open it); closed after the test. */
  openAnother(): Promise<OpenedStore>;
}

/** Before each test, a store on a new database and a new temp directory; after it, all closed and removed.
 * Read the fields inside the tests. */
export function tempStorePerTest(): TempStore {
  let current:
    | { dir: TempDir; database: TestDatabase; store: OpenedStore; others: OpenedStore[] }
    | undefined;
  beforeEach(async () => {
    const dir = tempDir();
    const database = await createTestDatabase();
    current = { dir, database, store: await openStore(database.url), others: [] };
  });
  afterEach(async () => {
    const done = current;
    current = undefined;
    if (!done) return;
    for (const store of [done.store, ...done.others]) await store.close();
    await done.database.drop();
    done.dir.remove();
  });
  const inTest = () => {
    if (!current) throw new Error("no temp store outside a test");
    return current;
  };
  return {
    get dir() {
      return inTest().dir;
    },
    get databaseUrl() {
      return inTest().database.url;
    },
    get store() {
      return inTest().store;
    },
    async openAnother() {
      const test = inTest();
      const store = await openStore(test.database.url);
      test.others.push(store);
      return store;
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
