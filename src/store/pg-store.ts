// The arena store on PostgreSQL (node-postgres through drizzle), for deployments where several processes share one
// database. The same behaviour as SqliteArenaStore; where SQLite serialises writers on its file lock, here a
// transaction locks the rows it changes (the battle first; then the voter for a rate-limited vote, or, as a battle
// closes, its aggregate rows in one fixed order, the models and the version counter), and a transaction that loses
// a deadlock or serialisation race is run again.
import { and, asc, desc, eq, sql } from "drizzle-orm";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import type pg from "pg";
import { HARD } from "../arena/categories.ts";
import type {
  ArenaStore,
  AuditEntry,
  BattleRecord,
  ChannelSettings,
  CountedBattle,
  JudgedBattle,
  JudgeLabelRecord,
  JudgeVoteRecord,
  ModelChange,
  ModelInput,
  ModelRecord,
  NewBattle,
  NewVote,
  RankingBattle,
  Subscription,
  TransitionDetails,
  TurnRecord,
  VoteResult,
  VoteRow,
} from "../arena/store.ts";
import type { BattleState, Place, PlatformName, Tally, VoteExclusion } from "../arena/types.ts";
import type { ComparisonCount } from "../ranking/types.ts";
import {
  type AggregateKey,
  addChoice,
  answersByBattle,
  battleTally,
  COUNTED_BATTLES_PAGE,
  canonicalOutcome,
  canonicalRows,
  closingAggregateKeys,
  countOutcomes,
  DEFAULT_VOTING_WINDOW_SECONDS,
  FINAL_STATES,
  HEARTBEAT_RETENTION_MS,
  modelFields,
  newId,
  placeOf,
  type RankingTurnRow,
  rankingBattlesFrom,
  secondOf,
  styleColumns,
  tallyOutcome,
  tallyTotal,
  toSubscription,
  voteExclusions,
} from "./common.ts";
import * as schema from "./pg-schema.ts";

const { auditLog, channelSettings, judgeLabels, judgeVotes, models, subscriptions } = schema;

type Queryable = Pick<pg.PoolClient, "query">;

/** How long a process that listed a battle as due owns its closing (it closes it at once; a crash frees it). */
export const CLOSE_CLAIM_MS = 60_000;

/** Runs of a transaction that lost a deadlock or serialisation race before the error is passed on. */
const TRANSACTION_ATTEMPTS = 8;

/** Advisory-lock class of a voter's lock while their vote is rate-limited (the other key is the voter hash's hash). */
const VOTER_LOCK_CLASS = 0x4152564f;

/** Advisory-lock class of the leaderboard publisher locks (the other key is the schema and platform's hash). */
const PUBLISHER_LOCK_CLASS = 0x41524e41;

/** A battles row as these queries return it (node-postgres parses timestamptz to Date and jsonb to values). */
interface BattleRow {
  readonly id: string;
  readonly platform: string;
  readonly community: string;
  readonly channel: string;
  readonly thread: string | null;
  readonly creatorHash: string;
  readonly modelA: string;
  readonly modelB: string;
  readonly state: BattleState;
  readonly categories: string[];
  readonly createdAt: Date;
  readonly closesAt: Date | null;
  readonly closedAt: Date | null;
  readonly reason: string | null;
  readonly outcome: number | null;
  readonly countedVotes: number;
  readonly countedA: number;
  readonly countedB: number;
  readonly countedTie: number;
  readonly countedBad: number;
  readonly generatingInstance: string | null;
}

interface BattleRecordRow extends BattleRow {
  readonly turns: TurnRecord[];
  readonly messageIds: string[];
}

/** Every column of battles (alias b) under the row's property names. */
const BATTLE_COLUMNS = `b.id, b.platform, b.community, b.channel, b.thread, b.creator_hash AS "creatorHash",
  b.model_a AS "modelA", b.model_b AS "modelB", b.state, b.categories, b.created_at AS "createdAt",
  b.closes_at AS "closesAt", b.closed_at AS "closedAt", b.reason, b.outcome, b.counted_votes AS "countedVotes",
  b.counted_a AS "countedA", b.counted_b AS "countedB", b.counted_tie AS "countedTie", b.counted_bad AS "countedBad",
  b.generating_instance AS "generatingInstance"`;

/** The columns and, in the same query, the battle's turns and remembered message ids. */
const BATTLE_RECORD_COLUMNS = `${BATTLE_COLUMNS},
  (SELECT coalesce(json_agg(json_build_object('turn', t.turn, 'side', t.side, 'userContent', t.user_content,
      'content', t.content, 'promptTokens', t.prompt_tokens, 'completionTokens', t.completion_tokens,
      'latencyMs', t.latency_ms, 'finishReason', t.finish_reason, 'error', t.error)
    ORDER BY t.turn, t.side COLLATE "C"), '[]'::json)
    FROM turns t WHERE t.battle_id = b.id) AS turns,
  (SELECT coalesce(json_agg(m.message_id ORDER BY m.id), '[]'::json)
    FROM battle_messages m WHERE m.battle_id = b.id) AS "messageIds"`;

