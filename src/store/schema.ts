// The arena's tables (drizzle, SQLite). Times are integer milliseconds; JSON columns are text.
// `npm run db:generate` turns changes here into a new SQL migration under migrations/.
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** The model registry. A removed model is deleted here; battles keep its name as plain text. */
export const models = sqliteTable("models", {
  name: text("name").primaryKey(),
  baseUrl: text("base_url").notNull(),
  model: text("model").notNull(),
  /** Name of the environment variable holding the key, never the key. */
  apiKeyEnv: text("api_key_env"),
  aliases: text("aliases", { mode: "json" }).$type<string[]>().notNull(),
  weight: real("weight").notNull(),
  enabled: integer("enabled", { mode: "boolean" }).notNull(),
  maxTokens: integer("max_tokens").notNull(),
  temperature: real("temperature").notNull(),
  systemPrompt: text("system_prompt"),
  consecutiveFailures: integer("consecutive_failures").notNull().default(0),
  outageUntil: integer("outage_until", { mode: "timestamp_ms" }),
  countedBattles: integer("counted_battles").notNull().default(0),
  addedBy: text("added_by").notNull(),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
});

export const battles = sqliteTable(
  "battles",
  {
    /** Short random id (base64url, 16 chars): it travels in button payloads. */
    id: text("id").primaryKey(),
    platform: text("platform").notNull(),
    community: text("community").notNull(),
    channel: text("channel").notNull(),
    thread: text("thread"),
    creatorHash: text("creator_hash").notNull(),
    modelA: text("model_a").notNull(),
    modelB: text("model_b").notNull(),
    state: text("state", { enum: ["generating", "open", "closed", "discarded", "errored"] }).notNull(),
    categories: text("categories", { mode: "json" }).$type<string[]>().notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    closesAt: integer("closes_at", { mode: "timestamp_ms" }),
    closedAt: integer("closed_at", { mode: "timestamp_ms" }),
    reason: text("reason"),
    /** Mean of counted votes; always countedHalfPoints / (2 · countedVotes), so equal tallies give equal keys. */
    outcome: real("outcome"),
    countedVotes: integer("counted_votes").notNull().default(0),
    /** Counted votes by choice; A = 2 half-points, tie and both-bad 1, B 0. */
    countedA: integer("counted_a").notNull().default(0),
    countedB: integer("counted_b").notNull().default(0),
    countedTie: integer("counted_tie").notNull().default(0),
    countedBad: integer("counted_bad").notNull().default(0),
    /** The arena instance generating the battle's current turn (see instanceHeartbeats); null if none recorded. */
    generatingInstance: text("generating_instance"),
    /**
     * Set by the move to a final state while its announcement (reveal, discard or error notice) is not yet made,
     * cleared once it is: still set after this time, the instance that made the move stopped, and another one
     * announces it (see claimAnnouncements).
     */
    announceRetryAt: integer("announce_retry_at", { mode: "timestamp_ms" }),
  },
  (table) => [
    index("battles_state_closes_at").on(table.state, table.closesAt),
    index("battles_announce_retry_at").on(table.announceRetryAt),
  ],
);

export const turns = sqliteTable(
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

export const battleMessages = sqliteTable(
  "battle_messages",
  {
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

export const votes = sqliteTable(
  "votes",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    battleId: text("battle_id")
      .notNull()
      .references(() => battles.id, { onDelete: "cascade" }),
    voterHash: text("voter_hash").notNull(),
    choice: text("choice", { enum: ["a", "b", "tie", "bad"] }).notNull(),
    at: integer("at", { mode: "timestamp_ms" }).notNull(),
    counted: integer("counted", { mode: "boolean" }).notNull(),
    exclusions: text("exclusions", { mode: "json" }).$type<string[]>().notNull(),
  },
  (table) => [
    uniqueIndex("votes_battle_voter").on(table.battleId, table.voterHash),
    index("votes_voter_at").on(table.voterHash, table.at),
  ],
);

/** Canonical rows: modelA < modelB, outcome is model A's score (flipped to 1 − y when the battle was swapped). */
export const aggregateCounts = sqliteTable(
  "aggregate_counts",
  {
    category: text("category").notNull(),
    modelA: text("model_a").notNull(),
    modelB: text("model_b").notNull(),
    outcome: real("outcome").notNull(),
    count: integer("count").notNull(),
  },
  (table) => [primaryKey({ columns: [table.category, table.modelA, table.modelB, table.outcome] })],
);

export const channelSettings = sqliteTable(
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

export const subscriptions = sqliteTable(
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
    lastTop: text("last_top", { mode: "json" }).$type<string[]>().notNull(),
    lastBattleTotal: integer("last_battle_total").notNull().default(0),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
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

export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: integer("at", { mode: "timestamp_ms" }).notNull(),
    platform: text("platform").notNull(),
    actorHash: text("actor_hash").notNull(),
    actorName: text("actor_name").notNull(),
    action: text("action").notNull(),
    target: text("target"),
    details: text("details", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    allowed: integer("allowed", { mode: "boolean" }).notNull(),
  },
  (table) => [index("audit_log_at").on(table.at)],
);

/** Small counters, e.g. "aggregates_version". */
export const meta = sqliteTable("meta", {
  key: text("key").primaryKey(),
  value: integer("value").notNull(),
});

/**
 * Counted votes per voter and second of `votes.at` (seconds since 1970): the rate limit sums at most one row per
 * second of its window instead of walking every vote of a prolific voter. Kept in the vote's transaction.
 */
export const countedVotesPerSecond = sqliteTable(
  "counted_votes_per_second",
  {
    voterHash: text("voter_hash").notNull(),
    second: integer("second").notNull(),
    count: integer("count").notNull(),
  },
  (table) => [primaryKey({ columns: [table.voterHash, table.second] })],
);

/**
 * The last sign of life of each running arena instance (process). A battle left "generating" by an instance whose
 * row is missing or old is recovered by another one; rows of instances silent for a day are deleted.
 */
export const instanceHeartbeats = sqliteTable("instance_heartbeats", {
  instanceId: text("instance_id").primaryKey(),
  seenAt: integer("seen_at", { mode: "timestamp_ms" }).notNull(),
});

/** The judge model's hard-prompt labels, one row per battle (criteria null when labelling failed). */
export const judgeLabels = sqliteTable("judge_labels", {
  battleId: text("battle_id")
    .primaryKey()
    .references(() => battles.id, { onDelete: "cascade" }),
  judge: text("judge").notNull(),
  criteria: text("criteria", { mode: "json" }).$type<string[]>(),
  attempts: integer("attempts").notNull(),
  error: text("error"),
  at: integer("at", { mode: "timestamp_ms" }).notNull(),
});

/** The judge model's votes, one row per battle, kept apart from the human votes (never in aggregate_counts). */
export const judgeVotes = sqliteTable("judge_votes", {
  battleId: text("battle_id")
    .primaryKey()
    .references(() => battles.id, { onDelete: "cascade" }),
  judge: text("judge").notNull(),
  verdictAFirst: text("verdict_a_first", { enum: ["a", "b"] }),
  verdictBFirst: text("verdict_b_first", { enum: ["a", "b"] }),
  outcome: real("outcome"),
  attempts: integer("attempts").notNull(),
  error: text("error"),
  at: integer("at", { mode: "timestamp_ms" }).notNull(),
});
