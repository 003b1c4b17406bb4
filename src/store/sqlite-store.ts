// The arena store on SQLite (better-sqlite3 through drizzle). better-sqlite3 is synchronous: every method does its
// work at once inside an immediate transaction where it writes several rows, so concurrent writers (another
// store on the same file, another process) serialise on SQLite's write lock.
import { randomBytes } from "node:crypto";
import type Database from "better-sqlite3";
import { and, asc, count, desc, eq, gt, gte, inArray, lte, sql, sum } from "drizzle-orm";
import type { BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import type {
  ArenaStore,
  AuditEntry,
  BattleRecord,
  ChannelSettings,
  CountedBattle,
  ModelChange,
  ModelInput,
  ModelRecord,
  NewBattle,
  NewVote,
  Subscription,
  TurnRecord,
  VoteResult,
  VoteRow,
} from "../arena/store.ts";
import type { BattleState, Place, PlatformName, Tally, VoteChoice, VoteExclusion } from "../arena/types.ts";
import type { ComparisonCount } from "../ranking/types.ts";
import * as schema from "./schema.ts";

export type StoreDatabase = BetterSQLite3Database<typeof schema>;

type BattleRow = typeof schema.battles.$inferSelect;
type ModelRow = typeof schema.models.$inferSelect;
type SubscriptionRow = typeof schema.subscriptions.$inferSelect;

const {
  aggregateCounts,
  auditLog,
  battleMessages,
  battles,
  channelSettings,
  meta,
  models,
  subscriptions,
  turns,
  votes,
} = schema;

const AGGREGATES_VERSION = "aggregates_version";
const DEFAULT_VOTING_WINDOW_SECONDS = 3600;
const FINAL_STATES: readonly BattleState[] = ["closed", "discarded", "errored"];
const COUNTED_BATTLES_PAGE = 1000;

/** What the battle's own state adds to a vote's exclusions. */
const STATE_EXCLUSION: Record<BattleState, VoteExclusion | null> = {
  generating: "not_open",
  open: null,
  closed: "after_reveal",
  discarded: "leak",
  errored: "error",
};

/** 16 base64url characters (96 random bits): short enough for button payloads. */
function newId(): string {
  return randomBytes(12).toString("base64url");
}

/** Counted votes per choice → the battle's outcome key. */
interface CountedTally {
  readonly a: number;
  readonly b: number;
  readonly tie: number;
  readonly bad: number;
}

function tallyTotal(t: CountedTally): number {
  return t.a + t.b + t.tie + t.bad;
}

/**
 * The canonical aggregate key of a battle with this counted tally: modelA < modelB, outcome flipped when swapped.
 * Always computed from integer half-points, so a later decrement finds exactly the float it incremented.
 * Null for a battle without counted votes or (never expected) a model against itself.
 */
export function canonicalOutcome(
  modelA: string,
  modelB: string,
  t: CountedTally,
): { readonly modelA: string; readonly modelB: string; readonly outcome: number } | null {
  const total = tallyTotal(t);
  if (total === 0 || modelA === modelB) return null;
  const halfPoints = 2 * t.a + t.tie + t.bad;
  if (modelA < modelB) return { modelA, modelB, outcome: halfPoints / (2 * total) };
  return { modelA: modelB, modelB: modelA, outcome: (2 * total - halfPoints) / (2 * total) };
}

function battleTally(row: BattleRow): CountedTally {
  return { a: row.countedA, b: row.countedB, tie: row.countedTie, bad: row.countedBad };
}

function addChoice(t: CountedTally, choice: VoteChoice): CountedTally {
  return { ...t, [choice]: t[choice] + 1 };
}

function placeOf(row: {
  platform: string;
  community: string;
  channel: string;
  thread: string | null;
}): Place {
  const place = { platform: row.platform, community: row.community, channel: row.channel };
  return row.thread ? { ...place, thread: row.thread } : place;
}

function toModelRecord(row: ModelRow): ModelRecord {
  return { ...row };
}

function toSubscription(row: SubscriptionRow): Subscription {
  return {
    id: row.id,
    place: placeOf({ ...row, thread: row.thread === "" ? null : row.thread }),
    category: row.category,
    everyBattles: row.everyBattles,
    lastTop: row.lastTop,
    lastBattleTotal: row.lastBattleTotal,
    createdAt: row.createdAt,
  };
}

/** Sorts canonical rows the way aggregateCounts returns them (the primary key's order). */
function compareCounts(x: ComparisonCount, y: ComparisonCount): number {
  if (x.modelA !== y.modelA) return x.modelA < y.modelA ? -1 : 1;
  if (x.modelB !== y.modelB) return x.modelB < y.modelB ? -1 : 1;
  return x.outcome - y.outcome;
}

export class SqliteArenaStore implements ArenaStore {
  readonly #db: StoreDatabase;
  readonly #sqlite: Database.Database;

  // Statements of the hot paths (a vote, a button press), prepared once.
  readonly #selectBattle;
  readonly #selectTurns;
  readonly #selectMessageIds;
  readonly #insertVote;
  readonly #updateBattleCounts;
  readonly #incrementAggregate;
  readonly #decrementAggregate;
  readonly #deleteEmptyAggregate;
  readonly #countModelBattle;
  readonly #bumpAggregatesVersion;
  readonly #selectAggregatesVersion;
  readonly #selectAggregates;
  readonly #countVotesSince;
  readonly #selectBattleForMessage;
  readonly #recordVoteTransaction: (vote: NewVote) => VoteResult;

  constructor(db: StoreDatabase, sqlite: Database.Database) {
    this.#db = db;
    this.#sqlite = sqlite;
    // drizzle encodes a placeholder through its column (Date → ms, JSON → text) in insert values, but binds it
    // raw in where clauses and sql`` fragments: there the caller passes driver values (numbers for times).
    const p = sql.placeholder;
    this.#selectBattle = db
      .select()
      .from(battles)
      .where(eq(battles.id, p("id")))
      .prepare();
    this.#selectTurns = db
      .select()
      .from(turns)
      .where(eq(turns.battleId, p("id")))
      .orderBy(asc(turns.turn), asc(turns.side))
      .prepare();
    this.#selectMessageIds = db
      .select({ messageId: battleMessages.messageId })
      .from(battleMessages)
      .where(eq(battleMessages.battleId, p("id")))
      .orderBy(sql`rowid`)
      .prepare();
    this.#insertVote = db
      .insert(votes)
      .values({
        battleId: p("battleId"),
        voterHash: p("voterHash"),
        choice: p("choice"),
        at: p("at"),
        counted: p("counted"),
        exclusions: p("exclusions"),
      })
      .onConflictDoNothing({ target: [votes.battleId, votes.voterHash] })
      .prepare();
    this.#updateBattleCounts = db
      .update(battles)
      .set({
        outcome: sql`${p("outcome")}`,
        countedVotes: sql`${p("countedVotes")}`,
        countedA: sql`${p("a")}`,
        countedB: sql`${p("b")}`,
        countedTie: sql`${p("tie")}`,
        countedBad: sql`${p("bad")}`,
      })
      .where(eq(battles.id, p("id")))
      .prepare();
    this.#incrementAggregate = db
      .insert(aggregateCounts)
      .values({
        category: p("category"),
        modelA: p("modelA"),
        modelB: p("modelB"),
        outcome: p("outcome"),
        count: 1,
      })
      .onConflictDoUpdate({
        target: [
          aggregateCounts.category,
          aggregateCounts.modelA,
          aggregateCounts.modelB,
          aggregateCounts.outcome,
        ],
        set: { count: sql`${aggregateCounts.count} + 1` },
      })
      .prepare();
    const aggregateKey = and(
      eq(aggregateCounts.category, p("category")),
      eq(aggregateCounts.modelA, p("modelA")),
      eq(aggregateCounts.modelB, p("modelB")),
      eq(aggregateCounts.outcome, p("outcome")),
    );
    this.#decrementAggregate = db
      .update(aggregateCounts)
      .set({ count: sql`${aggregateCounts.count} - 1` })
      .where(aggregateKey)
      .prepare();
    this.#deleteEmptyAggregate = db
      .delete(aggregateCounts)
      .where(and(aggregateKey, lte(aggregateCounts.count, 0)))
      .prepare();
    this.#countModelBattle = db
      .update(models)
      .set({ countedBattles: sql`${models.countedBattles} + 1` })
      .where(inArray(models.name, [p("modelA"), p("modelB")]))
      .prepare();
    this.#bumpAggregatesVersion = db
      .insert(meta)
      .values({ key: AGGREGATES_VERSION, value: 1 })
      .onConflictDoUpdate({ target: meta.key, set: { value: sql`${meta.value} + 1` } })
      .prepare();
    this.#selectAggregatesVersion = db
      .select({ value: meta.value })
      .from(meta)
      .where(eq(meta.key, AGGREGATES_VERSION))
      .prepare();
    this.#selectAggregates = db
      .select({
        modelA: aggregateCounts.modelA,
        modelB: aggregateCounts.modelB,
        outcome: aggregateCounts.outcome,
        count: aggregateCounts.count,
      })
      .from(aggregateCounts)
      .where(eq(aggregateCounts.category, p("category")))
      .orderBy(asc(aggregateCounts.modelA), asc(aggregateCounts.modelB), asc(aggregateCounts.outcome))
      .prepare();
    this.#countVotesSince = db
      .select({ n: count() })
      .from(votes)
      .where(and(eq(votes.voterHash, p("voterHash")), gte(votes.at, p("since")), eq(votes.counted, true)))
      .prepare();
    this.#selectBattleForMessage = db
      .select({ battleId: battleMessages.battleId })
      .from(battleMessages)
      .where(
        and(
          eq(battleMessages.platform, p("platform")),
          eq(battleMessages.messageId, p("messageId")),
          sql`(${battleMessages.channel} = ${p("channel")} OR ${battleMessages.thread} = ${p("channel")})`,
        ),
      )
      .limit(1)
      .prepare();
    const recordVote = sqlite.transaction((vote: NewVote) => this.#recordVoteNow(vote));
    this.#recordVoteTransaction = (vote) => recordVote.immediate(vote);
  }

  // ---------------------------------------------------------------- registry

  async listModels(): Promise<ModelRecord[]> {
    return this.#db.select().from(models).orderBy(asc(models.name)).all().map(toModelRecord);
  }

  async getModel(name: string): Promise<ModelRecord | null> {
    return this.#getModelNow(name);
  }

  #getModelNow(name: string): ModelRecord | null {
    const row = this.#db.select().from(models).where(eq(models.name, name)).get();
    return row ? toModelRecord(row) : null;
  }

  async upsertModel(input: ModelInput, addedBy: string): Promise<ModelRecord> {
    const fields = modelFields(input);
    const row = this.#db
      .insert(models)
      .values({ ...fields, name: input.name, addedBy, createdAt: new Date() })
      .onConflictDoUpdate({ target: models.name, set: fields })
      .returning()
      .get();
    return toModelRecord(row);
  }

  async addModel(input: ModelInput, addedBy: string): Promise<ModelRecord | null> {
    const row = this.#db
      .insert(models)
      .values({ ...modelFields(input), name: input.name, addedBy, createdAt: new Date() })
      .onConflictDoNothing({ target: models.name })
      .returning()
      .get();
    return row ? toModelRecord(row) : null;
  }

  async updateModel(name: string, change: ModelChange): Promise<ModelRecord | null> {
    const set: Partial<typeof models.$inferInsert> = {};
    if (change.aliases !== undefined) set.aliases = [...change.aliases];
    if (change.weight !== undefined) set.weight = change.weight;
    if (change.enabled !== undefined) set.enabled = change.enabled;
    if (change.baseUrl !== undefined) set.baseUrl = change.baseUrl;
    if (change.model !== undefined) set.model = change.model;
    if (change.apiKeyEnv !== undefined) set.apiKeyEnv = change.apiKeyEnv;
    if (Object.keys(set).length === 0) return this.#getModelNow(name);
    const row = this.#db.update(models).set(set).where(eq(models.name, name)).returning().get();
    return row ? toModelRecord(row) : null;
  }

  async removeModel(name: string): Promise<boolean> {
    return this.#db.delete(models).where(eq(models.name, name)).run().changes > 0;
  }

  async recordModelSuccess(name: string): Promise<void> {
    this.#db
      .update(models)
      .set({ consecutiveFailures: 0, outageUntil: null })
      .where(eq(models.name, name))
      .run();
  }

  async recordModelFailure(name: string, outageUntil: Date | null): Promise<ModelRecord | null> {
    const row = this.#db
      .update(models)
      .set({ consecutiveFailures: sql`${models.consecutiveFailures} + 1`, outageUntil })
      .where(eq(models.name, name))
      .returning()
      .get();
    return row ? toModelRecord(row) : null;
  }

  // ---------------------------------------------------------------- battles

  async createBattle(battle: NewBattle): Promise<BattleRecord> {
    const id = newId();
    this.#sqlite
      .transaction(() => {
        this.#db
          .insert(battles)
          .values({
            id,
            platform: battle.place.platform,
            community: battle.place.community,
            channel: battle.place.channel,
            thread: battle.place.thread ?? null,
            creatorHash: battle.creatorHash,
            modelA: battle.modelA,
            modelB: battle.modelB,
            state: "generating",
            categories: [...battle.categories],
            createdAt: battle.createdAt,
          })
          .run();
        this.#insertUserTurn(id, 1, battle.prompt);
      })
      .immediate();
    return this.#requireBattle(id);
  }

  #insertUserTurn(battleId: string, turn: number, userContent: string): void {
    this.#db
      .insert(turns)
      .values([
        { battleId, turn, side: "a", userContent },
        { battleId, turn, side: "b", userContent },
      ])
      .onConflictDoUpdate({ target: [turns.battleId, turns.turn, turns.side], set: { userContent } })
      .run();
  }

  async getBattle(id: string): Promise<BattleRecord | null> {
    return this.#getBattleNow(id);
  }

  #getBattleNow(id: string): BattleRecord | null {
    const row = this.#selectBattle.get({ id });
    return row ? this.#toBattleRecord(row) : null;
  }

  #requireBattle(id: string): BattleRecord {
    const battle = this.#getBattleNow(id);
    if (!battle) throw new Error(`battle ${id} vanished`);
    return battle;
  }

  #toBattleRecord(row: BattleRow): BattleRecord {
    const turnRecords: TurnRecord[] = this.#selectTurns.all({ id: row.id }).map((t) => ({
      turn: t.turn,
      side: t.side,
      userContent: t.userContent,
      content: t.content,
      promptTokens: t.promptTokens,
      completionTokens: t.completionTokens,
      latencyMs: t.latencyMs,
      finishReason: t.finishReason,
      error: t.error,
    }));
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
      turns: turnRecords,
      messageIds: this.#selectMessageIds.all({ id: row.id }).map((m) => m.messageId),
    };
  }

  async placeBattle(id: string, place: Place): Promise<void> {
    this.#db
      .update(battles)
      .set({
        platform: place.platform,
        community: place.community,
        channel: place.channel,
        thread: place.thread ?? null,
      })
      .where(eq(battles.id, id))
      .run();
  }

  async addUserTurn(
    id: string,
    turn: number,
    userContent: string,
    categories: readonly string[],
  ): Promise<void> {
    this.#sqlite
      .transaction(() => {
        this.#insertUserTurn(id, turn, userContent);
        this.#db
          .update(battles)
          .set({ categories: [...categories] })
          .where(eq(battles.id, id))
          .run();
      })
      .immediate();
  }

  async saveAnswer(id: string, record: TurnRecord): Promise<void> {
    const answer = {
      content: record.content,
      promptTokens: record.promptTokens,
      completionTokens: record.completionTokens,
      latencyMs: record.latencyMs,
      finishReason: record.finishReason,
      error: record.error,
    };
    this.#db
      .insert(turns)
      .values({
        battleId: id,
        turn: record.turn,
        side: record.side,
        userContent: record.userContent,
        ...answer,
      })
      .onConflictDoUpdate({ target: [turns.battleId, turns.turn, turns.side], set: answer })
      .run();
  }

  async transitionBattle(
    id: string,
    from: readonly BattleState[],
    to: BattleState,
    at: Date,
    details: { readonly closesAt?: Date; readonly reason?: string } = {},
  ): Promise<BattleRecord | null> {
    const set: Partial<typeof battles.$inferInsert> = { state: to };
    if (to === "open" && details.closesAt !== undefined) set.closesAt = details.closesAt;
    if (FINAL_STATES.includes(to)) set.closedAt = at;
    if (details.reason !== undefined) set.reason = details.reason;
    return this.#sqlite
      .transaction(() => {
        // Conditional on the current state, so two processes never make the same move twice.
        const moved = this.#db
          .update(battles)
          .set(set)
          .where(and(eq(battles.id, id), inArray(battles.state, [...from])))
          .run();
        return moved.changes > 0 ? this.#requireBattle(id) : null;
      })
      .immediate();
  }

  async battlesDueToClose(now: Date, limit: number): Promise<BattleRecord[]> {
    return this.#db
      .select()
      .from(battles)
      .where(and(eq(battles.state, "open"), lte(battles.closesAt, now)))
      .orderBy(asc(battles.closesAt))
      .limit(limit)
      .all()
      .map((row) => this.#toBattleRecord(row));
  }

  async battlesInState(state: BattleState): Promise<BattleRecord[]> {
    return this.#db
      .select()
      .from(battles)
      .where(eq(battles.state, state))
      .orderBy(asc(battles.createdAt))
      .all()
      .map((row) => this.#toBattleRecord(row));
  }

  async rememberMessage(battleId: string, messageId: string): Promise<void> {
    const battle = this.#db
      .select({ platform: battles.platform, channel: battles.channel, thread: battles.thread })
      .from(battles)
      .where(eq(battles.id, battleId))
      .get();
    if (!battle) throw new Error(`rememberMessage: unknown battle ${battleId}`);
    this.#db
      .insert(battleMessages)
      .values({ battleId, ...battle, messageId })
      .onConflictDoNothing()
      .run();
  }

  async battleForMessage(
    platform: PlatformName,
    channel: string,
    messageId: string,
  ): Promise<BattleRecord | null> {
    const hit = this.#selectBattleForMessage.get({ platform, channel, messageId });
    return hit ? this.#getBattleNow(hit.battleId) : null;
  }

  // ---------------------------------------------------------------- votes

  async recordVote(vote: NewVote): Promise<VoteResult> {
    return this.#recordVoteTransaction(vote);
  }

  /** Runs inside an immediate transaction. */
  #recordVoteNow(vote: NewVote): VoteResult {
    const row = this.#selectBattle.get({ id: vote.battleId });
    if (!row) return { kind: "unknown_battle" };

    const exclusions = [...new Set(vote.exclusions)];
    const fromState = STATE_EXCLUSION[row.state];
    if (fromState && !exclusions.includes(fromState)) exclusions.push(fromState);
    const counted = exclusions.length === 0;

    // The unique (battle, voter) index decides: a second vote, even one racing from another process, inserts nothing.
    const inserted = this.#insertVote.run({
      battleId: vote.battleId,
      voterHash: vote.voterHash,
      choice: vote.choice,
      at: vote.at,
      counted,
      exclusions,
    });
    if (inserted.changes === 0) return { kind: "duplicate", battle: this.#toBattleRecord(row) };

    if (counted) this.#countVote(row, vote.choice);
    return { kind: "recorded", counted, exclusions, battle: this.#requireBattle(vote.battleId) };
  }

  /** The battle's outcome moves from the old tally's to the new one's in every category's aggregates. */
  #countVote(row: BattleRow, choice: VoteChoice): void {
    const before = battleTally(row);
    const after = addChoice(before, choice);
    const oldKey = canonicalOutcome(row.modelA, row.modelB, before);
    const newKey = canonicalOutcome(row.modelA, row.modelB, after);
    const total = tallyTotal(after);
    this.#updateBattleCounts.run({
      id: row.id,
      outcome: (2 * after.a + after.tie + after.bad) / (2 * total),
      countedVotes: total,
      a: after.a,
      b: after.b,
      tie: after.tie,
      bad: after.bad,
    });
    for (const category of row.categories) {
      if (oldKey) {
        this.#decrementAggregate.run({ category, ...oldKey });
        this.#deleteEmptyAggregate.run({ category, ...oldKey });
      }
      if (newKey) this.#incrementAggregate.run({ category, ...newKey });
    }
    if (tallyTotal(before) === 0) this.#countModelBattle.run({ modelA: row.modelA, modelB: row.modelB });
    this.#bumpAggregatesVersion.run();
  }

  /** Counted votes of the battle by choice (the same votes its outcome is the mean of); zeros if unknown. */
  async tally(battleId: string): Promise<Tally> {
    const row = this.#selectBattle.get({ id: battleId });
    return row ? battleTally(row) : { a: 0, b: 0, tie: 0, bad: 0 };
  }

  async votesOf(battleId: string): Promise<VoteRow[]> {
    return this.#db
      .select()
      .from(votes)
      .where(eq(votes.battleId, battleId))
      .orderBy(asc(votes.id))
      .all()
      .map((v) => ({
        battleId: v.battleId,
        voterHash: v.voterHash,
        choice: v.choice,
        at: v.at,
        counted: v.counted,
        exclusions: v.exclusions as VoteExclusion[],
      }));
  }

  async countVotesSince(voterHash: string, since: Date): Promise<number> {
    return this.#countVotesSince.get({ voterHash, since: since.getTime() })?.n ?? 0;
  }

  // ---------------------------------------------------------------- aggregates

  async aggregateCounts(category: string): Promise<ComparisonCount[]> {
    return this.#selectAggregates.all({ category });
  }

  async recountFromVotes(category: string): Promise<ComparisonCount[]> {
    const perBattle = this.#db
      .select({
        modelA: battles.modelA,
        modelB: battles.modelB,
        a: sql<number>`sum(${votes.choice} = 'a')`,
        b: sql<number>`sum(${votes.choice} = 'b')`,
        tie: sql<number>`sum(${votes.choice} = 'tie')`,
        bad: sql<number>`sum(${votes.choice} = 'bad')`,
      })
      .from(votes)
      .innerJoin(battles, eq(battles.id, votes.battleId))
      .where(
        and(
          eq(votes.counted, true),
          sql`exists (select 1 from json_each(${battles.categories}) where json_each.value = ${category})`,
        ),
      )
      .groupBy(votes.battleId)
      .all();
    const counts = new Map<string, ComparisonCount>();
    for (const battle of perBattle) {
      const key = canonicalOutcome(battle.modelA, battle.modelB, battle);
      if (!key) continue;
      const id = JSON.stringify([key.modelA, key.modelB, key.outcome]);
      counts.set(id, { ...key, count: (counts.get(id)?.count ?? 0) + 1 });
    }
    return [...counts.values()].sort(compareCounts);
  }

  async categories(): Promise<{ readonly category: string; readonly battles: number }[]> {
    return this.#db
      .select({ category: aggregateCounts.category, battles: sum(aggregateCounts.count).mapWith(Number) })
      .from(aggregateCounts)
      .groupBy(aggregateCounts.category)
      .orderBy(asc(aggregateCounts.category))
      .all();
  }

  async aggregatesVersion(): Promise<number> {
    return this.#selectAggregatesVersion.get()?.value ?? 0;
  }

  /**
   * Battles with at least one counted vote, oldest first, read a page at a time (keyset on rowid) so that memory
   * stays flat and the connection is free between rows for whatever the consumer does meanwhile.
   */
  async *countedBattles(): AsyncIterable<CountedBattle> {
    let after = 0;
    for (;;) {
      const page = this.#db
        .select({
          rowid: sql<number>`${battles}.rowid`,
          row: battles,
          turns: sql<number>`(select coalesce(max(${turns.turn}), 0) from ${turns} where ${turns.battleId} = ${battles.id})`,
        })
        .from(battles)
        .where(and(gt(sql`${battles}.rowid`, after), gt(battles.countedVotes, 0)))
        .orderBy(sql`${battles}.rowid`)
        .limit(COUNTED_BATTLES_PAGE)
        .all();
      for (const { row, turns: turnCount } of page) {
        yield {
          id: row.id,
          modelA: row.modelA,
          modelB: row.modelB,
          outcome: row.outcome ?? 0.5,
          tally: battleTally(row),
          categories: row.categories,
          platform: row.platform,
          turns: turnCount,
          closedAt: row.closedAt,
          createdAt: row.createdAt,
        };
      }
      const last = page.at(-1);
      if (!last || page.length < COUNTED_BATTLES_PAGE) return;
      after = last.rowid;
    }
  }

  /**
   * Adds counts straight into a category's aggregates, as if that many battles had been counted (benchmarks and
   * imports of historical data). Rows are canonicalised like votes; the aggregates version moves.
   */
  async addAggregateCounts(category: string, rows: readonly ComparisonCount[]): Promise<void> {
    const p = sql.placeholder;
    const add = this.#db
      .insert(aggregateCounts)
      .values({
        category,
        modelA: p("modelA"),
        modelB: p("modelB"),
        outcome: p("outcome"),
        count: p("count"),
      })
      .onConflictDoUpdate({
        target: [
          aggregateCounts.category,
          aggregateCounts.modelA,
          aggregateCounts.modelB,
          aggregateCounts.outcome,
        ],
        set: { count: sql`${aggregateCounts.count} + excluded.count` },
      })
      .prepare();
    this.#sqlite
      .transaction(() => {
        for (const row of rows) {
          if (row.modelA === row.modelB || row.count <= 0) continue;
          if (row.modelA < row.modelB) add.run({ ...row });
          else
            add.run({ modelA: row.modelB, modelB: row.modelA, outcome: 1 - row.outcome, count: row.count });
        }
        this.#bumpAggregatesVersion.run();
      })
      .immediate();
  }

  // ---------------------------------------------------------------- channel settings, subscriptions

  async channelSettings(place: Place): Promise<ChannelSettings> {
    const row = this.#db
      .select()
      .from(channelSettings)
      .where(
        and(
          eq(channelSettings.platform, place.platform),
          eq(channelSettings.community, place.community),
          eq(channelSettings.channel, place.channel),
        ),
      )
      .get();
    return {
      place: { platform: place.platform, community: place.community, channel: place.channel },
      votingWindowSeconds: row?.votingWindowSeconds ?? DEFAULT_VOTING_WINDOW_SECONDS,
      whoMayVote: row?.whoMayVote ?? "everyone",
    };
  }

  async saveChannelSettings(settings: ChannelSettings): Promise<void> {
    const values = { votingWindowSeconds: settings.votingWindowSeconds, whoMayVote: settings.whoMayVote };
    this.#db
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
      })
      .run();
  }

  /** A second subscription of the same place and category updates `everyBattles` and keeps the rest. */
  async subscribe(place: Place, category: string, everyBattles: number, at: Date): Promise<Subscription> {
    const row = this.#db
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
      .returning()
      .get();
    return toSubscription(row);
  }

  async unsubscribe(place: Place, category: string): Promise<boolean> {
    const removed = this.#db
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
      .run();
    return removed.changes > 0;
  }

  async subscriptions(): Promise<Subscription[]> {
    return this.#db
      .select()
      .from(subscriptions)
      .orderBy(asc(subscriptions.createdAt), asc(subscriptions.id))
      .all()
      .map(toSubscription);
  }

  async markPublished(subscriptionId: string, top: readonly string[], battleTotal: number): Promise<void> {
    this.#db
      .update(subscriptions)
      .set({ lastTop: [...top], lastBattleTotal: battleTotal })
      .where(eq(subscriptions.id, subscriptionId))
      .run();
  }

  // ---------------------------------------------------------------- audit

  async audit(entry: AuditEntry): Promise<void> {
    this.#db
      .insert(auditLog)
      .values({ ...entry, details: entry.details })
      .run();
  }

  /** Newest first. */
  async auditLog(limit: number): Promise<AuditEntry[]> {
    return this.#db
      .select()
      .from(auditLog)
      .orderBy(desc(auditLog.id))
      .limit(limit)
      .all()
      .map(({ id: _id, ...entry }) => entry);
  }

  async close(): Promise<void> {
    if (this.#sqlite.open) this.#sqlite.close();
  }
}

function modelFields(input: ModelInput) {
  return {
    baseUrl: input.baseUrl,
    model: input.model,
    apiKeyEnv: input.apiKeyEnv,
    aliases: [...input.aliases],
    weight: input.weight,
    enabled: input.enabled,
    maxTokens: input.maxTokens,
    temperature: input.temperature,
    systemPrompt: input.systemPrompt,
  };
}
