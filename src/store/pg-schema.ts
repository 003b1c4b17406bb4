// The arena's tables on PostgreSQL (drizzle pg-core): the same tables, columns and indexes as schema.ts, with
// PostgreSQL types (timestamptz, jsonb, boolean, double precision). Beyond the mirror, what several processes on
// one database need: insertion-order columns where SQLite's rowid serves (`battles.seq`, `battle_messages.id`) and
// the close claim of a due battle (`battles.close_claimed_until`).
// `npm run db:generate:pg` turns changes here into a new SQL migration under migrations-pg/.
import {
  bigint,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

const time = (name: string) => timestamp(name, { withTimezone: true, mode: "date", precision: 3 });

/** The model registry. A removed model is deleted here; battles keep its name as plain text. */
export const models = pgTable("models", {
  name: text("name").primaryKey(),
  baseUrl: text("base_url").notNull(),
  model: text("model").notNull(),
  /** Name of the environment variable holding the key, never the key. */
  apiKeyEnv: text("api_key_env"),
  aliases: jsonb("aliases").$type<string[]>().notNull(),
  weight: doublePrecision("weight").notNull(),
  enabled: boolean("enabled").notNull(),
  maxTokens: integer("max_tokens").notNull(),
  temperature: doublePrecision("temperature").notNull(),
  systemPrompt: text("system_prompt"),
  consecutiveFailures: integer("consecutive_failures").notNull().default(0),
  outageUntil: time("outage_until"),
  countedBattles: integer("counted_battles").notNull().default(0),
  addedBy: text("added_by").notNull(),
  createdAt: time("created_at").notNull(),
});

export const battles = pgTable(
  "battles",
  {
    /** Short random id (base64url, 16 chars): it travels in button payloads. */
    id: text("id").primaryKey(),
    /** Insertion order (SQLite's rowid): exports and views read battles oldest first by it. */
    seq: bigint("seq", { mode: "number" }).notNull().generatedAlwaysAsIdentity(),
    platform: text("platform").notNull(),
    community: text("community").notNull(),
    channel: text("channel").notNull(),
    thread: text("thread"),
    creatorHash: text("creator_hash").notNull(),
    modelA: text("model_a").notNull(),
    modelB: text("model_b").notNull(),
    state: text("state", { enum: ["generating", "open", "closed", "discarded", "errored"] }).notNull(),
    categories: jsonb("categories").$type<string[]>().notNull(),
    createdAt: time("created_at").notNull(),
    closesAt: time("closes_at"),
    closedAt: time("closed_at"),
    reason: text("reason"),
    /** Mean of counted votes; always countedHalfPoints / (2 · countedVotes), so equal tallies give equal keys. */
    outcome: doublePrecision("outcome"),
    countedVotes: integer("counted_votes").notNull().default(0),
    /** Counted votes by choice; A = 2 half-points, tie and both-bad 1, B 0. */
    countedA: integer("counted_a").notNull().default(0),
    countedB: integer("counted_b").notNull().default(0),
    countedTie: integer("counted_tie").notNull().default(0),
    countedBad: integer("counted_bad").notNull().default(0),
    /** The arena instance generating the battle's current turn (see instanceHeartbeats); null if none recorded. */
    generatingInstance: text("generating_instance"),
    /** The instance that claimed the due battle's closing, and until when (see battlesDueToClose). */
    closeClaimedBy: text("close_claimed_by"),
    closeClaimedUntil: time("close_claimed_until"),
    /** While the final announcement is due; see the SQLite schema. */
    announceRetryAt: time("announce_retry_at"),
  },
  (table) => [
    index("battles_state_closes_at").on(table.state, table.closesAt),
    index("battles_announce_retry_at").on(table.announceRetryAt),
    uniqueIndex("battles_seq").on(table.seq),
  ],
);

export const turns = pgTable(
  "turns",
  {
    battleId: text("battle_id")
      .notNull()
      .references(() => battles.id, { onDelete: "cascade" }),
    turn: integer("turn").notNull(),
    side: text("side", { enum: ["a", "b"] }).notNull(),
    userContent: text("user_content").notNull(),
    content: text("content"),
    promptTokens: integer("prompt_tokens"),
    completionTokens: integer("completion_tokens"),
    latencyMs: integer("latency_ms"),
    finishReason: text("finish_reason"),
    error: text("error"),
    /** Style counts of the answer (src/arena/style-counts.ts), kept when it is saved; null without an answer. */
    styleTokens: integer("style_tokens"),
    styleHeaders: integer("style_headers"),
    styleLists: integer("style_lists"),
    styleBold: integer("style_bold"),
  },
  (table) => [primaryKey({ columns: [table.battleId, table.turn, table.side] })],
);

export const battleMessages = pgTable(
  "battle_messages",
  {
    /** Insertion order (SQLite's rowid). */
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    battleId: text("battle_id")
      .notNull()
      .references(() => battles.id, { onDelete: "cascade" }),
    platform: text("platform").notNull(),
    /** The battle's channel, and its thread when it has one (Discord messages in a thread carry the thread id). */
    channel: text("channel").notNull(),
    thread: text("thread"),
    messageId: text("message_id").notNull(),
  },
  (table) => [
    uniqueIndex("battle_messages_platform_channel_message").on(
      table.platform,
      table.channel,
      table.messageId,
    ),
    index("battle_messages_platform_message").on(table.platform, table.messageId),
    index("battle_messages_battle").on(table.battleId),
  ],
);

export const votes = pgTable(
  "votes",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    battleId: text("battle_id")
      .notNull()
      .references(() => battles.id, { onDelete: "cascade" }),
    voterHash: text("voter_hash").notNull(),
    choice: text("choice", { enum: ["a", "b", "tie", "bad"] }).notNull(),
    at: time("at").notNull(),
    counted: boolean("counted").notNull(),
    exclusions: jsonb("exclusions").$type<string[]>().notNull(),
  },
  (table) => [
    uniqueIndex("votes_battle_voter").on(table.battleId, table.voterHash),
    index("votes_voter_at").on(table.voterHash, table.at),
  ],
);

