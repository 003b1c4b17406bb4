// The store's hot statements (a vote, a button press, a leaderboard read) as plain better-sqlite3 statements,
// prepared once per connection. drizzle builds and maps a query on every call even when "prepared", which cost
// more than SQLite itself on these paths. The tables and columns are those of schema.ts (the source of truth,
// from which the migrations are generated); a name that drifts from it fails here, when the store opens.
import type Database from "better-sqlite3";
import type { TurnRecord } from "../arena/store.ts";
import type { BattleState, VoteChoice } from "../arena/types.ts";
import type * as schema from "./schema.ts";

type BattleRow = typeof schema.battles.$inferSelect;
type SubscriptionRow = typeof schema.subscriptions.$inferSelect;

/** A battles row as SQLite returns it: times in milliseconds, categories as JSON text. */
interface StoredBattle extends Omit<BattleRow, "categories" | "createdAt" | "closesAt" | "closedAt"> {
  readonly categories: string;
  readonly createdAt: number;
  readonly closesAt: number | null;
  readonly closedAt: number | null;
}

interface StoredSubscription extends Omit<SubscriptionRow, "lastTop" | "createdAt"> {
  readonly lastTop: string;
  readonly createdAt: number;
}

/** Every column of battles under its schema.ts property name. */
const BATTLE_COLUMNS = `id, platform, community, channel, thread, creator_hash AS creatorHash, model_a AS modelA,
  model_b AS modelB, state, categories, created_at AS createdAt, closes_at AS closesAt, closed_at AS closedAt, reason,
  outcome, counted_votes AS countedVotes, counted_a AS countedA, counted_b AS countedB, counted_tie AS countedTie,
  counted_bad AS countedBad, generating_instance AS generatingInstance`;

/** The same values drizzle would map the row to (Date for timestamp_ms, parsed JSON). */
export function battleRowFrom(stored: StoredBattle): BattleRow {
  return {
    ...stored,
    categories: JSON.parse(stored.categories) as string[],
    createdAt: new Date(stored.createdAt),
    closesAt: stored.closesAt === null ? null : new Date(stored.closesAt),
    closedAt: stored.closedAt === null ? null : new Date(stored.closedAt),
  };
}

export function subscriptionRowFrom(stored: StoredSubscription): SubscriptionRow {
  return {
    ...stored,
    lastTop: JSON.parse(stored.lastTop) as string[],
    createdAt: new Date(stored.createdAt),
  };
}

/** The canonical key of one aggregate row, in the order of the aggregate statements' parameters. */
type AggregateKey = [category: string, modelA: string, modelB: string, outcome: number];

