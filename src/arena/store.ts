// The arena's port to persistence. src/store/ implements it with drizzle + better-sqlite3; the engine sees only
// this. Every method that changes several rows does so in one transaction. Methods are async so that a
// PostgreSQL implementation can follow; the SQLite one may do its work synchronously inside.
import type { StyleCounts } from "../ranking/style.ts";
import type { ComparisonCount } from "../ranking/types.ts";
import type { BattleState, Place, PlatformName, Side, VoteChoice, VoteExclusion } from "./types.ts";

export interface ModelRecord {
  readonly name: string;
  readonly baseUrl: string;
  readonly model: string;
  readonly apiKeyEnv: string | null;
  readonly aliases: readonly string[];
  readonly weight: number;
  readonly enabled: boolean;
  readonly maxTokens: number;
  readonly temperature: number;
  readonly systemPrompt: string | null;
  /** Consecutive failed generations; reset by a success. */
  readonly consecutiveFailures: number;
  /** While set and in the future, the model is in outage and not paired. */
  readonly outageUntil: Date | null;
  /** Closed battles of this model that have at least one counted vote. */
  readonly countedBattles: number;
  /** "config" for the models file, or the moderator's platform:display name. */
  readonly addedBy: string;
  readonly createdAt: Date;
}

export type ModelInput = Pick<
  ModelRecord,
  | "name"
  | "baseUrl"
  | "model"
  | "apiKeyEnv"
  | "aliases"
  | "weight"
  | "enabled"
  | "maxTokens"
  | "temperature"
  | "systemPrompt"
>;

export type ModelChange = Partial<
  Pick<ModelRecord, "aliases" | "weight" | "enabled" | "baseUrl" | "model" | "apiKeyEnv">
>;

export interface TurnRecord {
  /** 1-based turn number. */
  readonly turn: number;
  readonly side: Side;
  readonly userContent: string;
  readonly content: string | null;
  readonly promptTokens: number | null;
  readonly completionTokens: number | null;
  readonly latencyMs: number | null;
  readonly finishReason: string | null;
  /** Set when the generation failed: the GenerationError kind and message (no secrets). */
  readonly error: string | null;
}

export interface BattleRecord {
  readonly id: string;
  readonly place: Place;
  /** Keyed hash of the creator's platform user id. */
  readonly creatorHash: string;
  /** The model shown as Model A and as Model B. */
  readonly modelA: string;
  readonly modelB: string;
  readonly state: BattleState;
  /** Category keys the battle counts in (always includes "overall"). */
  readonly categories: readonly string[];
  readonly createdAt: Date;
  /** When voting ends; null until the battle opens. */
  readonly closesAt: Date | null;
  readonly closedAt: Date | null;
  /** Why it was discarded or errored (for people; no secrets); for a closed battle, who closed it. */
  readonly reason: string | null;
  /** Mean of counted votes, A = 1, B = 0, tie and both-bad 0.5; null while no vote counted. */
  readonly outcome: number | null;
  readonly countedVotes: number;
  readonly turns: readonly TurnRecord[];
  /** Platform message ids the adapter asked to remember (e.g. the vote message, to strip its buttons). */
  readonly messageIds: readonly string[];
}

export interface NewBattle {
  readonly place: Place;
  readonly creatorHash: string;
  readonly modelA: string;
  readonly modelB: string;
  readonly prompt: string;
  readonly categories: readonly string[];
  readonly createdAt: Date;
  /**
   * The arena instance that will generate its first turn (see `heartbeat`). Without one, any instance may recover
   * the battle as interrupted while it is generating.
   */
  readonly generatingInstance?: string;
}

export interface TransitionDetails {
  readonly closesAt?: Date;
  /** Why it was discarded or errored; for a closed battle, who closed it (window, creator or moderator). */
  readonly reason?: string;
  readonly generatingInstance?: string;
  /** With a move to a final state: when its announcement is retried if not `announced` by then. */
  readonly announceRetryAt?: Date;
}

export interface NewVote {
  readonly battleId: string;
  readonly voterHash: string;
  readonly choice: VoteChoice;
  readonly at: Date;
  /** Exclusions the engine decided before the transaction (a flagged voter). */
  readonly exclusions: readonly VoteExclusion[];
  /**
   * The voter's rate limit, checked inside the vote's transaction so that concurrent presses cannot all pass it:
   * with `max` or more counted votes by this voter since `since`, the vote is kept with "rate_limit".
   */
  readonly rateLimit?: { readonly since: Date; readonly max: number };
}

