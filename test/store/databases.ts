// The databases the store and engine suites run on. The suites run once per database kind: vitest's "sqlite"
// project on SQLite files, its "postgres" project (ARENA_TEST_STORE=postgres, only when TEST_DATABASE_URL is
// reachable) on PostgreSQL, each test in a schema of its own that is dropped afterwards, so parallel workers never
// share tables.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export type StoreKind = "sqlite" | "postgres";

/** The kind of database this test process runs the suites on. */
export const STORE_KIND: StoreKind = process.env.ARENA_TEST_STORE === "postgres" ? "postgres" : "sqlite";

export interface TestDatabase {
  /** DATABASE_URL of the fresh database: a SQLite file, or a PostgreSQL URL whose search_path is a new schema. */
  readonly url: string;
  /** Removes the database (its file, or its schema with every table). */
  drop(): Promise<void>;
}

/** TEST_DATABASE_URL when it is set and a server answers there, else null. */
export async function reachablePostgresUrl(): Promise<string | null> {
  const url = process.env.TEST_DATABASE_URL?.trim();
  if (!url) return null;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return url;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => {});
  }
}

function requirePostgresUrl(): string {
  const url = process.env.TEST_DATABASE_URL?.trim();
  if (!url) throw new Error("TEST_DATABASE_URL is not set (the postgres test project needs it)");
  return url;
}

/**
 * `url` with its search_path set to `schema` (node-postgres passes `options` to the server), and commits that do
 * not wait for the disk: test data need not survive a crash of the server.
 */
export function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set("options", `-c search_path=${schema} -c synchronous_commit=off`);
  return parsed.toString();
}

async function onAdminConnection<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: requirePostgresUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A new, empty PostgreSQL schema in TEST_DATABASE_URL's database. */
export async function createTestSchema(): Promise<TestDatabase> {
  const schema = `arena_test_${randomBytes(6).toString("hex")}`;
  await onAdminConnection((client) => client.query(`CREATE SCHEMA ${schema}`));
  return {
    url: withSearchPath(requirePostgresUrl(), schema),
    drop: () =>
      onAdminConnection(async (client) => void (await client.query(`DROP SCHEMA ${schema} CASCADE`))),
  };
}

/** A SQLite file in a new temp directory. */
export function createTestFile(name = "arena.db"): TestDatabase {
  const directory = mkdtempSync(join(tmpdir(), "arena-db-"));
  return {
    url: join(directory, name),
    drop: async () => rmSync(directory, { recursive: true, force: true }),
  };
}

/** A fresh database of `kind` (by default this process's kind). */
export async function createTestDatabase(kind: StoreKind = STORE_KIND): Promise<TestDatabase> {
  return kind === "postgres" ? createTestSchema() : createTestFile();
}

/** How many migrations drizzle recorded as applied in the database at `url`. */
export async function appliedMigrationCount(url: string): Promise<number> {
  if (!url.startsWith("postgres")) {
    const { default: Database } = await import("better-sqlite3");
    const sqlite = new Database(url, { readonly: true });
    try {
      return (sqlite.prepare("SELECT count(*) AS n FROM __drizzle_migrations").get() as { n: number }).n;
    } finally {
      sqlite.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM __drizzle_migrations");
    return rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}

/**
 * Runs one SQL statement straight on the database at `url` (tests that read or change stored columns by hand);
 * `?` placeholders on both kinds. Returns the rows, if any.
 */
export async function rawQuery(url: string, text: string, params: unknown[] = []): Promise<unknown[]> {
  if (!url.startsWith("postgres")) {
    const { default: Database } = await import("better-sqlite3");
    const sqlite = new Database(url);
    try {
      const statement = sqlite.prepare(text);
      if (statement.reader) return statement.all(...params);
      statement.run(...params);
      return [];
    } finally {
      sqlite.close();
    }
  }
  let n = 0;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (
      await client.query(
        text.replace(/\?/g, () => `$${++n}`),
        params,
      )
    ).rows;
  } finally {
    await client.end();
  }
}