export function prepareStatements(sqlite: Database.Database) {
  return {
    selectBattle: sqlite.prepare<[id: string], StoredBattle>(
      `SELECT ${BATTLE_COLUMNS} FROM battles WHERE id = ?`,
    ),
    selectBattlesDueToClose: sqlite.prepare<[now: number, platforms: string, limit: number], StoredBattle>(
      `SELECT ${BATTLE_COLUMNS} FROM battles WHERE state = 'open' AND closes_at <= ?
      AND platform IN (SELECT value FROM json_each(?)) ORDER BY closes_at LIMIT ?`,
    ),
    selectBattlesInState: sqlite.prepare<[state: BattleState], StoredBattle>(
      `SELECT ${BATTLE_COLUMNS} FROM battles WHERE state = ? ORDER BY created_at`,
    ),
    selectTurns: sqlite.prepare<[battleId: string], TurnRecord>(
      `SELECT turn, side, user_content AS userContent, content, prompt_tokens AS promptTokens,
        completion_tokens AS completionTokens, latency_ms AS latencyMs, finish_reason AS finishReason, error
      FROM turns WHERE battle_id = ? ORDER BY turn, side`,
    ),
    selectMessageIds: sqlite
      .prepare<[battleId: string], string>(
        "SELECT message_id FROM battle_messages WHERE battle_id = ? ORDER BY rowid",
      )
      .pluck(),
    selectBattleForMessage: sqlite
      .prepare<[platform: string, messageId: string, channel: string, thread: string], string>(
        `SELECT battle_id FROM battle_messages
        WHERE platform = ? AND message_id = ? AND (channel = ? OR thread = ?) LIMIT 1`,
      )
      .pluck(),

    insertVote: sqlite.prepare<
      [
        battleId: string,
        voterHash: string,
        choice: VoteChoice,
        at: number,
        counted: 0 | 1,
        exclusionsJson: string,
      ]
    >(
      `INSERT INTO votes (battle_id, voter_hash, choice, at, counted, exclusions) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (battle_id, voter_hash) DO NOTHING`,
    ),
    updateBattleCounts: sqlite.prepare<
      [outcome: number, countedVotes: number, a: number, b: number, tie: number, bad: number, id: string]
    >(
      `UPDATE battles SET outcome = ?, counted_votes = ?, counted_a = ?, counted_b = ?, counted_tie = ?,
        counted_bad = ?
      WHERE id = ?`,
    ),
    incrementAggregate: sqlite.prepare<AggregateKey>(
      `INSERT INTO aggregate_counts (category, model_a, model_b, outcome, count) VALUES (?, ?, ?, ?, 1)
      ON CONFLICT (category, model_a, model_b, outcome) DO UPDATE SET count = count + 1`,
    ),
    countModelBattle: sqlite.prepare<[modelA: string, modelB: string]>(
      "UPDATE models SET counted_battles = counted_battles + 1 WHERE name IN (?, ?)",
    ),
    bumpAggregatesVersion: sqlite.prepare<[]>(
      `INSERT INTO meta (key, value) VALUES ('aggregates_version', 1)
      ON CONFLICT (key) DO UPDATE SET value = value + 1`,
    ),
    selectAggregatesVersion: sqlite
      .prepare<[], number>("SELECT value FROM meta WHERE key = 'aggregates_version'")
      .pluck(),
    selectAggregates: sqlite.prepare<
      [category: string],
      { modelA: string; modelB: string; outcome: number; count: number }
    >(
      `SELECT model_a AS modelA, model_b AS modelB, outcome, count FROM aggregate_counts WHERE category = ?
      ORDER BY model_a, model_b, outcome`,
    ),

    countVoteSecond: sqlite.prepare<[voterHash: string, second: number]>(
      `INSERT INTO counted_votes_per_second (voter_hash, second, count) VALUES (?, ?, 1)
      ON CONFLICT (voter_hash, second) DO UPDATE SET count = count + 1`,
    ),
    sumVoteSecondsFrom: sqlite
      .prepare<[voterHash: string, second: number], number>(
        "SELECT coalesce(sum(count), 0) FROM counted_votes_per_second WHERE voter_hash = ? AND second >= ?",
      )
      .pluck(),
    countVotesBetween: sqlite
      .prepare<[voterHash: string, from: number, to: number], number>(
        "SELECT count(*) FROM votes WHERE voter_hash = ? AND at >= ? AND at < ? AND counted = 1",
      )
      .pluck(),

    selectChannelSettings: sqlite.prepare<
      [platform: string, community: string, channel: string],
      { votingWindowSeconds: number; whoMayVote: "everyone" | "moderators" }
    >(
      `SELECT voting_window_seconds AS votingWindowSeconds, who_may_vote AS whoMayVote FROM channel_settings
      WHERE platform = ? AND community = ? AND channel = ?`,
    ),
    selectSubscriptions: sqlite.prepare<[], StoredSubscription>(
      `SELECT id, platform, community, channel, thread, category, every_battles AS everyBattles,
        last_top AS lastTop, last_battle_total AS lastBattleTotal, created_at AS createdAt
      FROM subscriptions ORDER BY created_at, id`,
    ),
  };
}

export type StoreStatements = ReturnType<typeof prepareStatements>;