/** Canonical rows: modelA < modelB, outcome is model A's score (flipped to 1 − y when the battle was swapped). */
export const aggregateCounts = pgTable(
  "aggregate_counts",
  {
    category: text("category").notNull(),
    modelA: text("model_a").notNull(),
    modelB: text("model_b").notNull(),
    outcome: doublePrecision("outcome").notNull(),
    count: integer("count").notNull(),
  },
  (table) => [primaryKey({ columns: [table.category, table.modelA, table.modelB, table.outcome] })],
);

export const channelSettings = pgTable(
  "channel_settings",
  {
    platform: text("platform").notNull(),
    community: text("community").notNull(),
    channel: text("channel").notNull(),
    votingWindowSeconds: integer("voting_window_seconds").notNull(),
    whoMayVote: text("who_may_vote", { enum: ["everyone", "moderators"] }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.platform, table.community, table.channel] })],
);

export const subscriptions = pgTable(
  "subscriptions",
  {
    id: text("id").primaryKey(),
    platform: text("platform").notNull(),
    community: text("community").notNull(),
    channel: text("channel").notNull(),
    /** "" when the subscription is not in a thread (NULLs would not be unique). */
    thread: text("thread").notNull().default(""),
    category: text("category").notNull(),
    everyBattles: integer("every_battles").notNull(),
    lastTop: jsonb("last_top").$type<string[]>().notNull(),
    lastBattleTotal: integer("last_battle_total").notNull().default(0),
    createdAt: time("created_at").notNull(),
  },
  (table) => [
    uniqueIndex("subscriptions_place_category").on(
      table.platform,
      table.community,
      table.channel,
      table.thread,
      table.category,
    ),
  ],
);

export const auditLog = pgTable(
  "audit_log",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    at: time("at").notNull(),
    platform: text("platform").notNull(),
    actorHash: text("actor_hash").notNull(),
    actorName: text("actor_name").notNull(),
    action: text("action").notNull(),
    target: text("target"),
    details: jsonb("details").$type<Record<string, unknown>>().notNull(),
    allowed: boolean("allowed").notNull(),
  },
  (table) => [index("audit_log_at").on(table.at)],
);

/** Small counters, e.g. "aggregates_version". */
export const meta = pgTable("meta", {
  key: text("key").primaryKey(),
  value: bigint("value", { mode: "number" }).notNull(),
});

/** Counted votes per voter and second of `votes.at` (seconds since 1970), as in schema.ts. */
export const countedVotesPerSecond = pgTable(
  "counted_votes_per_second",
  {
    voterHash: text("voter_hash").notNull(),
    second: bigint("second", { mode: "number" }).notNull(),
    count: integer("count").notNull(),
  },
  (table) => [primaryKey({ columns: [table.voterHash, table.second] })],
);

/** The last sign of life of each running arena instance (process), as in schema.ts. */
export const instanceHeartbeats = pgTable("instance_heartbeats", {
  instanceId: text("instance_id").primaryKey(),
  seenAt: time("seen_at").notNull(),
});

/** The judge model's hard-prompt labels, one row per battle (criteria null when labelling failed). */
export const judgeLabels = pgTable("judge_labels", {
  battleId: text("battle_id")
    .primaryKey()
    .references(() => battles.id, { onDelete: "cascade" }),
  judge: text("judge").notNull(),
  criteria: jsonb("criteria").$type<string[]>(),
  attempts: integer("attempts").notNull(),
  error: text("error"),
  at: time("at").notNull(),
});

/** The judge model's votes, one row per battle, kept apart from the human votes (never in aggregate_counts). */
export const judgeVotes = pgTable("judge_votes", {
  battleId: text("battle_id")
    .primaryKey()
    .references(() => battles.id, { onDelete: "cascade" }),
  judge: text("judge").notNull(),
  verdictAFirst: text("verdict_a_first", { enum: ["a", "b"] }),
  verdictBFirst: text("verdict_b_first", { enum: ["a", "b"] }),
  outcome: doublePrecision("outcome"),
  attempts: integer("attempts").notNull(),
  error: text("error"),
  at: time("at").notNull(),
});