export type VoteResult =
  /** Stored. `counted` false when exclusions apply (the battle's own state adds leak/error/after_reveal). */
  | {
      readonly kind: "recorded";
      readonly counted: boolean;
      readonly exclusions: readonly VoteExclusion[];
      readonly battle: BattleRecord;
    }
  /** This voter already has a vote on this battle; nothing changed. */
  | { readonly kind: "duplicate"; readonly battle: BattleRecord }
  /** The battle is generating (a follow-up turn): no vote is recorded, the voter may vote once it is open. */
  | { readonly kind: "not_open"; readonly battle: BattleRecord }
  | { readonly kind: "unknown_battle" };

export interface VoteRow {
  readonly battleId: string;
  readonly voterHash: string;
  readonly choice: VoteChoice;
  readonly at: Date;
  readonly counted: boolean;
  readonly exclusions: readonly VoteExclusion[];
}

export interface ChannelSettings {
  readonly place: Pick<Place, "platform" | "community" | "channel">;
  /** Voting window in seconds; default 3600. */
  readonly votingWindowSeconds: number;
  /** "everyone", or "moderators" (only moderators' votes count — e.g. an expert panel). */
  readonly whoMayVote: "everyone" | "moderators";
}

export interface Subscription {
  readonly id: string;
  readonly place: Place;
  readonly category: string;
  /** Publish after this many new counted battles even when the top 10 did not move. */
  readonly everyBattles: number;
  /** Top-10 order at the last publication, and the counted-battle total then. */
  readonly lastTop: readonly string[];
  readonly lastBattleTotal: number;
  readonly createdAt: Date;
}

export interface AuditEntry {
  readonly at: Date;
  readonly platform: PlatformName;
  /** Keyed hash of the actor's id, and the display name at the time. */
  readonly actorHash: string;
  readonly actorName: string;
  /** e.g. "model.add", "model.disable", "arena.subscribe". */
  readonly action: string;
  readonly target: string | null;
  /** JSON-serialisable details (never a secret). */
  readonly details: Record<string, unknown>;
  /** false when the action was refused (permission, validation); `details.reason` says why. */
  readonly allowed: boolean;
}

/** A closed battle with counted votes, as exported (FastChat clean-battle format is produced from this). */
export interface CountedBattle {
  readonly id: string;
  readonly modelA: string;
  readonly modelB: string;
  readonly outcome: number;
  readonly tally: { readonly a: number; readonly b: number; readonly tie: number; readonly bad: number };
  readonly categories: readonly string[];
  readonly platform: PlatformName;
  readonly turns: number;
  readonly closedAt: Date | null;
  readonly createdAt: Date;
}

/** A counted battle with what the per-battle views need: style control and prompt deduplication. */
export interface RankingBattle {
  readonly id: string;
  readonly modelA: string;
  readonly modelB: string;
  /** The battle's outcome as its aggregates hold it (A's score). */
  readonly outcome: number;
  /** Every user turn followed by a newline (FastChat's deduplication key before its 10,000-character cut). */
  readonly prompt: string;
  /** Style counts of all answers of each side. */
  readonly styleA: StyleCounts;
  readonly styleB: StyleCounts;
}

/** The judge model's labels of a battle's prompt (LMArena's hard-prompt criteria). */
export interface JudgeLabelRecord {
  readonly battleId: string;
  /** Registry name of the judge model. */
  readonly judge: string;
  /** The criteria the prompt meets; null when labelling failed (see `error`). */
  readonly criteria: readonly string[] | null;
  readonly attempts: number;
  /** Why labelling failed (malformed answers, provider errors); never the prompt or the judge's text. */
  readonly error: string | null;
  readonly at: Date;
}

/** The judge model's pairwise vote on a battle, asked in both orders (AlpacaEval). */
export interface JudgeVoteRecord {
  readonly battleId: string;
  readonly judge: string;
  /** The side preferred when the battle's A was shown first, and when B was shown first; null if that call failed. */
  readonly verdictAFirst: Side | null;
  readonly verdictBFirst: Side | null;
  /** A's score: 1 or 0 when both orders agree, 0.5 when they disagree; null when the vote failed. */
  readonly outcome: number | null;
  readonly attempts: number;
  readonly error: string | null;
  readonly at: Date;
}

