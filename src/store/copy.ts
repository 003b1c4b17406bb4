// `arena copy --from URL --to URL`: moves a deployment's data from one database to another (SQLite → PostgreSQL
// when it outgrows one process, or either way). The target is migrated first and must be empty; everything is
// read from one snapshot of the source and written in one transaction on the target, which commits only when
// every table's row count equals the source's. The rows go through drizzle on both sides, so each column's
// mapping (timestamps, booleans, JSON) is the schema's own.
import Database from "better-sqlite3";
import { type AnyColumn, asc, count, getTableColumns, type SQL, sql } from "drizzle-orm";
import { drizzle as drizzleSqlite } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import type { PgTable } from "drizzle-orm/pg-core";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type pg from "pg";
import { databaseFilename, migrateDatabase } from "./index.ts";
import * as pgSchema from "./pg-schema.ts";
import { createPool, describePostgresUrl, isPostgresUrl } from "./postgres.ts";
import * as sqliteSchema from "./schema.ts";

interface CopiedTable {
  readonly key: string;
  readonly sqlite: SQLiteTable;
  readonly pg: PgTable;
  readonly pgOrder: readonly string[];
}

/**
 * Referenced tables first. Rows are read page after page in insertion order (keyset paging, so a large table is
 * never held whole), and inserted in that order: ties between rows stored in the same millisecond keep breaking
 * the same way. On SQLite insertion order is the rowid; on PostgreSQL it is `pgOrder`, a unique key (an identity
 * column where the tables have one). Instance heartbeats belong to running processes and are not copied.
 */
const COPIED_TABLES: readonly CopiedTable[] = [
  { key: "models", sqlite: sqliteSchema.models, pg: pgSchema.models, pgOrder: ["name"] },
  { key: "battles", sqlite: sqliteSchema.battles, pg: pgSchema.battles, pgOrder: ["seq"] },
  { key: "turns", sqlite: sqliteSchema.turns, pg: pgSchema.turns, pgOrder: ["battleId", "turn", "side"] },
  {
    key: "battleMessages",
    sqlite: sqliteSchema.battleMessages,
    pg: pgSchema.battleMessages,
    pgOrder: ["id"],
  },
  { key: "votes", sqlite: sqliteSchema.votes, pg: pgSchema.votes, pgOrder: ["id"] },
  {
    key: "aggregateCounts",
    sqlite: sqliteSchema.aggregateCounts,
    pg: pgSchema.aggregateCounts,
    pgOrder: ["category", "modelA", "modelB", "outcome"],
  },
  {
    key: "channelSettings",
    sqlite: sqliteSchema.channelSettings,
    pg: pgSchema.channelSettings,
    pgOrder: ["platform", "community", "channel"],
  },
  { key: "subscriptions", sqlite: sqliteSchema.subscriptions, pg: pgSchema.subscriptions, pgOrder: ["id"] },
  { key: "auditLog", sqlite: sqliteSchema.auditLog, pg: pgSchema.auditLog, pgOrder: ["id"] },
  { key: "meta", sqlite: sqliteSchema.meta, pg: pgSchema.meta, pgOrder: ["key"] },
  {
    key: "countedVotesPerSecond",
    sqlite: sqliteSchema.countedVotesPerSecond,
    pg: pgSchema.countedVotesPerSecond,
    pgOrder: ["voterHash", "second"],
  },
  { key: "judgeLabels", sqlite: sqliteSchema.judgeLabels, pg: pgSchema.judgeLabels, pgOrder: ["battleId"] },
  { key: "judgeVotes", sqlite: sqliteSchema.judgeVotes, pg: pgSchema.judgeVotes, pgOrder: ["battleId"] },
];

/** The SQLite rowid, read beside a page's columns (the keyset of the next page). */
const ROWID = "copyRowid";