function toBattleRecord(row: BattleRecordRow): BattleRecord {
  return {
    id: row.id,
    place: placeOf(row),
    creatorHash: row.creatorHash,
    modelA: row.modelA,
    modelB: row.modelB,
    state: row.state,
    categories: row.categories,
    createdAt: row.createdAt,
    closesAt: row.closesAt,
    closedAt: row.closedAt,
    reason: row.reason,
    outcome: row.outcome,
    countedVotes: row.countedVotes,
    turns: row.turns,
    messageIds: row.messageIds,
  };
}

/** PostgreSQL's error code of a failed query (node-postgres puts it on the error; drizzle wraps it in `cause`). */
function pgCode(error: unknown): string | undefined {
  for (let e = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

/** A deadlock or serialisation failure: the transaction did nothing and may simply run again. */
function isRetryable(error: unknown): boolean {
  const code = pgCode(error);
  return code === "40P01" || code === "40001";
}

export class PgArenaStore implements ArenaStore {
  readonly #pool: pg.Pool;
  readonly #db: NodePgDatabase<typeof schema>;
  /** Per platform, the connection holding this process's publisher lock. */
  readonly #publisherLocks = new Map<PlatformName, Promise<pg.PoolClient | null>>();
  #closed = false;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
    this.#db = drizzle({ client: pool, schema });
  }

  /** The pool (the copy command and tests reach tables through it). */
  get pool(): pg.Pool {
    return this.#pool;
  }

  async #query<R extends object>(text: string, values: unknown[] = [], client: Queryable = this.#pool) {
    return (await client.query<R>(text, values)).rows;
  }

  /** Runs `work` in a transaction on one connection; again (bounded) when it lost a deadlock or a serialisation race. */
  async #transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.#pool.connect();
      let broken: Error | undefined;
      try {
        await client.query("BEGIN");
        const result = await work(client);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        if (attempt < TRANSACTION_ATTEMPTS && isRetryable(error)) continue;
        throw error;
      } finally {
        client.release(broken);
      }
    }
  }

  // ---------------------------------------------------------------- registry

  async listModels(): Promise<ModelRecord[]> {
    return this.#db.select().from(models).orderBy(sql`${models.name} COLLATE "C"`);
  }

  async getModel(name: string): Promise<ModelRecord | null> {
    const [row] = await this.#db.select().from(models).where(eq(models.name, name));
    return row ?? null;
  }

  async upsertModel(input: ModelInput, addedBy: string): Promise<ModelRecord> {
    const fields = modelFields(input);
    const [row] = await this.#db
      .insert(models)
      .values({ ...fields, name: input.name, addedBy, createdAt: new Date() })
      .onConflictDoUpdate({ target: models.name, set: fields })
      .returning();
    if (!row) throw new Error(`upsertModel: ${input.name} was not stored`);
    return row;
  }

  async addModel(input: ModelInput, addedBy: string): Promise<ModelRecord | null> {
    const [row] = await this.#db
      .insert(models)
      .values({ ...modelFields(input), name: input.name, addedBy, createdAt: new Date() })
      .onConflictDoNothing({ target: models.name })
      .returning();
    return row ?? null;
  }

  async updateModel(name: string, change: ModelChange): Promise<ModelRecord | null> {
    const set: Partial<typeof models.$inferInsert> = {};
    if (change.aliases !== undefined) set.aliases = [...change.aliases];
    if (change.weight !== undefined) set.weight = change.weight;
    if (change.enabled !== undefined) set.enabled = change.enabled;
    if (change.baseUrl !== undefined) set.baseUrl = change.baseUrl;
    if (change.model !== undefined) set.model = change.model;
    if (change.apiKeyEnv !== undefined) set.apiKeyEnv = change.apiKeyEnv;
    if (Object.keys(set).length === 0) return this.getModel(name);
    const [row] = await this.#db.update(models).set(set).where(eq(models.name, name)).returning();
    return row ?? null;
  }

  async removeModel(name: string): Promise<boolean> {
    const removed = await this.#db
      .delete(models)
      .where(eq(models.name, name))
      .returning({ name: models.name });
    return removed.length > 0;
  }

  async recordModelSuccess(name: string): Promise<void> {
    await this.#db
      .update(models)
      .set({ consecutiveFailures: 0, outageUntil: null })
      .where(eq(models.name, name));
  }

  async recordModelFailure(
    name: string,
    outageFor: (consecutiveFailures: number) => Date | null,
  ): Promise<ModelRecord | null> {
    return this.#transaction(async (client) => {
      const tx = drizzle({ client });
      const [counted] = await tx
        .update(models)
        .set({ consecutiveFailures: sql`${models.consecutiveFailures} + 1` })
        .where(eq(models.name, name))
        .returning();
      if (!counted) return null;
      const [row] = await tx
        .update(models)
        .set({ outageUntil: outageFor(counted.consecutiveFailures) })
        .where(eq(models.name, name))
        .returning();
      return row ?? null;
    });
  }

  // ---------------------------------------------------------------- battles

  async createBattle(battle: NewBattle): Promise<BattleRecord> {
    const id = newId();
    return this.#transaction(async (client) => {
      await client.query(
        `INSERT INTO battles (id, platform, community, channel, thread, creator_hash, model_a, model_b, state,
          categories, created_at, generating_instance)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'generating', $9, $10, $11)`,
        [
          id,
          battle.place.platform,
          battle.place.community,
          battle.place.channel,
          battle.place.thread ?? null,
          battle.creatorHash,
          battle.modelA,
          battle.modelB,
          JSON.stringify(battle.categories),
          battle.createdAt,
          battle.generatingInstance ?? null,
        ],
      );
      await this.#insertUserTurn(client, id, 1, battle.prompt);
      return this.#requireBattle(id, client);
    });
  }

  async #insertUserTurn(client: Queryable, battleId: string, turn: number, userContent: string) {
    await client.query(
      `INSERT INTO turns (battle_id, turn, side, user_content) VALUES ($1, $2, 'a', $3), ($1, $2, 'b', $3)
      ON CONFLICT (battle_id, turn, side) DO UPDATE SET user_content = excluded.user_content`,
      [battleId, turn, userContent],
    );
  }

  async getBattle(id: string, client: Queryable = this.#pool): Promise<BattleRecord | null> {
    const [row] = await this.#query<BattleRecordRow>(
      `SELECT ${BATTLE_RECORD_COLUMNS} FROM battles b WHERE b.id = $1`,
      [id],
      client,
    );
    return row ? toBattleRecord(row) : null;
  }

  async #requireBattle(id: string, client: Queryable): Promise<BattleRecord> {
    const battle = await this.getBattle(id, client);
    if (!battle) throw new Error(`battle ${id} vanished`);
    return battle;
  }

  /** The battle's row, locked until the transaction ends. */
  async #lockBattle(client: Queryable, id: string): Promise<BattleRow | null> {
    const [row] = await this.#query<BattleRow>(
      `SELECT ${BATTLE_COLUMNS} FROM battles b WHERE b.id = $1 FOR UPDATE`,
      [id],
      client,
    );
    return row ?? null;
  }

  async #battles(where: string, values: unknown[], client: Queryable = this.#pool): Promise<BattleRecord[]> {
    const rows = await this.#query<BattleRecordRow>(
      `SELECT ${BATTLE_RECORD_COLUMNS} FROM battles b ${where}`,
      values,
      client,
    );
    return rows.map(toBattleRecord);
  }

  async placeBattle(id: string, place: Place): Promise<void> {
    await this.#pool.query(
      "UPDATE battles SET platform = $2, community = $3, channel = $4, thread = $5 WHERE id = $1",
      [id, place.platform, place.community, place.channel, place.thread ?? null],
    );
  }

  async addUserTurn(
    id: string,
    turn: number,
    userContent: string,
    categories: readonly string[],
  ): Promise<void> {
    await this.#transaction(async (client) => {
      const row = await this.#lockBattle(client, id);
      await this.#insertUserTurn(client, id, turn, userContent);
      // The judge's label is of the battle's prompt, not of the text: a follow-up keeps it.
      const labelled = row?.categories.includes(HARD) ?? false;
      const next = labelled && !categories.includes(HARD) ? [...categories, HARD] : [...categories];
      await client.query("UPDATE battles SET categories = $2 WHERE id = $1", [id, JSON.stringify(next)]);
    });
  }

  async saveAnswer(id: string, record: TurnRecord): Promise<void> {
    const style = styleColumns(record.content);
    await this.#pool.query(
      `INSERT INTO turns (battle_id, turn, side, user_content, content, prompt_tokens, completion_tokens, latency_ms,
        finish_reason, error, style_tokens, style_headers, style_lists, style_bold)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
      ON CONFLICT (battle_id, turn, side) DO UPDATE SET content = excluded.content,
        prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens,
        latency_ms = excluded.latency_ms, finish_reason = excluded.finish_reason, error = excluded.error,
        style_tokens = excluded.style_tokens, style_headers = excluded.style_headers,
        style_lists = excluded.style_lists, style_bold = excluded.style_bold`,
      [
        id,
        record.turn,
        record.side,
        record.userContent,
        record.content,
        record.promptTokens,
        record.completionTokens,
        record.latencyMs,
        record.finishReason,
        record.error,
        style.styleTokens,
        style.styleHeaders,
        style.styleLists,
        style.styleBold,
      ],
    );
  }

  async transitionBattle(
    id: string,
    from: readonly BattleState[],
    to: BattleState,
    at: Date,
    details: TransitionDetails = {},
  ): Promise<BattleRecord | null> {
    const set = ["state = $3"];
    const values: unknown[] = [id, [...from], to];
    const assign = (column: string, value: unknown) => {
      values.push(value);
      set.push(`${column} = $${values.length}`);
    };
    if (to === "generating") assign("generating_instance", details.generatingInstance ?? null);
    if (to === "open" && details.closesAt !== undefined) assign("closes_at", details.closesAt);
    if (FINAL_STATES.includes(to)) assign("closed_at", at);
    if (details.reason !== undefined) assign("reason", details.reason);
    if (FINAL_STATES.includes(to) && details.announceRetryAt !== undefined) {
      assign("announce_retry_at", details.announceRetryAt);
    }
    // Conditional on the current state, so two processes never make the same move twice; and a battle with
    // counted votes is never discarded or errored, so no counted vote ever belongs to such a battle.
    const uncountable = to === "discarded" || to === "errored";
    return this.#transaction(async (client) => {
      const [moved] = await this.#query<BattleRow>(
        `UPDATE battles b SET ${set.join(", ")} WHERE id = $1 AND state = ANY($2::text[])
        ${uncountable ? "AND counted_votes = 0" : ""} RETURNING ${BATTLE_COLUMNS}`,
        values,
        client,
      );
      if (!moved) return null;
      if (to === "closed") await this.#countClosedBattle(client, moved);
      return this.#requireBattle(id, client);
    });
  }

  /**
   * A battle enters the aggregates, its models' counted battles and the aggregates version only as it closes,
   * with the mean of its votes then (no side channel while it is open). Runs inside the closing transaction.
   */
  async #countClosedBattle(client: Queryable, row: BattleRow): Promise<void> {
    const keys = closingAggregateKeys(row, battleTally(row));
    if (keys.length === 0) return;
    await this.#addToAggregates(client, keys);
    await client.query(
      "UPDATE models SET counted_battles = counted_battles + 1 WHERE name = ANY($1::text[])",
      [[row.modelA, row.modelB]],
    );
    await this.#bumpAggregatesVersion(client);
  }

  /**
   * With a claimant, claims the due battles for it: rows another process is claiming are skipped (FOR UPDATE SKIP
   * LOCKED), and a battle claimed by another claimant is left to it for CLOSE_CLAIM_MS (it closes it at once; a
   * crash frees it then), so each process closes different battles.
   */
  async battlesDueToClose(
    now: Date,
    limit: number,
    platforms: readonly PlatformName[],
    claimant?: string,
  ): Promise<BattleRecord[]> {
    if (platforms.length === 0) return [];
    const due = `WHERE b.state = 'open' AND b.closes_at <= $1 AND b.platform = ANY($2::text[])`;
    if (claimant === undefined) {
      return this.#battles(`${due} ORDER BY b.closes_at, b.seq LIMIT $3`, [now, [...platforms], limit]);
    }
    return this.#claimBattles(
      `WITH due AS (
        SELECT b.id FROM battles b ${due}
          AND (b.close_claimed_by IS NOT DISTINCT FROM $4 OR b.close_claimed_until IS NULL
            OR b.close_claimed_until <= $1)
        ORDER BY b.closes_at, b.seq LIMIT $3 FOR UPDATE SKIP LOCKED)
      UPDATE battles SET close_claimed_by = $4, close_claimed_until = $5 FROM due WHERE battles.id = due.id
      RETURNING battles.id`,
      [now, [...platforms], limit, claimant, new Date(now.getTime() + CLOSE_CLAIM_MS)],
      "b.closes_at, b.seq",
    );
  }

  /** Runs a claiming `UPDATE … RETURNING battles.id`, then reads the claimed battles, in one transaction. */
  async #claimBattles(claim: string, values: unknown[], order: string): Promise<BattleRecord[]> {
    return this.#transaction(async (client) => {
      const claimed = await this.#query<{ id: string }>(claim, values, client);
      if (claimed.length === 0) return [];
      return this.#battles(
        `WHERE b.id = ANY($1::text[]) ORDER BY ${order}`,
        [claimed.map((row) => row.id)],
        client,
      );
    });
  }

  /** Claims with FOR UPDATE SKIP LOCKED: processes claiming at once get different battles. */
  async claimAnnouncements(
    now: Date,
    retryAt: Date,
    platforms: readonly PlatformName[],
    limit: number,
  ): Promise<BattleRecord[]> {
    if (platforms.length === 0) return [];
    return this.#claimBattles(
      `WITH due AS (
        SELECT b.id FROM battles b
        WHERE b.announce_retry_at <= $1 AND b.state = ANY($2::text[]) AND b.platform = ANY($3::text[])
        ORDER BY b.announce_retry_at, b.seq LIMIT $4 FOR UPDATE SKIP LOCKED)
      UPDATE battles SET announce_retry_at = $5 FROM due WHERE battles.id = due.id RETURNING battles.id`,
      [now, [...FINAL_STATES], [...platforms], limit, retryAt],
      "b.announce_retry_at, b.seq",
    );
  }

  async announced(battleId: string): Promise<void> {
    await this.#pool.query("UPDATE battles SET announce_retry_at = NULL WHERE id = $1", [battleId]);
  }

  async battlesInState(state: BattleState): Promise<BattleRecord[]> {
    return this.#battles("WHERE b.state = $1 ORDER BY b.created_at, b.seq", [state]);
  }

  async staleGeneratingBattles(
    staleBefore: Date,
    exceptInstance: string,
    platforms: readonly PlatformName[],
  ): Promise<BattleRecord[]> {
    if (platforms.length === 0) return [];
    return this.#battles(
      `WHERE b.state = 'generating' AND b.platform = ANY($1::text[])
        AND b.generating_instance IS DISTINCT FROM $2
        AND NOT EXISTS (SELECT 1 FROM instance_heartbeats h
          WHERE h.instance_id = b.generating_instance AND h.seen_at >= $3)
      ORDER BY b.created_at, b.seq`,
      [[...platforms], exceptInstance, staleBefore],
    );
  }

  async rememberMessage(battleId: string, messageId: string): Promise<void> {
    const inserted = await this.#pool.query(
      `INSERT INTO battle_messages (battle_id, platform, channel, thread, message_id)
      SELECT id, platform, channel, thread, $2 FROM battles WHERE id = $1
      ON CONFLICT DO NOTHING RETURNING 1`,
      [battleId, messageId],
    );
    if (inserted.rowCount === 0) {
      const known = await this.#pool.query("SELECT 1 FROM battles WHERE id = $1", [battleId]);
      if (known.rowCount === 0) throw new Error(`rememberMessage: unknown battle ${battleId}`);
    }
  }

  async battleForMessage(
    platform: PlatformName,
    channel: string,
    messageId: string,
  ): Promise<BattleRecord | null> {
    const [row] = await this.#query<{ battleId: string }>(
      `SELECT battle_id AS "battleId" FROM battle_messages
      WHERE platform = $1 AND message_id = $2 AND (channel = $3 OR thread = $3) LIMIT 1`,
      [platform, messageId, channel],
    );
    return row ? this.getBattle(row.battleId) : null;
  }

  // ---------------------------------------------------------------- votes

  async recordVote(vote: NewVote): Promise<VoteResult> {
    return this.#transaction(async (client) => {
      // The battle's row lock orders the votes of one battle: each reads the tally the previous one left.
      const row = await this.#lockBattle(client, vote.battleId);
      if (!row) return { kind: "unknown_battle" };
      // While a follow-up turn is generated the battle takes no vote at all (recording one would make the voter's
      // next press a duplicate once the new answers are up).
      if (row.state === "generating")
        return { kind: "not_open", battle: await this.#requireBattle(row.id, client) };
      const exclusions = voteExclusions(row.state, vote.exclusions);
      const limit = vote.rateLimit;
      if (limit && !exclusions.includes("rate_limit")) {
        // The voter's own lock: their presses on other battles (other processes too) wait, so all cannot pass.
        await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [
          VOTER_LOCK_CLASS,
          vote.voterHash,
        ]);
        if ((await this.countVotesSince(vote.voterHash, limit.since, client)) >= limit.max)
          exclusions.push("rate_limit");
      }
      const counted = exclusions.length === 0;

      // The unique (battle, voter) index decides: a second vote, even one racing from another process, inserts nothing.
      const inserted = await client.query(
        `INSERT INTO votes (battle_id, voter_hash, choice, at, counted, exclusions) VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (battle_id, voter_hash) DO NOTHING`,
        [vote.battleId, vote.voterHash, vote.choice, vote.at, counted, JSON.stringify(exclusions)],
      );
      if (inserted.rowCount === 0)
        return { kind: "duplicate", battle: await this.#requireBattle(row.id, client) };
      if (counted) {
        // The tally and outcome only: the aggregates learn the outcome when the battle closes.
        const after = addChoice(battleTally(row), vote.choice);
        await client.query(
          `UPDATE battles SET outcome = $2, counted_votes = $3, counted_a = $4, counted_b = $5, counted_tie = $6,
            counted_bad = $7
          WHERE id = $1`,
          [row.id, tallyOutcome(after), tallyTotal(after), after.a, after.b, after.tie, after.bad],
        );
        await client.query(
          `INSERT INTO counted_votes_per_second (voter_hash, second, count) VALUES ($1, $2, 1)
          ON CONFLICT (voter_hash, second) DO UPDATE SET count = counted_votes_per_second.count + 1`,
          [vote.voterHash, secondOf(vote.at.getTime())],
        );
      }
      return { kind: "recorded", counted, exclusions, battle: await this.#requireBattle(row.id, client) };
    });
  }

  async #addToAggregates(client: Queryable, keys: readonly AggregateKey[]): Promise<void> {
    for (const key of keys) {
      await client.query(
        `INSERT INTO aggregate_counts (category, model_a, model_b, outcome, count) VALUES ($1, $2, $3, $4, 1)
        ON CONFLICT (category, model_a, model_b, outcome) DO UPDATE SET count = aggregate_counts.count + 1`,
        [key.category, key.modelA, key.modelB, key.outcome],
      );
    }
  }

  async #bumpAggregatesVersion(client: Queryable): Promise<void> {
    await client.query(
      `INSERT INTO meta (key, value) VALUES ('aggregates_version', 1)
      ON CONFLICT (key) DO UPDATE SET value = meta.value + 1`,
    );
  }

  /** Counted votes of the battle by choice (the same votes its outcome is the mean of); zeros if unknown. */
  async tally(battleId: string): Promise<Tally> {
    const [row] = await this.#query<BattleRow>(`SELECT ${BATTLE_COLUMNS} FROM battles b WHERE b.id = $1`, [
      battleId,
    ]);
    return row ? battleTally(row) : { a: 0, b: 0, tie: 0, bad: 0 };
  }

  async votesOf(battleId: string): Promise<VoteRow[]> {
    return this.#query<VoteRow & { exclusions: VoteExclusion[] }>(
      `SELECT battle_id AS "battleId", voter_hash AS "voterHash", choice, at, counted, exclusions
      FROM votes WHERE battle_id = $1 ORDER BY id`,
      [battleId],
    );
  }

  async countVotesSince(voterHash: string, since: Date, client: Queryable = this.#pool): Promise<number> {
    // Whole seconds from the per-second counts, the part of the first second from the votes themselves.
    const from = since.getTime();
    const firstWholeSecond = Math.ceil(from / 1000);
    const [whole] = await this.#query<{ n: number }>(
      `SELECT coalesce(sum(count), 0)::int AS n FROM counted_votes_per_second
      WHERE voter_hash = $1 AND second >= $2`,
      [voterHash, firstWholeSecond],
      client,
    );
    if (from === firstWholeSecond * 1000) return whole?.n ?? 0;
    const [part] = await this.#query<{ n: number }>(
      "SELECT count(*)::int AS n FROM votes WHERE voter_hash = $1 AND at >= $2 AND at < $3 AND counted",
      [voterHash, since, new Date(firstWholeSecond * 1000)],
      client,
    );
    return (whole?.n ?? 0) + (part?.n ?? 0);
  }

  // ---------------------------------------------------------------- aggregates

  async aggregateCounts(category: string): Promise<ComparisonCount[]> {
    return this.#query<ComparisonCount>(
      `SELECT model_a AS "modelA", model_b AS "modelB", outcome, count FROM aggregate_counts WHERE category = $1
      ORDER BY model_a COLLATE "C", model_b COLLATE "C", outcome`,
      [category],
    );
  }

  async recountFromVotes(category: string): Promise<ComparisonCount[]> {
    const perBattle = await this.#query<{
      modelA: string;
      modelB: string;
      a: number;
      b: number;
      tie: number;
      bad: number;
    }>(
      `SELECT b.model_a AS "modelA", b.model_b AS "modelB",
        count(*) FILTER (WHERE v.choice = 'a')::int AS a, count(*) FILTER (WHERE v.choice = 'b')::int AS b,
        count(*) FILTER (WHERE v.choice = 'tie')::int AS tie, count(*) FILTER (WHERE v.choice = 'bad')::int AS bad
      FROM votes v JOIN battles b ON b.id = v.battle_id
      WHERE v.counted AND b.state = 'closed' AND b.categories ? $1
      GROUP BY v.battle_id, b.model_a, b.model_b`,
      [category],
    );
    return countOutcomes(perBattle);
  }

  async categories(): Promise<{ readonly category: string; readonly battles: number }[]> {
    return this.#query<{ category: string; battles: number }>(
      `SELECT category, sum(count)::int AS battles FROM aggregate_counts GROUP BY category
      ORDER BY category COLLATE "C"`,
    );
  }

  async aggregatesVersion(): Promise<number> {
    const [row] = await this.#query<{ value: string }>(
      "SELECT value FROM meta WHERE key = 'aggregates_version'",
    );
    return row ? Number(row.value) : 0;
  }

  /** Battles with at least one counted vote, oldest first, a page at a time (keyset on seq). */
  async *countedBattles(): AsyncIterable<CountedBattle> {
    let after = 0;
    for (;;) {
      const page = await this.#query<BattleRow & { seq: string; turnCount: number }>(
        `SELECT ${BATTLE_COLUMNS}, b.seq,
          (SELECT coalesce(max(t.turn), 0) FROM turns t WHERE t.battle_id = b.id) AS "turnCount"
        FROM battles b WHERE b.seq > $1 AND b.state = 'closed' AND b.counted_votes > 0 ORDER BY b.seq LIMIT $2`,
        [after, COUNTED_BATTLES_PAGE],
      );
      for (const row of page) {
        yield {
          id: row.id,
          modelA: row.modelA,
          modelB: row.modelB,
          outcome: row.outcome ?? 0.5,
          tally: battleTally(row),
          categories: row.categories,
          platform: row.platform,
          turns: row.turnCount,
          closedAt: row.closedAt,
          createdAt: row.createdAt,
        };
      }
      const last = page.at(-1);
      if (!last || page.length < COUNTED_BATTLES_PAGE) return;
      after = Number(last.seq);
    }
  }

  async rankingBattles(category: string): Promise<RankingBattle[]> {
    const rows = await this.#query<RankingTurnRow>(
      `SELECT b.id, b.model_a AS "modelA", b.model_b AS "modelB", b.outcome, t.side,
        t.user_content AS "userContent", t.content, t.style_tokens AS tokens, t.style_headers AS headers,
        t.style_lists AS lists, t.style_bold AS bold
      FROM battles b JOIN turns t ON t.battle_id = b.id
      WHERE b.state = 'closed' AND b.counted_votes > 0 AND b.categories ? $1
      ORDER BY b.seq, t.turn, t.side COLLATE "C"`,
      [category],
    );
    return rankingBattlesFrom(rows);
  }

  /**
   * Adds counts straight into a category's aggregates, as if that many battles had been counted (benchmarks and
   * imports of historical data). Rows are canonicalised like votes; the aggregates version moves.
   */
  async addAggregateCounts(category: string, rows: readonly ComparisonCount[]): Promise<void> {
    const canonical = canonicalRows(rows);
    await this.#transaction(async (client) => {
      if (canonical.length > 0) {
        await client.query(
          `INSERT INTO aggregate_counts (category, model_a, model_b, outcome, count)
          SELECT $1, * FROM unnest($2::text[], $3::text[], $4::float8[], $5::int[])
          ON CONFLICT (category, model_a, model_b, outcome)
            DO UPDATE SET count = aggregate_counts.count + excluded.count`,
          [
            category,
            canonical.map((row) => row.modelA),
            canonical.map((row) => row.modelB),
            canonical.map((row) => row.outcome),
            canonical.map((row) => row.count),
          ],
        );
      }
      await this.#bumpAggregatesVersion(client);
    });
  }

  // ---------------------------------------------------------------- the judge model

  async saveJudgeLabel(record: JudgeLabelRecord, hardCategory: string | null): Promise<void> {
    await this.#transaction(async (client) => {
      const row = await this.#lockBattle(client, record.battleId);
      const values = {
        battleId: record.battleId,
        judge: record.judge,
        criteria: record.criteria === null ? null : [...record.criteria],
        attempts: record.attempts,
        error: record.error,
        at: record.at,
      };
      await drizzle({ client })
        .insert(judgeLabels)
        .values(values)
        .onConflictDoUpdate({ target: judgeLabels.battleId, set: values });
      if (hardCategory === null || !row || row.categories.includes(hardCategory)) return;
      await client.query("UPDATE battles SET categories = $2 WHERE id = $1", [
        row.id,
        JSON.stringify([...row.categories, hardCategory]),
      ]);
      // A closed battle already counted in its other categories counts in the new one too; an open one joins
      // them all when it closes.
      const key = row.state === "closed" && canonicalOutcome(row.modelA, row.modelB, battleTally(row));
      if (key) {
        await this.#addToAggregates(client, [{ category: hardCategory, ...key }]);
        await this.#bumpAggregatesVersion(client);
      }
    });
  }

  async judgeLabel(battleId: string): Promise<JudgeLabelRecord | null> {
    const [row] = await this.#db.select().from(judgeLabels).where(eq(judgeLabels.battleId, battleId));
    return row ?? null;
  }

  async saveJudgeVote(record: JudgeVoteRecord): Promise<void> {
    const values = { ...record };
    await this.#db
      .insert(judgeVotes)
      .values(values)
      .onConflictDoUpdate({ target: judgeVotes.battleId, set: values });
  }

  async judgeVote(battleId: string): Promise<JudgeVoteRecord | null> {
    const [row] = await this.#db.select().from(judgeVotes).where(eq(judgeVotes.battleId, battleId));
    return row ?? null;
  }

  async battlesAwaitingJudge(
    votes: boolean,
    limit: number,
  ): Promise<{ readonly label: readonly string[]; readonly vote: readonly string[] }> {
    const ids = async (query: string) =>
      (await this.#query<{ id: string }>(query, [limit])).map((row) => row.id);
    return {
      label: await ids(
        `SELECT id FROM battles b WHERE state IN ('open', 'closed')
        AND NOT EXISTS (SELECT 1 FROM judge_labels l WHERE l.battle_id = b.id) ORDER BY b.seq LIMIT $1`,
      ),
      vote: votes
        ? await ids(
            `SELECT id FROM battles b WHERE state = 'closed'
            AND NOT EXISTS (SELECT 1 FROM judge_votes v WHERE v.battle_id = b.id) ORDER BY b.seq LIMIT $1`,
          )
        : [],
    };
  }

  async judgedBattles(): Promise<JudgedBattle[]> {
    const rows = await this.#query<BattleRow & { judgeOutcome: number }>(
      `SELECT ${BATTLE_COLUMNS}, j.outcome AS "judgeOutcome"
      FROM judge_votes j JOIN battles b ON b.id = j.battle_id
      WHERE j.outcome IS NOT NULL ORDER BY b.seq`,
    );
    if (rows.length === 0) return [];
    const answers = answersByBattle(
      await this.#query<{ battleId: string; side: "a" | "b"; content: string | null }>(
        `SELECT t.battle_id AS "battleId", t.side, t.content FROM turns t
        JOIN judge_votes j ON j.battle_id = t.battle_id ORDER BY t.battle_id COLLATE "C", t.turn`,
      ),
    );
    return rows.map((battle) => ({
      battleId: battle.id,
      modelA: battle.modelA,
      modelB: battle.modelB,
      categories: battle.categories,
      judgeOutcome: battle.judgeOutcome,
      humanOutcome: battle.state === "closed" && battle.countedVotes > 0 ? battle.outcome : null,
      answerA: (answers.get(battle.id)?.a ?? []).join("\n\n"),
      answerB: (answers.get(battle.id)?.b ?? []).join("\n\n"),
    }));
  }

  // ---------------------------------------------------------------- channel settings, subscriptions

  async channelSettings(place: Place): Promise<ChannelSettings> {
    const [row] = await this.#db
      .select()
      .from(channelSettings)
      .where(
        and(
          eq(channelSettings.platform, place.platform),
          eq(channelSettings.community, place.community),
          eq(channelSettings.channel, place.channel),
        ),
      );
    return {
      place: { platform: place.platform, community: place.community, channel: place.channel },
      votingWindowSeconds: row?.votingWindowSeconds ?? DEFAULT_VOTING_WINDOW_SECONDS,
      whoMayVote: row?.whoMayVote ?? "everyone",
    };
  }

  async saveChannelSettings(settings: ChannelSettings): Promise<void> {
    const values = { votingWindowSeconds: settings.votingWindowSeconds, whoMayVote: settings.whoMayVote };
    await this.#db
      .insert(channelSettings)
      .values({
        platform: settings.place.platform,
        community: settings.place.community,
        channel: settings.place.channel,
        ...values,
      })
      .onConflictDoUpdate({
        target: [channelSettings.platform, channelSettings.community, channelSettings.channel],
        set: values,
      });
  }

  /** A second subscription of the same place and category updates `everyBattles` and keeps the rest. */
  async subscribe(place: Place, category: string, everyBattles: number, at: Date): Promise<Subscription> {
    const [row] = await this.#db
      .insert(subscriptions)
      .values({
        id: newId(),
        platform: place.platform,
        community: place.community,
        channel: place.channel,
        thread: place.thread ?? "",
        category,
        everyBattles,
        lastTop: [],
        lastBattleTotal: 0,
        createdAt: at,
      })
      .onConflictDoUpdate({
        target: [
          subscriptions.platform,
          subscriptions.community,
          subscriptions.channel,
          subscriptions.thread,
          subscriptions.category,
        ],
        set: { everyBattles },
      })
      .returning();
    if (!row) throw new Error("subscribe: the subscription was not stored");
    return toSubscription(row);
  }

  async unsubscribe(place: Place, category: string): Promise<boolean> {
    const removed = await this.#db
      .delete(subscriptions)
      .where(
        and(
          eq(subscriptions.platform, place.platform),
          eq(subscriptions.community, place.community),
          eq(subscriptions.channel, place.channel),
          eq(subscriptions.thread, place.thread ?? ""),
          eq(subscriptions.category, category),
        ),
      )
      .returning({ id: subscriptions.id });
    return removed.length > 0;
  }

  async subscriptions(): Promise<Subscription[]> {
    const rows = await this.#db
      .select()
      .from(subscriptions)
      .orderBy(asc(subscriptions.createdAt), sql`${subscriptions.id} COLLATE "C"`);
    return rows.map(toSubscription);
  }

  async markPublished(subscriptionId: string, top: readonly string[], battleTotal: number): Promise<void> {
    await this.#db
      .update(subscriptions)
      .set({ lastTop: [...top], lastBattleTotal: battleTotal })
      .where(eq(subscriptions.id, subscriptionId));
  }

  /**
   * Whether this process is the one publisher of `platform`'s leaderboard updates: it holds a session advisory
   * lock (per schema and platform) on a connection of its own. When that connection dies with its process, the
   * server releases the lock and the next process asking takes it.
   */
  async isPublisher(platform: PlatformName): Promise<boolean> {
    if (this.#closed) return false;
    let holder = this.#publisherLocks.get(platform);
    if (holder) {
      const client = await holder;
      if (client) {
        // A connection the server ended (its backend was terminated) fails here; the next call tries again.
        try {
          await client.query("SELECT 1");
          return true;
        } catch {
          client.release(new Error("publisher connection lost"));
        }
      }
      this.#publisherLocks.delete(platform);
    }
    holder = this.#tryPublisherLock(platform);
    this.#publisherLocks.set(platform, holder);
    const client = await holder;
    if (!client) this.#publisherLocks.delete(platform);
    return client !== null;
  }

  async #tryPublisherLock(platform: PlatformName): Promise<pg.PoolClient | null> {
    const client = await this.#pool.connect();
    try {
      const [row] = (
        await client.query<{ locked: boolean }>(
          "SELECT pg_try_advisory_lock($1, hashtext(current_schema() || ':' || $2)) AS locked",
          [PUBLISHER_LOCK_CLASS, platform],
        )
      ).rows;
      if (row?.locked) {
        // An error on this idle connection (the server went away) must not crash the process: the lock is gone
        // with it, and the next isPublisher call notices.
        client.on("error", () => {});
        return client;
      }
      client.release();
      return null;
    } catch (error) {
      client.release(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
  }

  // ---------------------------------------------------------------- instances

  async heartbeat(instanceId: string, at: Date): Promise<void> {
    await this.#transaction(async (client) => {
      await client.query(
        `INSERT INTO instance_heartbeats (instance_id, seen_at) VALUES ($1, $2)
        ON CONFLICT (instance_id) DO UPDATE SET seen_at = excluded.seen_at`,
        [instanceId, at],
      );
      await client.query("DELETE FROM instance_heartbeats WHERE seen_at < $1", [
        new Date(at.getTime() - HEARTBEAT_RETENTION_MS),
      ]);
    });
  }

  // ---------------------------------------------------------------- audit

  async audit(entry: AuditEntry): Promise<void> {
    await this.#db.insert(auditLog).values({ ...entry, details: entry.details });
  }

  /** Newest first. */
  async auditLog(limit: number): Promise<AuditEntry[]> {
    const rows = await this.#db.select().from(auditLog).orderBy(desc(auditLog.id)).limit(limit);
    return rows.map(({ id: _id, ...entry }) => entry);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const holder of this.#publisherLocks.values()) {
      const client = await holder.catch(() => null);
      if (!client) continue;
      // Let go before disconnecting, so another process can take over at once (not when the server notices).
      const unlocked = await client.query("SELECT pg_advisory_unlock_all()").then(
        () => undefined,
        (error: Error) => error,
      );
      client.release(unlocked ?? true);
    }
    this.#publisherLocks.clear();
    await this.#pool.end();
  }
}