/** A battle the judge voted on (outcome not null), with what the judge board and its reports need. */
export interface JudgedBattle {
  readonly battleId: string;
  readonly modelA: string;
  readonly modelB: string;
  readonly categories: readonly string[];
  /** The judge's outcome (A's score). */
  readonly judgeOutcome: number;
  /** The human outcome: the mean of counted votes of a closed battle, else null. */
  readonly humanOutcome: number | null;
  /** All answers of each side, joined by blank lines (the length-controlled win rate uses their lengths). */
  readonly answerA: string;
  readonly answerB: string;
}

export interface ArenaStore {
  // Registry
  listModels(): Promise<ModelRecord[]>;
  getModel(name: string): Promise<ModelRecord | null>;
  /** Insert or update by name (start-up upsert of ARENA_MODELS); keeps outage and counters. */
  upsertModel(input: ModelInput, addedBy: string): Promise<ModelRecord>;
  /** Insert; returns null if the name exists. */
  addModel(input: ModelInput, addedBy: string): Promise<ModelRecord | null>;
  /** Returns null if there is no such model. */
  updateModel(name: string, change: ModelChange): Promise<ModelRecord | null>;
  /** Removes the model from the registry; its past battles and votes stay. Returns false if unknown. */
  removeModel(name: string): Promise<boolean>;
  /** A successful generation: failures reset, outage cleared. */
  recordModelSuccess(name: string): Promise<void>;
  /**
   * A failed generation: failures + 1 and outageUntil = outageFor(the new failure count), in one transaction, so
   * concurrent failures never compute the back-off from a stale count (the engine decides the back-off).
   */
  recordModelFailure(
    name: string,
    outageFor: (consecutiveFailures: number) => Date | null,
  ): Promise<ModelRecord | null>;

  // Battles
  createBattle(battle: NewBattle): Promise<BattleRecord>;
  getBattle(id: string): Promise<BattleRecord | null>;
  /** Where the adapter opened the battle's thread. */
  placeBattle(id: string, place: Place): Promise<void>;
  /** Adds the user's turn text for a new turn on both sides (content null until answered). */
  addUserTurn(id: string, turn: number, userContent: string, categories: readonly string[]): Promise<void>;
  /** Stores one side's answer (or error) for a turn. */
  saveAnswer(id: string, record: TurnRecord): Promise<void>;
  /**
   * Moves the battle from one of `from` to `to` atomically; returns the updated battle, or null when it was not
   * in one of `from` (someone else moved it first). Sets closesAt (to "open"), closedAt (to a final state), reason.
   * A battle with counted votes is never moved to "discarded" or "errored" (null): those votes were cast on
   * answers people saw, and no counted vote may belong to a battle that does not count.
   * A move to "generating" records `generatingInstance` (none when absent) as the instance generating it.
   * A move to "closed" adds a battle with counted votes to every category's aggregates, with its outcome then.
   */
  transitionBattle(
    id: string,
    from: readonly BattleState[],
    to: BattleState,
    at: Date,
    details?: TransitionDetails,
  ): Promise<BattleRecord | null>;
  /**
   * Battles of `platforms` in a final state whose announcement is overdue: the move set `announceRetryAt` and
   * nobody called `announced` by then (the instance that moved it stopped). Claims them, oldest first: their retry
   * time becomes `retryAt`, so that each is handed to one caller at a time.
   */
  claimAnnouncements(
    now: Date,
    retryAt: Date,
    platforms: readonly PlatformName[],
    limit: number,
  ): Promise<BattleRecord[]>;
  /** The battle's final announcement was made (or tried and failed for good): it is no longer due. */
  announced(battleId: string): Promise<void>;
  /**
   * Open battles of these platforms whose closesAt ≤ now, earliest first. A process closes only battles of the
   * platforms it serves: the reveal is an event that only that platform's adapter can post.
   * With a `claimant` (the calling instance), a store shared by several processes may claim the battles for it:
   * for a while no other claimant gets them, so processes close different battles (PostgreSQL does; closing stays
   * a conditional transition either way, so a battle is closed once).
   */
  battlesDueToClose(
    now: Date,
    limit: number,
    platforms: readonly PlatformName[],
    claimant?: string,
  ): Promise<BattleRecord[]>;
  /** Battles in a state, oldest first. */
  battlesInState(state: BattleState): Promise<BattleRecord[]>;
  /**
   * Battles "generating" for an instance other than `exceptInstance` (or for none) whose heartbeat is missing or
   * older than `staleBefore`: their instance stopped (a crash), so nobody will finish them. Only battles of
   * `platforms` (those the caller can tell). Oldest first.
   */
  staleGeneratingBattles(
    staleBefore: Date,
    exceptInstance: string,
    platforms: readonly PlatformName[],
  ): Promise<BattleRecord[]>;
  rememberMessage(battleId: string, messageId: string): Promise<void>;
  battleForMessage(platform: PlatformName, channel: string, messageId: string): Promise<BattleRecord | null>;