/**
 * PostgreSQL-only columns a copy leaves to the target: identities it numbers itself (in the order rows arrive,
 * which is the source's order) and the short-lived close claims of running processes.
 */
const LEFT_TO_TARGET = new Set(["seq", "closeClaimedBy", "closeClaimedUntil"]);
const PG_IDENTITIES: Readonly<Record<string, string>> = {
  battleMessages: "id",
  votes: "id",
  auditLog: "id",
};

/** Rows per page read and per insert (well under both databases' bound-parameter limits). */
const PAGE_ROWS = 500;

export interface CopyOptions {
  /** Rows per page (tests use small pages to cross page boundaries). */
  readonly pageRows?: number;
}

export interface TableCopy {
  readonly table: string;
  readonly source: number;
  readonly target: number;
}

export interface CopyResult {
  readonly from: string;
  readonly to: string;
  readonly tables: readonly TableCopy[];
}

/** Something the user can fix (same database twice, a target that holds data): nothing was written. */
export class CopyRefused extends Error {}

type Row = Record<string, unknown>;

/** One database, as the copy sees it: counts, pages of rows in a unique order, inserts, one transaction. */
interface Side {
  readonly kind: "sqlite" | "postgres";
  readonly label: string;
  count(table: CopiedTable): Promise<number>;
  /** The next page after the row `after` (null: the first page). */
  page(table: CopiedTable, after: Row | null): Promise<Row[]>;
  insert(table: CopiedTable, rows: Row[]): Promise<void>;
  begin(readOnly: boolean): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(): Promise<void>;
}

function keysetFilter(columns: readonly AnyColumn[], after: readonly unknown[] | null): SQL | undefined {
  if (after === null) return undefined;
  // Each value goes through its column's own encoding (a Date becomes milliseconds on SQLite).
  const values = after.map((value, index) => sql.param(value, columns[index]));
  return sql`(${sql.join([...columns], sql`, `)}) > (${sql.join(values, sql`, `)})`;
}

function orderColumns(columns: Record<string, AnyColumn>, order: readonly string[]): AnyColumn[] {
  return order.map((name) => {
    const column = columns[name];
    if (!column) throw new Error(`copy: the table has no column ${name}`);
    return column;
  });
}

function openSqliteSide(databaseUrl: string, pageRows: number): Side {
  const filename = databaseFilename(databaseUrl);
  const connection = new Database(filename, { fileMustExist: true });
  connection.pragma("busy_timeout = 10000");
  connection.pragma("foreign_keys = ON");
  const db = drizzleSqlite({ client: connection, schema: sqliteSchema });
  return {
    kind: "sqlite",
    label: filename,
    async count(entry) {
      return db.select({ n: count() }).from(entry.sqlite).get()?.n ?? 0;
    },
    async page(entry, after) {
      const rowid = sql<number>`${entry.sqlite}.rowid`;
      const last = after?.[ROWID];
      return db
        .select({ ...getTableColumns(entry.sqlite), [ROWID]: rowid })
        .from(entry.sqlite)
        .where(last === undefined ? undefined : sql`${rowid} > ${last}`)
        .orderBy(rowid)
        .limit(pageRows)
        .all() as Row[];
    },
    async insert(entry, rows) {
      db.insert(entry.sqlite)
        .values(rows as never)
        .run();
    },
    async begin(readOnly) {
      connection.exec(readOnly ? "BEGIN" : "BEGIN IMMEDIATE");
    },
    async commit() {
      connection.exec("COMMIT");
    },
    async rollback() {
      if (connection.inTransaction) connection.exec("ROLLBACK");
    },
    async close() {
      connection.close();
    },
  };
}

