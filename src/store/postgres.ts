// Opening the PostgreSQL store: a node-postgres pool on DATABASE_URL=postgres://…, migrations from migrations-pg/
// applied under an advisory lock (processes starting together apply each migration once). The tables live in the
// connection's current schema (the first on its search_path, e.g. `?options=-c%20search_path%3Darena`), and so
// does drizzle's migrations table.
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { PgArenaStore } from "./pg-store.ts";

/** Resolved against this file, so `arena migrate` works from any working directory. */
export const PG_MIGRATIONS_FOLDER = fileURLToPath(new URL("../../migrations-pg", import.meta.url));

/** Advisory-lock class of the migration lock (the other key is the schema's hash). */
const MIGRATION_LOCK_CLASS = 0x41524e4d;

/** Connections per process: votes and button presses each hold one for a few short queries. */
const POOL_SIZE = 10;

export function isPostgresUrl(databaseUrl: string): boolean {
  return /^postgres(ql)?:\/\//i.test(databaseUrl.trim());
}

/** The URL for people: host, port, database and user, never the password. */
export function describePostgresUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl.trim());
    url.password = "";
    url.search = "";
    return url.toString();
  } catch {
    return "postgres://(unparsable URL)";
  }
}

export interface PgStoreLogger {
  info(message: string): void;
}

export function createPool(databaseUrl: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl.trim(), max: POOL_SIZE, keepAlive: true });
  // An idle connection the server ends (a restart, a terminated backend) emits here; the next query reconnects.
  pool.on("error", () => {});
  return pool;
}

async function currentSchema(client: pg.PoolClient): Promise<string> {
  const { rows } = await client.query<{ schema: string | null }>("SELECT current_schema() AS schema");
  const schema = rows[0]?.schema;
  if (!schema) {
    throw new Error(
      "the PostgreSQL connection has no existing schema on its search_path to create the arena's tables in",
    );
  }
  return schema;
}

async function appliedMigrations(client: pg.PoolClient, schema: string): Promise<number> {
  const table = `${client.escapeIdentifier(schema)}.__drizzle_migrations`;
  const { rows } = await client.query<{ exists: boolean }>("SELECT to_regclass($1) IS NOT NULL AS exists", [
    table,
  ]);
  if (!rows[0]?.exists) return 0;
  const counted = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return counted.rows[0]?.n ?? 0;
}

/** Applies pending migrations on one connection while holding the schema's migration lock; returns how many. */
async function applyMigrations(pool: pg.Pool): Promise<number> {
  const client = await pool.connect();
  try {
    const schema = await currentSchema(client);
    await client.query("SELECT pg_advisory_lock($1, hashtext($2))", [MIGRATION_LOCK_CLASS, schema]);
    try {
      const before = await appliedMigrations(client, schema);
      await migrate(drizzle({ client }), {
        migrationsFolder: PG_MIGRATIONS_FOLDER,
        migrationsSchema: schema,
      });
      return (await appliedMigrations(client, schema)) - before;
    } finally {
      await client.query("SELECT pg_advisory_unlock($1, hashtext($2))", [MIGRATION_LOCK_CLASS, schema]);
    }
  } finally {
    client.release();
  }
}

/** Connects to `databaseUrl`, applies pending migrations, returns the store. */
export async function openPgStore(
  databaseUrl: string,
  options: { readonly logger?: PgStoreLogger } = {},
): Promise<PgArenaStore> {
  const pool = createPool(databaseUrl);
  try {
    const applied = await applyMigrations(pool);
    options.logger?.info(
      `database ${describePostgresUrl(databaseUrl)} ready (${applied} migration(s) applied)`,
    );
    return new PgArenaStore(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
}

/** `arena migrate` on PostgreSQL: applies pending migrations and disconnects. */
export async function migratePgDatabase(
  databaseUrl: string,
  options: { readonly logger?: PgStoreLogger } = {},
): Promise<{ readonly filename: string; readonly applied: number }> {
  const pool = createPool(databaseUrl);
  try {
    const applied = await applyMigrations(pool);
    const filename = describePostgresUrl(databaseUrl);
    options.logger?.info(`database ${filename} migrated (${applied} migration(s) applied)`);
    return { filename, applied };
  } finally {
    await pool.end();
  }
}