  // Votes: one transaction — the unique (battle, voter) rule, the battle state rules (open → may count;
  // discarded → "leak"; errored → "error"; closed → "after_reveal"; generating → "not_open"), the battle's
  // outcome and counted-vote count. The aggregates and model counters move only when the battle closes
  // (transitionBattle to "closed", in that transaction), so nothing readable changes while a battle is open.
  recordVote(vote: NewVote): Promise<VoteResult>;
  tally(
    battleId: string,
  ): Promise<{ readonly a: number; readonly b: number; readonly tie: number; readonly bad: number }>;
  votesOf(battleId: string): Promise<VoteRow[]>;
  /** Counted votes by this voter since `since` (for the rate limit). */
  countVotesSince(voterHash: string, since: Date): Promise<number>;

  // Aggregates
  /** Aggregated counts of one category (canonical rows: modelA < modelB). */
  aggregateCounts(category: string): Promise<ComparisonCount[]>;
  /** The same, recomputed from the votes table (audits and tests). */
  recountFromVotes(category: string): Promise<ComparisonCount[]>;
  /** Categories that have counts, with their counted-battle totals. */
  categories(): Promise<{ readonly category: string; readonly battles: number }[]>;
  /** Increases with every closed battle that counts; the leaderboard cache key. */
  aggregatesVersion(): Promise<number>;
  countedBattles(): AsyncIterable<CountedBattle>;
  /** The battles counted in this category's aggregates, with prompts and style counts (oldest first). */
  rankingBattles(category: string): Promise<RankingBattle[]>;

  // The judge model (never part of the human aggregates)
  /**
   * Stores a battle's label (replacing an earlier one). With `hardCategory`, adds that category to the battle in
   * the same transaction, and to the aggregates if the battle's votes already count in them.
   */
  saveJudgeLabel(record: JudgeLabelRecord, hardCategory: string | null): Promise<void>;
  judgeLabel(battleId: string): Promise<JudgeLabelRecord | null>;
  /** Stores a battle's judge vote (replacing an earlier one). */
  saveJudgeVote(record: JudgeVoteRecord): Promise<void>;
  judgeVote(battleId: string): Promise<JudgeVoteRecord | null>;
  /** Battles with a judge outcome, oldest first. */
  judgedBattles(): Promise<JudgedBattle[]>;
  /**
   * Work the judge has not done (a restart, or battles from before it was configured), oldest first, at most
   * `limit` of each: open or closed battles without a label, and (with `votes`) closed battles without a vote.
   */
  battlesAwaitingJudge(
    votes: boolean,
    limit: number,
  ): Promise<{ readonly label: readonly string[]; readonly vote: readonly string[] }>;

  // Channel settings, subscriptions
  channelSettings(place: Place): Promise<ChannelSettings>;
  saveChannelSettings(settings: ChannelSettings): Promise<void>;
  subscribe(place: Place, category: string, everyBattles: number, at: Date): Promise<Subscription>;
  /** Returns false if there was no subscription for this place and category. */
  unsubscribe(place: Place, category: string): Promise<boolean>;
  subscriptions(): Promise<Subscription[]>;
  markPublished(subscriptionId: string, top: readonly string[], battleTotal: number): Promise<void>;
  /**
   * Whether this process publishes `platform`'s leaderboard updates. Several processes sharing a database must not
   * each post every update: exactly one at a time is the publisher, and another takes over when it stops
   * (PostgreSQL: an advisory lock held by a connection of the publisher's own). A store of one process: always.
   */
  isPublisher(platform: PlatformName): Promise<boolean>;

  // Instances sharing the database
  /**
   * Records that arena instance `instanceId` is alive at `at` (each instance calls it regularly). Heartbeats of
   * instances silent for a day before `at` are deleted on the way.
   */
  heartbeat(instanceId: string, at: Date): Promise<void>;

  // Audit
  audit(entry: AuditEntry): Promise<void>;
  auditLog(limit: number): Promise<AuditEntry[]>;

  close(): Promise<void>;
}
