// Opening the SQLite database: file and pragmas, migrations from <repo>/migrations, then the store.
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import type { PgArenaStore } from "./pg-store.ts";
import { isPostgresUrl, migratePgDatabase, openPgStore } from "./postgres.ts";
import * as schema from "./schema.ts";
import { SqliteArenaStore, type StoreDatabase } from "./sqlite-store.ts";

export { PgArenaStore } from "./pg-store.ts";
export { describePostgresUrl, isPostgresUrl } from "./postgres.ts";
export { SqliteArenaStore } from "./sqlite-store.ts";

/** Either store; both also take counts straight into the aggregates (addAggregateCounts). */
export type OpenedStore = SqliteArenaStore | PgArenaStore;

/** Resolved against this file, so `arena migrate` works from any working directory. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL("../../migrations", import.meta.url));

/** How long a connection waits for another process's write lock before failing. */
const BUSY_TIMEOUT_MS = 10_000;

const WAL_AUTOCHECKPOINT_PAGES = 4000;

/** The subset of a pino logger the store uses. */
export interface StoreLogger {
  info(message: string): void;
}

export interface StoreOptions {
  readonly logger?: StoreLogger;
}

/** `DATABASE_URL` → a better-sqlite3 filename: ":memory:", a path, or a `file:`/`sqlite:` prefixed path. */
export function databaseFilename(databaseUrl: string): string {
  const trimmed = databaseUrl.trim();
  if (trimmed === ":memory:" || trimmed === "") return ":memory:";
  const path = trimmed.replace(/^(sqlite|file):(\/\/)?/, "");
  return path === ":memory:" ? path : resolve(path);
}

async function openConnection(databaseUrl: string): Promise<{ sqlite: Database.Database; filename: string }> {
  const filename = databaseFilename(databaseUrl);
  if (filename !== ":memory:") mkdirSync(dirname(filename), { recursive: true });
  const sqlite = new Database(filename);
  try {
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    await switchToWal(sqlite);
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("foreign_keys = ON");
    // A checkpoint (run by whichever commit finds the WAL over this many pages) writes and syncs the database
    // file: every ~400 votes at 4000 pages rather than every ~100 at the default 1000, so it delays fewer votes
    // and writes each hot page (aggregates, counters) once for more commits. The WAL file normally stays ≤ 16 MB.
    sqlite.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  } catch (error) {
    sqlite.close();
    throw error;
  }
  return { sqlite, filename };
}

/** SQLite's busy error: a lock upgrade that would deadlock fails at once, whatever the busy timeout. */
function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    (typeof code === "string" && code.startsWith("SQLITE_BUSY")) || /database is locked/.test(String(error))
  );
}

/** The wait before trying again what failed busy (the WAL switch, a migration pass). */
const BUSY_RETRY_MS = 50;
/** Retries of a migration pass that lost a race to another process starting at the same time. */
const MIGRATION_ATTEMPTS = 50;

/**
 * Processes opening a fresh file together: the switch to WAL needs the file to itself, and SQLite answers "database
 * is locked" at once (no busy wait) while another connection holds it. Retried until the busy timeout.
 */
async function switchToWal(sqlite: Database.Database): Promise<void> {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      sqlite.pragma("journal_mode = WAL");
      return;
    } catch (error) {
      if (!isBusy(error) || Date.now() > deadline) throw error;
      await sleep(BUSY_RETRY_MS);
    }
  }
}

function appliedMigrations(sqlite: Database.Database): number {
  const table = sqlite
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'")
    .get();
  if (!table) return 0;
  const row = sqlite.prepare("SELECT count(*) AS n FROM __drizzle_migrations").get() as { n: number };
  return row.n;
}

/** Applies pending migrations; returns how many this call applied. */
async function applyMigrations(db: StoreDatabase, sqlite: Database.Database): Promise<number> {
  const before = appliedMigrations(sqlite);
  // Processes starting together on a fresh file: drizzle reads the applied list before taking the write lock, so
  // a loser can fail on "table already exists" while another applies migrations, or on a busy lock upgrade. While
  // the failure is a busy lock or another process made progress, wait a moment and try again (bounded).
  for (let attempt = 0; ; attempt++) {
    const seen = appliedMigrations(sqlite);
    try {
      migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
      break;
    } catch (error) {
      const raced = isBusy(error) || appliedMigrations(sqlite) !== seen;
      if (!raced || attempt >= MIGRATION_ATTEMPTS) throw error;
      await sleep(BUSY_RETRY_MS);
    }
  }
  return Math.max(0, appliedMigrations(sqlite) - before);
}

/** Opens (creating if needed) the database at `databaseUrl`, applies pending migrations, returns the store. */
export async function openSqliteStore(
  databaseUrl: string,
  options: StoreOptions = {},
): Promise<SqliteArenaStore> {
  const { sqlite, filename } = await openConnection(databaseUrl);
  try {
    const db = drizzle({ client: sqlite, schema });
    const applied = await applyMigrations(db, sqlite);
    options.logger?.info(`database ${filename} ready (${applied} migration(s) applied)`);
    return new SqliteArenaStore(db, sqlite);
  } catch (error) {
    sqlite.close();
    throw error;
  }
}

/**
 * Opens the store `databaseUrl` names: PostgreSQL for postgres:// (or postgresql://) URLs, else a SQLite file (or
 * ":memory:"). Pending migrations are applied.
 */
export async function openStore(databaseUrl: string, options: StoreOptions = {}): Promise<OpenedStore> {
  return isPostgresUrl(databaseUrl)
    ? openPgStore(databaseUrl, options)
    : openSqliteStore(databaseUrl, options);
}

/** `arena migrate`: applies pending migrations (SQLite or PostgreSQL) and closes the database. */
export async function migrateDatabase(
  databaseUrl: string,
  options: StoreOptions = {},
): Promise<{ readonly filename: string; readonly applied: number }> {
  return isPostgresUrl(databaseUrl)
    ? migratePgDatabase(databaseUrl, options)
    : migrateSqliteDatabase(databaseUrl, options);
}

async function migrateSqliteDatabase(
  databaseUrl: string,
  options: StoreOptions = {},
): Promise<{ readonly filename: string; readonly applied: number }> {
  const { sqlite, filename } = await openConnection(databaseUrl);
  try {
    const applied = await applyMigrations(drizzle({ client: sqlite, schema }), sqlite);
    options.logger?.info(`database ${filename} migrated (${applied} migration(s) applied)`);
    return { filename, applied };
  } finally {
    sqlite.close();
  }
}