async function openPgSide(databaseUrl: string, pageRows: number): Promise<Side> {
  const pool = createPool(databaseUrl);
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    await pool.end();
    throw error;
  }
  const db = drizzlePg({ client, schema: pgSchema });
  return {
    kind: "postgres",
    label: describePostgresUrl(databaseUrl),
    async count(entry) {
      const [row] = await db.select({ n: count() }).from(entry.pg);
      return row?.n ?? 0;
    },
    async page(entry, after) {
      const order = entry.pgOrder;
      const columns = orderColumns(getTableColumns(entry.pg), order);
      return (await db
        .select()
        .from(entry.pg)
        .where(keysetFilter(columns, after && order.map((name) => after[name])))
        .orderBy(...columns.map((column) => asc(column)))
        .limit(pageRows)) as Row[];
    },
    async insert(entry, rows) {
      await db.insert(entry.pg).values(rows as never);
    },
    async begin(readOnly) {
      // A snapshot for the reads: a bot still writing to the source cannot make tables disagree.
      await client.query(readOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN");
    },
    async commit() {
      await client.query("COMMIT");
    },
    async rollback() {
      await client.query("ROLLBACK").catch(() => {});
    },
    async close() {
      client.release();
      await pool.end();
    },
  };
}

function openSide(databaseUrl: string, pageRows: number): Promise<Side> {
  return isPostgresUrl(databaseUrl)
    ? openPgSide(databaseUrl, pageRows)
    : Promise.resolve(openSqliteSide(databaseUrl, pageRows));
}

/** The source row as the target's table takes it: only its columns, without those the target fills itself. */
function rowForTarget(entry: CopiedTable, row: Row, target: Side): Row {
  const targetColumns = Object.keys(getTableColumns(target.kind === "postgres" ? entry.pg : entry.sqlite));
  const identity = target.kind === "postgres" ? PG_IDENTITIES[entry.key] : undefined;
  const kept: Row = {};
  for (const column of targetColumns) {
    if (column === identity || LEFT_TO_TARGET.has(column)) continue;
    if (column in row) kept[column] = row[column];
  }
  return kept;
}

/** Copies every table of `from` into the empty database `to` (migrated first); see the file comment. */
export async function copyDatabase(from: string, to: string, options: CopyOptions = {}): Promise<CopyResult> {
  const pageRows = options.pageRows ?? PAGE_ROWS;
  if (from.trim() === to.trim()) throw new CopyRefused("--from and --to name the same database");
  if (!isPostgresUrl(from) && databaseFilename(from) === ":memory:") {
    throw new CopyRefused("--from must name a database file or a postgres:// URL, not :memory:");
  }
  await migrateDatabase(to);
  const source = await openSide(from, pageRows);
  try {
    const target = await openSide(to, pageRows);
    try {
      const held: string[] = [];
      for (const entry of COPIED_TABLES) {
        const rows = await target.count(entry);
        if (rows > 0) held.push(`${rows} in ${entry.key}`);
      }
      if (held.length > 0) {
        throw new CopyRefused(
          `the target ${target.label} already holds data (${held.join(", ")}); copy only into an empty database`,
        );
      }
      await source.begin(true);
      await target.begin(false);
      try {
        const tables: TableCopy[] = [];
        for (const entry of COPIED_TABLES) {
          let after: Row | null = null;
          for (;;) {
            const rows = await source.page(entry, after);
            if (rows.length === 0) break;
            await target.insert(
              entry,
              rows.map((row) => rowForTarget(entry, row, target)),
            );
            after = rows.at(-1) ?? null;
          }
          tables.push({
            table: entry.key,
            source: await source.count(entry),
            target: await target.count(entry),
          });
        }
        const wrong = tables.filter((entry) => entry.source !== entry.target);
        if (wrong.length > 0) {
          throw new Error(
            `counts differ after the copy (${wrong.map((entry) => `${entry.table}: ${entry.source} → ${entry.target}`).join(", ")}); nothing was written`,
          );
        }
        await target.commit();
        await source.commit();
        return { from: source.label, to: target.label, tables };
      } catch (error) {
        await target.rollback();
        await source.rollback();
        throw error;
      }
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}
