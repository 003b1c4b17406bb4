// The arena store on SQLite (better-sqlite3 through drizzle). better-sqlite3 is synchronous: every method does its
// work at once inside an immediate transaction where it writes several rows, so concurrent writers (another
// store on the same file, another process) serialise on SQLite's write lock. The rules both stores share (tally,
// canonical key, record shapes) are in common.ts.
import type Database from "better-sqlite3";
import { and, asc, desc, eq, gt, inArray, lt, lte, sql, sum } from "drizzle-orm";
import type { BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
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
import type { BattleState, Place, PlatformName, Tally, VoteChoice, VoteExclusion } from "../arena/types.ts";
import type { ComparisonCount } from "../ranking/types.ts";
import {
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
import * as schema from "./schema.ts";
import { battleRowFrom, prepareStatements, type StoreStatements, subscriptionRowFrom } from "./statements.ts";

export type StoreDatabase = BetterSQLite3Database<typeof schema>;

type BattleRow = typeof schema.battles.$inferSelect;
type ModelRow = typeof schema.models.$inferSelect;

const {
  aggregateCounts,
  auditLog,
  battleMessages,
  battles,
  channelSettings,
  instanceHeartbeats,
  judgeLabels,
  judgeVotes,
  models,
  subscriptions,
  turns,
  votes,
} = schema;

function toModelRecord(row: ModelRow): ModelRecord {
  return { ...row };
}

export class SqliteArenaStore implements ArenaStore {
  readonly #db: StoreDatabase;
  readonly #sqlite: Database.Database;

  // The hot paths' statements (a vote, a button press, a leaderboard read), prepared once.
  readonly #statements: StoreStatements;
  readonly #recordVoteTransaction: (vote: NewVote) => VoteResult;

  constructor(db: StoreDatabase, sqlite: Database.Database) {
    this.#db = db;
    this.#sqlite = sqlite;
    this.#statements = prepareStatements(sqlite);
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

  async recordModelFailure(
    name: string,
    outageFor: (consecutiveFailures: number) => Date | null,
  ): Promise<ModelRecord | null> {
    return this.#sqlite
      .transaction(() => {
        const counted = this.#db
          .update(models)
          .set({ consecutiveFailures: sql`${models.consecutiveFailures} + 1` })
          .where(eq(models.name, name))
          .returning()
          .get();
        if (!counted) return null;
        const row = this.#db
          .update(models)
          .set({ outageUntil: outageFor(counted.consecutiveFailures) })
          .where(eq(models.name, name))
          .returning()
          .get();
        return row ? toModelRecord(row) : null;
      })
      .immediate();
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
            generatingInstance: battle.generatingInstance ?? null,
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
    const row = this.#battleRow(id);
    return row ? this.#toBattleRecord(row) : null;
  }

  #battleRow(id: string): BattleRow | null {
    const stored = this.#statements.selectBattle.get(id);
    return stored ? battleRowFrom(stored) : null;
  }

  #requireBattle(id: string): BattleRecord {
    const battle = this.#getBattleNow(id);
    if (!battle) throw new Error(`battle ${id} vanished`);
    return battle;
  }

  #toBattleRecord(row: BattleRow): BattleRecord {
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
      turns: this.#statements.selectTurns.all(row.id),
      messageIds: this.#statements.selectMessageIds.all(row.id),
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
        // The judge's label is of the battle's prompt, not of the text: a follow-up keeps it.
        const labelled = this.#battleRow(id)?.categories.includes(HARD) ?? false;
        const next = labelled && !categories.includes(HARD) ? [...categories, HARD] : [...categories];
        this.#db.update(battles).set({ categories: next }).where(eq(battles.id, id)).run();
      })
      .immediate();
  }

  async saveAnswer(id: string, record: TurnRecord): Promise<void> {
    const answer = {
      ...styleColumns(record.content),
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
    details: TransitionDetails = {},
  ): Promise<BattleRecord | null> {
    const set: Partial<typeof battles.$inferInsert> = { state: to };
    if (to === "generating") set.generatingInstance = details.generatingInstance ?? null;
    if (to === "open" && details.closesAt !== undefined) set.closesAt = details.closesAt;
    if (FINAL_STATES.includes(to)) set.closedAt = at;
    if (details.reason !== undefined) set.reason = details.reason;
    if (FINAL_STATES.includes(to) && details.announceRetryAt !== undefined) {
      set.announceRetryAt = details.announceRetryAt;
    }
    return this.#sqlite
      .transaction(() => {
        // Conditional on the current state, so two processes never make the same move twice; and a battle with
        // counted votes is never discarded or errored, so no counted vote ever belongs to such a battle.
        const uncountable = to === "discarded" || to === "errored";
        const moved = this.#db
          .update(battles)
          .set(set)
          .where(
            and(
              eq(battles.id, id),
              inArray(battles.state, [...from]),
              uncountable ? eq(battles.countedVotes, 0) : undefined,
            ),
          )
          .run();
        if (moved.changes === 0) return null;
        if (to === "closed") this.#countClosedBattle(id);
        return this.#requireBattle(id);
      })
      .immediate();
  }

  /**
   * A battle enters the aggregates, its models' counted battles and the aggregates version only as it closes,
   * with the mean of its votes then: while it is open nothing a reader can see moves with its votes (no side
   * channel on which models it pits). Runs inside the closing transaction.
   */
  #countClosedBattle(id: string): void {
    const row = this.#battleRow(id);
    const keys = row ? closingAggregateKeys(row, battleTally(row)) : [];
    if (!row || keys.length === 0) return;
    const s = this.#statements;
    for (const key of keys) s.incrementAggregate.run(key.category, key.modelA, key.modelB, key.outcome);
    s.countModelBattle.run(row.modelA, row.modelB);
    s.bumpAggregatesVersion.run();
  }

  async battlesDueToClose(
    now: Date,
    limit: number,
    platforms: readonly PlatformName[],
  ): Promise<BattleRecord[]> {
    return this.#statements.selectBattlesDueToClose
      .all(now.getTime(), JSON.stringify(platforms), limit)
      .map((stored) => this.#toBattleRecord(battleRowFrom(stored)));
  }

  async claimAnnouncements(
    now: Date,
    retryAt: Date,
    platforms: readonly PlatformName[],
    limit: number,
  ): Promise<BattleRecord[]> {
    if (platforms.length === 0) return [];
    return this.#sqlite
      .transaction(() => {
        const due = this.#db
          .select({ id: battles.id })
          .from(battles)
          .where(
            and(
              lte(battles.announceRetryAt, now),
              inArray(battles.state, [...FINAL_STATES]),
              inArray(battles.platform, [...platforms]),
            ),
          )
          .orderBy(asc(battles.announceRetryAt))
          .limit(limit)
          .all()
          .map((row) => row.id);
        if (due.length === 0) return [];
        this.#db.update(battles).set({ announceRetryAt: retryAt }).where(inArray(battles.id, due)).run();
        return due.map((id) => this.#requireBattle(id));
      })
      .immediate();
  }

  async announced(battleId: string): Promise<void> {
    this.#db.update(battles).set({ announceRetryAt: null }).where(eq(battles.id, battleId)).run();
  }

  async battlesInState(state: BattleState): Promise<BattleRecord[]> {
    return this.#statements.selectBattlesInState
      .all(state)
      .map((stored) => this.#toBattleRecord(battleRowFrom(stored)));
  }

  async staleGeneratingBattles(
    staleBefore: Date,
    exceptInstance: string,
    platforms: readonly PlatformName[],
  ): Promise<BattleRecord[]> {
    if (platforms.length === 0) return [];
    const alive = sql`exists (select 1 from ${instanceHeartbeats}
      where ${instanceHeartbeats.instanceId} = ${battles.generatingInstance}
      and ${instanceHeartbeats.seenAt} >= ${staleBefore.getTime()})`;
    return this.#db
      .select()
      .from(battles)
      .where(
        and(
          eq(battles.state, "generating"),
          inArray(battles.platform, [...platforms]),
          sql`${battles.generatingInstance} is not ${exceptInstance}`,
          sql`not ${alive}`,
        ),
      )
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
    const battleId = this.#statements.selectBattleForMessage.get(platform, messageId, channel, channel);
    return battleId === undefined ? null : this.#getBattleNow(battleId);
  }

  // ---------------------------------------------------------------- votes

  async recordVote(vote: NewVote): Promise<VoteResult> {
    return this.#recordVoteTransaction(vote);
  }

  /** Runs inside an immediate transaction. */
  #recordVoteNow(vote: NewVote): VoteResult {
    const row = this.#battleRow(vote.battleId);
    if (!row) return { kind: "unknown_battle" };

    // While a follow-up turn is generated the battle takes no vote at all (recording one would make the voter's
    // next press a duplicate once the new answers are up).
    if (row.state === "generating") return { kind: "not_open", battle: this.#toBattleRecord(row) };
    const exclusions = voteExclusions(row.state, vote.exclusions);
    const limit = vote.rateLimit;
    if (
      limit &&
      !exclusions.includes("rate_limit") &&
      this.#countVotesSinceNow(vote.voterHash, limit.since) >= limit.max
    ) {
      exclusions.push("rate_limit");
    }
    const counted = exclusions.length === 0;

    // The unique (battle, voter) index decides: a second vote, even one racing from another process, inserts nothing.
    const at = vote.at.getTime();
    const inserted = this.#statements.insertVote.run(
      vote.battleId,
      vote.voterHash,
      vote.choice,
      at,
      counted ? 1 : 0,
      JSON.stringify(exclusions),
    );
    if (inserted.changes === 0) return { kind: "duplicate", battle: this.#toBattleRecord(row) };

    const after = counted ? this.#countVote(row, vote.choice) : row;
    if (counted) this.#statements.countVoteSecond.run(vote.voterHash, secondOf(at));
    return { kind: "recorded", counted, exclusions, battle: this.#toBattleRecord(after) };
  }

  /**
   * Adds the vote to the battle's tally and outcome; the aggregates learn the outcome only when the battle closes
   * (see #countClosedBattle). Returns the battle row as it now is.
   */
  #countVote(row: BattleRow, choice: VoteChoice): BattleRow {
    const s = this.#statements;
    const after = addChoice(battleTally(row), choice);
    const total = tallyTotal(after);
    const outcome = tallyOutcome(after);
    s.updateBattleCounts.run(outcome, total, after.a, after.b, after.tie, after.bad, row.id);
    return {
      ...row,
      outcome,
      countedVotes: total,
      countedA: after.a,
      countedB: after.b,
      countedTie: after.tie,
      countedBad: after.bad,
    };
  }

  /** Counted votes of the battle by choice (the same votes its outcome is the mean of); zeros if unknown. */
  async tally(battleId: string): Promise<Tally> {
    const row = this.#statements.selectBattle.get(battleId);
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
    return this.#countVotesSinceNow(voterHash, since);
  }

  #countVotesSinceNow(voterHash: string, since: Date): number {
    // Whole seconds from the per-second counts, the part of the first second from the votes themselves.
    const from = since.getTime();
    const firstWholeSecond = Math.ceil(from / 1000);
    const whole = this.#statements.sumVoteSecondsFrom.get(voterHash, firstWholeSecond) ?? 0;
    if (from === firstWholeSecond * 1000) return whole;
    return whole + (this.#statements.countVotesBetween.get(voterHash, from, firstWholeSecond * 1000) ?? 0);
  }

  // ---------------------------------------------------------------- aggregates

  async aggregateCounts(category: string): Promise<ComparisonCount[]> {
    return this.#statements.selectAggregates.all(category);
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
          eq(battles.state, "closed"),
          sql`exists (select 1 from json_each(${battles.categories}) where json_each.value = ${category})`,
        ),
      )
      .groupBy(votes.battleId)
      .all();
    return countOutcomes(perBattle);
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
    return this.#statements.selectAggregatesVersion.get() ?? 0;
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
        .where(
          and(gt(sql`${battles}.rowid`, after), eq(battles.state, "closed"), gt(battles.countedVotes, 0)),
        )
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

  async rankingBattles(category: string): Promise<RankingBattle[]> {
    const rows = this.#sqlite
      .prepare<[category: string], RankingTurnRow>(
        `SELECT b.id, b.model_a AS modelA, b.model_b AS modelB, b.outcome, t.side,
          t.user_content AS userContent, t.content, t.style_tokens AS tokens, t.style_headers AS headers,
          t.style_lists AS lists, t.style_bold AS bold
        FROM battles b JOIN turns t ON t.battle_id = b.id
        WHERE b.state = 'closed' AND b.counted_votes > 0
          AND EXISTS (SELECT 1 FROM json_each(b.categories) WHERE json_each.value = ?)
        ORDER BY b.rowid, t.turn, t.side`,
      )
      .all(category);
    return rankingBattlesFrom(rows);
  }

  // ---------------------------------------------------------------- the judge model

  async saveJudgeLabel(record: JudgeLabelRecord, hardCategory: string | null): Promise<void> {
    const values = {
      battleId: record.battleId,
      judge: record.judge,
      criteria: record.criteria === null ? null : [...record.criteria],
      attempts: record.attempts,
      error: record.error,
      at: record.at,
    };
    this.#sqlite
      .transaction(() => {
        this.#db
          .insert(judgeLabels)
          .values(values)
          .onConflictDoUpdate({ target: judgeLabels.battleId, set: values })
          .run();
        const row = this.#battleRow(record.battleId);
        if (hardCategory === null || !row || row.categories.includes(hardCategory)) return;
        this.#db
          .update(battles)
          .set({ categories: [...row.categories, hardCategory] })
          .where(eq(battles.id, row.id))
          .run();
        // A closed battle already counted in its other categories counts in the new one too; an open one joins
        // them all when it closes.
        const key = row.state === "closed" && canonicalOutcome(row.modelA, row.modelB, battleTally(row));
        if (key) {
          this.#statements.incrementAggregate.run(hardCategory, key.modelA, key.modelB, key.outcome);
          this.#statements.bumpAggregatesVersion.run();
        }
      })
      .immediate();
  }

  async judgeLabel(battleId: string): Promise<JudgeLabelRecord | null> {
    const row = this.#db.select().from(judgeLabels).where(eq(judgeLabels.battleId, battleId)).get();
    return row ?? null;
  }

  async saveJudgeVote(record: JudgeVoteRecord): Promise<void> {
    const values = { ...record };
    this.#db
      .insert(judgeVotes)
      .values(values)
      .onConflictDoUpdate({ target: judgeVotes.battleId, set: values })
      .run();
  }

  async judgeVote(battleId: string): Promise<JudgeVoteRecord | null> {
    const row = this.#db.select().from(judgeVotes).where(eq(judgeVotes.battleId, battleId)).get();
    return row ?? null;
  }

  async battlesAwaitingJudge(
    votes: boolean,
    limit: number,
  ): Promise<{ readonly label: readonly string[]; readonly vote: readonly string[] }> {
    const ids = (query: string) =>
      this.#sqlite
        .prepare<[limit: number], { id: string }>(query)
        .all(limit)
        .map((row) => row.id);
    return {
      label: ids(
        `SELECT id FROM battles b WHERE state IN ('open', 'closed')
        AND NOT EXISTS (SELECT 1 FROM judge_labels l WHERE l.battle_id = b.id) ORDER BY b.rowid LIMIT ?`,
      ),
      vote: votes
        ? ids(
            `SELECT id FROM battles b WHERE state = 'closed'
            AND NOT EXISTS (SELECT 1 FROM judge_votes v WHERE v.battle_id = b.id) ORDER BY b.rowid LIMIT ?`,
          )
        : [],
    };
  }

  async judgedBattles(): Promise<JudgedBattle[]> {
    const rows = this.#db
      .select({ vote: judgeVotes, battle: battles })
      .from(judgeVotes)
      .innerJoin(battles, eq(battles.id, judgeVotes.battleId))
      .where(sql`${judgeVotes.outcome} IS NOT NULL`)
      .orderBy(sql`${battles}.rowid`)
      .all();
    if (rows.length === 0) return [];
    const answers = answersByBattle(
      this.#db
        .select({ battleId: turns.battleId, side: turns.side, content: turns.content })
        .from(turns)
        .innerJoin(judgeVotes, eq(judgeVotes.battleId, turns.battleId))
        .orderBy(asc(turns.battleId), asc(turns.turn))
        .all(),
    );
    return rows.map(({ vote, battle }) => ({
      battleId: battle.id,
      modelA: battle.modelA,
      modelB: battle.modelB,
      categories: battle.categories,
      judgeOutcome: vote.outcome ?? 0.5,
      humanOutcome: battle.state === "closed" && battle.countedVotes > 0 ? battle.outcome : null,
      answerA: (answers.get(battle.id)?.a ?? []).join("\n\n"),
      answerB: (answers.get(battle.id)?.b ?? []).join("\n\n"),
    }));
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
        for (const row of canonicalRows(rows)) add.run({ ...row });
        this.#statements.bumpAggregatesVersion.run();
      })
      .immediate();
  }

  // ---------------------------------------------------------------- channel settings, subscriptions

  async channelSettings(place: Place): Promise<ChannelSettings> {
    const row = this.#statements.selectChannelSettings.get(place.platform, place.community, place.channel);
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
    return this.#statements.selectSubscriptions
      .all()
      .map((stored) => toSubscription(subscriptionRowFrom(stored)));
  }

  async markPublished(subscriptionId: string, top: readonly string[], battleTotal: number): Promise<void> {
    this.#db
      .update(subscriptions)
      .set({ lastTop: [...top], lastBattleTotal: battleTotal })
      .where(eq(subscriptions.id, subscriptionId))
      .run();
  }

  /** Every process on a SQLite file publishes (several processes that each post updates share PostgreSQL). */
  async isPublisher(_platform: PlatformName): Promise<boolean> {
    return true;
  }

  // ---------------------------------------------------------------- instances

  async heartbeat(instanceId: string, at: Date): Promise<void> {
    this.#sqlite
      .transaction(() => {
        this.#db
          .insert(instanceHeartbeats)
          .values({ instanceId, seenAt: at })
          .onConflictDoUpdate({ target: instanceHeartbeats.instanceId, set: { seenAt: at } })
          .run();
        this.#db
          .delete(instanceHeartbeats)
          .where(lt(instanceHeartbeats.seenAt, new Date(at.getTime() - HEARTBEAT_RETENTION_MS)))
          .run();
      })
      .immediate();
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
