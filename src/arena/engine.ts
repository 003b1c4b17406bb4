// The arena engine: battle lifecycle, votes, registry operations and settings, platform-neutral.
// It answers calls with Replies and announces later happenings as ArenaEvents; it never calls a platform.
import { randomUUID } from "node:crypto";
import { categorize, categoryLabel, communityCategory, resolveCategory } from "./categories.ts";
import { answerOf, battleButtons, conversationFor, endpointOf, namesOf, userTurnOf } from "./conversation.ts";
import { createUserHasher, type UserHasher } from "./identity.ts";
import { Judge, type JudgeSettings } from "./judge.ts";
import { LeaderboardService } from "./leaderboard.ts";
import { createLeakDetector, type LeakHit } from "./leak.ts";
import { errorText, type Logger } from "./logger.ts";
import type { ModelClient } from "./model-client.ts";
import { GenerationError } from "./model-client.ts";
import { createModelPolicy, type ModelPolicy } from "./model-policy.ts";
import { outageUntil } from "./outage.ts";
import { choosePair } from "./pairing.ts";
import { decodePayload, encodePayload } from "./payloads.ts";
import { validatePrompt } from "./prompt.ts";
import type { ArenaStore, BattleRecord, ModelRecord, TurnRecord } from "./store.ts";
import {
  CHOICE_TEXT,
  describeGenerationError,
  FOREIGN_COMMUNITY_BOARD,
  formatMinutes,
  notOpenText,
  privateReply,
  refusal,
  revealText,
  threadTitle,
  VOTE_PROMPT,
} from "./texts.ts";
import { isOwner, moderatesCommunity, samePlaceForPress, type TrustSettings } from "./trust.ts";
import type {
  ArenaEvent,
  ArenaEventListener,
  ChartKind,
  CommandContext,
  LeaderboardOptions,
  Place,
  PlatformName,
  PressResult,
  Reply,
  Side,
  VoteChoice,
} from "./types.ts";

export interface ArenaSettings {
  /** Who owns the deployment (ARENA_MODERATORS, ARENA_HOME): see trust.ts. */
  readonly trust: TrustSettings;
  /** Key of the voter hash (HMAC); keep it stable across restarts or votes can no longer be de-duplicated. */
  readonly voterKey: string | Uint8Array;
  readonly defaultVotingWindowSeconds: number;
  /** Counted votes per voter per window above which further votes are kept but not counted. */
  readonly voteRateLimit: { readonly max: number; readonly windowSeconds: number };
  /** Models under this many battles are shown as provisional. */
  readonly provisionalBattles: number;
  /** A subscription publishes at least every this many counted battles. */
  readonly publishEveryBattles: number;
  /** How often due battles are closed. */
  readonly tickMilliseconds: number;
}

export const DEFAULT_SETTINGS: Omit<ArenaSettings, "voterKey" | "trust"> = {
  defaultVotingWindowSeconds: 3600,
  voteRateLimit: { max: 60, windowSeconds: 600 },
  provisionalBattles: 30,
  publishEveryBattles: 50,
  tickMilliseconds: 1000,
};

export interface ArenaDependencies {
  readonly store: ArenaStore;
  readonly models: ModelClient;
  readonly settings: ArenaSettings;
  readonly logger: Logger;
  /** Which key variables and hosts models may use; default: ARENA_KEY_… variables, any host. */
  readonly modelPolicy?: ModelPolicy;
  readonly now?: () => Date;
  readonly random?: () => number;
  /** The judge model (ARENA_JUDGE_MODEL): hard-prompt labels and, optionally, its own votes. */
  readonly judge?: JudgeSettings;
}

export const CONTINUE_MAX_CHARS = 4000;

/**
 * An instance whose heartbeat is older than this has stopped: the battles it was generating are recovered by
 * another instance. Far above the tick (a live instance beats every tick, generating or not), and a crashed
 * instance's battles wait at most this long; generations themselves are bounded by the model client's deadline.
 */
export const STALE_HEARTBEAT_MILLISECONDS = 30_000;

/**
 * A battle's final announcement (reveal, discard or error notice) not confirmed this long after its final move
 * is made by another instance (or this one after a restart): the instance that moved it stopped before posting.
 */
export const ANNOUNCE_RETRY_MILLISECONDS = STALE_HEARTBEAT_MILLISECONDS;

const INTERRUPTED_REASON = "interrupted by a restart";
/** A discarded battle's reason starts so, then names the leaked term (the discard notice shows the term). */
const LEAK_REASON_PREFIX = "identity leak: ";
const CLOSERS = ["window", "creator", "moderator"] as const;
type Closer = (typeof CLOSERS)[number];

/** How often a tick checks subscriptions for updates (a leaderboard is recomputed only after new votes). */
const PUBLISH_CHECK_MILLISECONDS = 10_000;

/** How often a tick hands the judge the battles its hooks missed (see Judge.catchUp). */
const JUDGE_CATCH_UP_MILLISECONDS = 60_000;

export class Arena {
  /** Random id of this arena instance (process): it owns the battles it generates, see `heartbeat`. */
  readonly instanceId = randomUUID();
  readonly store: ArenaStore;
  readonly leaderboards: LeaderboardService;
  readonly judge: Judge | null;
  private readonly modelClient: ModelClient;
  readonly settings: ArenaSettings;
  readonly modelPolicy: ModelPolicy;
  private readonly logger: Logger;
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly hashUser: UserHasher;
  private readonly listeners = new Map<PlatformName, Set<ArenaEventListener>>();
  private readonly background = new Set<Promise<unknown>>();
  private leakDetector: ReturnType<typeof createLeakDetector> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private recovered = false;
  private detectorSignature = "";
  private lastPublishCheck = 0;
  private lastJudgeCatchUp = Number.NEGATIVE_INFINITY;

  constructor(deps: ArenaDependencies) {
    this.store = deps.store;
    this.modelClient = deps.models;
    this.settings = deps.settings;
    this.modelPolicy = deps.modelPolicy ?? createModelPolicy();
    this.logger = deps.logger;
    this.now = deps.now ?? (() => new Date());
    this.random = deps.random ?? Math.random;
    this.hashUser = createUserHasher(deps.settings.voterKey);
    this.leaderboards = new LeaderboardService({
      store: deps.store,
      logger: deps.logger,
      now: this.now,
      provisionalBattles: deps.settings.provisionalBattles,
      publishEveryBattles: deps.settings.publishEveryBattles,
      emit: (event) => this.emitSettled(event),
      servedPlatforms: () => this.servedPlatforms(),
      judgeReference: deps.judge?.reference ?? null,
    });
    this.judge = deps.judge
      ? new Judge({
          store: deps.store,
          models: deps.models,
          logger: deps.logger,
          now: this.now,
          settings: deps.judge,
          endpointRefusal: (model) => this.endpointRefusal(model),
        })
      : null;
  }

  // ---- lifecycle ------------------------------------------------------------------------------------------

  /**
   * Marks errored the battles a stopped instance (a crash) left generating; those of instances still beating,
   * e.g. a second process on the same database, are left alone. Run it before the adapters take updates, so that
   * this instance's heartbeat is there before it generates anything; `start` tells the threads.
   */
  async recover(platforms: readonly PlatformName[] = this.servedPlatforms()): Promise<void> {
    if (this.recovered) return;
    this.recovered = true;
    await this.store.heartbeat(this.instanceId, this.now());
    await this.recoverInterrupted(platforms);
  }

  /**
   * Recovers (if not done yet), then runs `tick` every tick: the first one tells the threads of interrupted
   * battles and makes the announcements a stopped instance left unmade.
   */
  async start(): Promise<void> {
    await this.recover();
    await this.tick();
    this.timer = setInterval(() => this.track(this.tick()), this.settings.tickMilliseconds);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.idle();
  }

  /** Resolves when every background task (generations, publications) has settled. */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  /**
   * Beats, errors the battles of instances that stopped beating (and tells their threads), and closes every open
   * battle whose voting window has ended. Safe to run from several processes.
   */
  async tick(): Promise<void> {
    try {
      await this.store.heartbeat(this.instanceId, this.now());
      await this.recoverInterrupted();
      const overdue = await this.store.claimAnnouncements(
        this.now(),
        this.announceRetryAt(),
        this.servedPlatforms(),
        100,
      );
      for (const battle of overdue) {
        this.logger.info({ battle: battle.id, state: battle.state }, "announcing a battle left unannounced");
        this.track(this.announce(battle));
      }
    } catch (error) {
      this.logger.error({ err: errorText(error) }, "recovering interrupted battles failed");
    }
    try {
      const due = await this.store.battlesDueToClose(
        this.now(),
        100,
        this.servedPlatforms(),
        this.instanceId,
      );
      for (const battle of due) {
        await this.closeBattle(battle.id, "window");
      }
    } catch (error) {
      this.logger.error({ err: errorText(error) }, "closing due battles failed");
    }
    // Battles closed by another process reach this process's subscriptions here (its own publish at once).
    if (this.now().getTime() - this.lastPublishCheck >= PUBLISH_CHECK_MILLISECONDS) {
      this.lastPublishCheck = this.now().getTime();
      this.track(this.leaderboards.countedBattleClosed());
    }
    if (this.now().getTime() - this.lastJudgeCatchUp >= JUDGE_CATCH_UP_MILLISECONDS) {
      this.lastJudgeCatchUp = this.now().getTime();
      this.judgeInBackground((judge) => judge.catchUp());
    }
  }

  /**
   * Errors the battles left generating by instances whose heartbeat is stale, their notices due at once (the
   * next claimAnnouncements makes them, once an adapter listens).
   */
  private async recoverInterrupted(
    platforms: readonly PlatformName[] = this.servedPlatforms(),
  ): Promise<void> {
    // A slow tick setting must not make live instances look stopped.
    const staleAfter = Math.max(STALE_HEARTBEAT_MILLISECONDS, 3 * this.settings.tickMilliseconds);
    const staleBefore = new Date(this.now().getTime() - staleAfter);
    for (const battle of await this.store.staleGeneratingBattles(staleBefore, this.instanceId, platforms)) {
      const errored = await this.store.transitionBattle(battle.id, ["generating"], "errored", this.now(), {
        reason: INTERRUPTED_REASON,
        announceRetryAt: this.now(),
      });
      // A crash between a follow-up's start and its rollback (a vote had landed) leaves counted votes: such a
      // battle does count, so it goes back to open (and closes at once: its window has passed or is kept).
      if (!errored && battle.countedVotes > 0) {
        await this.store.transitionBattle(battle.id, ["generating"], "open", this.now(), {
          closesAt: battle.closesAt ?? this.now(),
        });
      }
    }
  }

  private announceRetryAt(): Date {
    return new Date(this.now().getTime() + ANNOUNCE_RETRY_MILLISECONDS);
  }

  /** Makes a battle's final announcement from what is stored, then marks it made (also when a listener failed). */
  private async announce(battle: BattleRecord): Promise<void> {
    await this.emitSettled(await this.finalEvent(battle));
    await this.store.announced(battle.id);
  }

  private async finalEvent(battle: BattleRecord): Promise<ArenaEvent> {
    const common = { battleId: battle.id, place: battle.place, messageIds: battle.messageIds };
    const names = namesOf(battle);
    switch (battle.state) {
      case "closed": {
        const tally = await this.store.tally(battle.id);
        const by = CLOSERS.find((closer) => closer === battle.reason) ?? "window";
        return { type: "battle.closed", ...common, names, tally, text: revealText(names, tally, by) };
      }
      case "discarded":
        return {
          type: "battle.discarded",
          ...common,
          names,
          text: `🚫 Battle discarded: the conversation names a model (${battle.reason?.replace(LEAK_REASON_PREFIX, "") ?? "its name"}), so it is no longer anonymous and its votes never count.\nModel A was ${names.a}, Model B was ${names.b}.`,
        };
      default:
        return {
          type: "battle.errored",
          ...common,
          text:
            battle.reason === INTERRUPTED_REASON
              ? "⚠️ This battle was interrupted by a restart of the bot while the answers were being generated. It does not count; start a new one with /battle."
              : `⚠️ This battle could not finish: ${battle.reason ?? "unknown error"}. It does not count; start a new one with /battle.`,
        };
    }
  }

  /** Platforms with a listener here: this process closes and recovers only their battles (see battlesDueToClose). */
  private servedPlatforms(): PlatformName[] {
    return [...this.listeners].filter(([, listeners]) => listeners.size > 0).map(([platform]) => platform);
  }

  onEvent(platform: PlatformName, listener: ArenaEventListener): () => void {
    let set = this.listeners.get(platform);
    if (!set) {
      set = new Set();
      this.listeners.set(platform, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  private emit(event: ArenaEvent): void {
    this.track(this.emitSettled(event));
  }

  /** Hands the event to this platform's listeners; resolves when all have settled (failures are logged). */
  private async emitSettled(event: ArenaEvent): Promise<void> {
    await Promise.all(
      [...(this.listeners.get(event.place.platform) ?? [])].map((listener) =>
        Promise.resolve()
          .then(() => listener(event))
          .catch((error: unknown) => {
            this.logger.error({ err: errorText(error), event: event.type }, "an event listener failed");
          }),
      ),
    );
  }

  private track<T>(promise: Promise<T>): void {
    const tracked = promise.catch((error: unknown) => {
      this.logger.error({ err: errorText(error) }, "background task failed");
    });
    this.background.add(tracked);
    void tracked.finally(() => this.background.delete(tracked));
  }

  // ---- identity and permissions ---------------------------------------------------------------------------

  /** An arena owner: may change what every community shares (the model registry). */
  isOwner(ctx: CommandContext): boolean {
    return isOwner(this.settings.trust, ctx);
  }

  /** An owner, or an administrator of the community of `place` acting from that community. */
  moderates(ctx: CommandContext, place: Place = ctx.place): boolean {
    return moderatesCommunity(this.settings.trust, ctx, place);
  }

  userHash(ctx: CommandContext): string {
    return this.hashUser(ctx.actor.platform, ctx.actor.userId);
  }

  async audit(
    ctx: CommandContext,
    action: string,
    target: string | null,
    details: Record<string, unknown>,
    allowed = true,
  ) {
    await this.store.audit({
      at: this.now(),
      platform: ctx.actor.platform,
      actorHash: this.userHash(ctx),
      actorName: ctx.actor.displayName,
      action,
      target,
      details,
      allowed,
    });
  }

  // ---- registry -------------------------------------------------------------------------------------------

  /** The leak detector of the registry as it is now (rebuilt only when names, ids or aliases changed). */
  async detector(models?: readonly ModelRecord[]): Promise<ReturnType<typeof createLeakDetector>> {
    const registry = models ?? (await this.store.listModels());
    const signature = JSON.stringify(
      registry.map((model) => [model.name, model.model, model.baseUrl, model.aliases]),
    );
    if (!this.leakDetector || signature !== this.detectorSignature) {
      this.leakDetector = createLeakDetector(registry);
      this.detectorSignature = signature;
    }
    return this.leakDetector;
  }

  /** What to suggest while someone types a model name or a category (best first): values with their labels. */
  async suggestions(
    kind: "model" | "category",
    typed: string,
    limit: number,
    place: Place,
  ): Promise<{ readonly value: string; readonly label: string }[]> {
    let candidates: { value: string; label: string }[];
    if (kind === "model") {
      candidates = (await this.store.listModels()).map((model) => ({ value: model.name, label: model.name }));
    } else {
      const used = (await this.store.categories()).toSorted((x, y) => y.battles - x.battles);
      // Other communities' categories are theirs: only this community's is offered.
      const own = resolveCategory("community", place);
      const keys = [...new Set(["overall", ...used.map((entry) => entry.category)])].filter(
        (key) => !key.startsWith("community:") || key === own,
      );
      candidates = keys.map((key) => ({
        value: key,
        label: key === "overall" ? "Overall" : `${categoryLabel(key)} (${key})`,
      }));
    }
    const needle = typed.trim().toLowerCase();
    return candidates
      .filter((candidate) => `${candidate.value} ${candidate.label}`.toLowerCase().includes(needle))
      .slice(0, limit);
  }

  /** Why requests for `model` may not be sent (a key variable or host this deployment does not allow), or null. */
  endpointRefusal(model: Pick<ModelRecord, "apiKeyEnv" | "baseUrl">): string | null {
    return (
      (model.apiKeyEnv === null ? null : this.modelPolicy.keyNameProblem(model.apiKeyEnv)) ??
      this.modelPolicy.baseUrlProblem(model.baseUrl)
    );
  }

  /** Call after any registry change: leak terms depend on every registered model. */
  registryChanged(): void {
    this.leakDetector = null;
  }

  // ---- battles --------------------------------------------------------------------------------------------

  /** `/battle`: validates, pairs, creates the battle. The adapter posts the public reply and opens its thread. */
  async startBattle(ctx: CommandContext, promptText: string): Promise<Reply> {
    const models = await this.store.listModels();
    const checked = validatePrompt(promptText, await this.detector(models));
    if (!checked.ok) return refusal(checked.error);
    // Models this deployment's rules refuse (see endpointRefusal) are never paired.
    const allowed = models.filter((model) => this.endpointRefusal(model) === null);
    const pair = choosePair(allowed, this.now(), this.random);
    if (!pair) {
      const usable = allowed.filter((model) => model.enabled).length;
      return refusal(
        usable < 2
          ? "A battle needs at least two enabled models; a moderator can add them with /model add."
          : "Too many models are in outage right now to pair two of them; try again in a few minutes.",
      );
    }
    const battle = await this.store.createBattle({
      place: ctx.place,
      creatorHash: this.userHash(ctx),
      modelA: pair.a,
      modelB: pair.b,
      prompt: checked.prompt,
      categories: categorize({
        userTurns: [checked.prompt],
        platform: ctx.place.platform,
        community: ctx.place.community,
      }),
      createdAt: this.now(),
      generatingInstance: this.instanceId,
    });
    this.logger.info({ battle: battle.id, platform: ctx.place.platform }, "battle created");
    return {
      visibility: "public",
      text: `⚔️ Battle started by ${ctx.actor.displayName}. Two anonymous models are answering:\n\n${checked.prompt}`,
      battle: { battleId: battle.id, threadTitle: threadTitle(checked.prompt), prompt: checked.prompt },
    };
  }

  /** The adapter opened the battle's thread at `place`: generation of the first turn starts now. */
  async placeBattle(battleId: string, place: Place): Promise<void> {
    await this.store.placeBattle(battleId, place);
    this.track(this.generateTurn(battleId, 1));
  }

  /** The adapter could not open a place for the battle (missing permissions, …): it never started. */
  async abandonBattle(battleId: string, reason: string): Promise<void> {
    await this.store.transitionBattle(battleId, ["generating"], "errored", this.now(), { reason });
  }

  /** The adapter could not show a turn (answers or buttons) in the battle's place: it must not count. */
  async deliveryFailed(battleId: string, reason: string): Promise<void> {
    const battle = await this.store.getBattle(battleId);
    if (battle) await this.failBattle(battle, `its answers could not be posted (${reason})`);
  }

  async rememberMessage(battleId: string, messageId: string): Promise<void> {
    await this.store.rememberMessage(battleId, messageId);
  }

  /** Telegram: a reply to one of the battle's messages. */
  async battleForMessage(place: Place, messageId: string): Promise<BattleRecord | null> {
    return this.store.battleForMessage(place.platform, place.channel, messageId);
  }

  /** Generates one turn; whatever goes wrong, the battle ends errored rather than stuck in "generating". */
  private async generateTurn(battleId: string, turn: number): Promise<void> {
    try {
      await this.runTurn(battleId, turn);
    } catch (error) {
      this.logger.error({ battle: battleId, err: errorText(error) }, "generating a turn failed");
      const battle = await this.store.getBattle(battleId);
      if (battle) await this.failBattle(battle, "an internal error of the bot (it has been logged)");
    }
  }

  private async runTurn(battleId: string, turn: number): Promise<void> {
    const battle = await this.store.getBattle(battleId);
    if (!battle) return;
    const models = new Map((await this.store.listModels()).map((model) => [model.name, model]));
    const sides: Side[] = ["a", "b"];
    const results = await Promise.all(
      sides.map((side) =>
        this.generateSide(battle, side, turn, models.get(side === "a" ? battle.modelA : battle.modelB)),
      ),
    );
    const fresh = await this.store.getBattle(battleId);
    if (fresh?.state !== "generating") return;

    const failed = results.find((result) => result.error !== null);
    if (failed) {
      await this.failBattle(fresh, `Model ${failed.side.toUpperCase()} failed: ${failed.error}`);
      return;
    }
    const leak = await this.findLeak(fresh);
    if (leak) {
      await this.discardBattle(fresh, leak);
      return;
    }
    const settings = await this.store.channelSettings(fresh.place);
    const closesAt = new Date(this.now().getTime() + settings.votingWindowSeconds * 1000);
    const opened = await this.store.transitionBattle(battleId, ["generating"], "open", this.now(), {
      closesAt,
    });
    if (!opened) return;
    const answers = { a: answerOf(opened, turn, "a"), b: answerOf(opened, turn, "b") };
    this.emit({
      type: "battle.turn",
      battleId,
      place: opened.place,
      turn,
      prompt: userTurnOf(opened, turn),
      answers,
      buttons: battleButtons(battleId),
      votePrompt: VOTE_PROMPT,
      messageIds: opened.messageIds,
    });
    if (turn === 1) this.judgeInBackground((judge) => judge.labelBattle(battleId));
  }

  /** Judge work never delays a battle or a vote: it runs as a background task. */
  private judgeInBackground(task: (judge: Judge) => Promise<void>): void {
    if (this.judge) this.track(task(this.judge));
  }

  private async generateSide(battle: BattleRecord, side: Side, turn: number, model: ModelRecord | undefined) {
    const userContent = userTurnOf(battle, turn);
    const record = (fields: Partial<TurnRecord>): TurnRecord => ({
      turn,
      side,
      userContent,
      content: null,
      promptTokens: null,
      completionTokens: null,
      latencyMs: null,
      finishReason: null,
      error: null,
      ...fields,
    });
    if (!model) {
      const error = "the model was removed from the registry";
      await this.store.saveAnswer(battle.id, record({ error }));
      return { side, error };
    }
    // Checked again before every request: a row written before these rules (or by hand) sends nothing.
    const refused = this.endpointRefusal(model);
    if (refused) {
      this.logger.warn({ battle: battle.id, model: model.name, problem: refused }, "model endpoint refused");
      const error = "its endpoint or key is not allowed by this deployment (an owner should check it)";
      await this.store.saveAnswer(battle.id, record({ error }));
      return { side, error };
    }
    try {
      const result = await this.modelClient.generate({
        endpoint: endpointOf(model),
        messages: conversationFor(battle, side, turn),
      });
      await this.store.saveAnswer(
        battle.id,
        record({
          content: result.content,
          promptTokens: result.promptTokens,
          completionTokens: result.completionTokens,
          latencyMs: result.latencyMs,
          finishReason: result.finishReason,
        }),
      );
      await this.store.recordModelSuccess(model.name);
      return { side, error: null };
    } catch (error) {
      const message =
        error instanceof GenerationError ? describeGenerationError(error) : "an unexpected error";
      this.logger.warn({ battle: battle.id, model: model.name, err: errorText(error) }, "generation failed");
      await this.store.saveAnswer(battle.id, record({ error: message }));
      await this.store.recordModelFailure(model.name, (failures) => outageUntil(failures, this.now()));
      return { side, error: message };
    }
  }

  private async findLeak(battle: BattleRecord): Promise<LeakHit | null> {
    const detector = await this.detector();
    for (const turn of battle.turns) {
      const hit = detector.find(turn.userContent) ?? (turn.content ? detector.find(turn.content) : null);
      if (hit) return hit;
    }
    return null;
  }

  private async failBattle(battle: BattleRecord, reason: string): Promise<void> {
    const errored = await this.store.transitionBattle(
      battle.id,
      ["generating", "open"],
      "errored",
      this.now(),
      { reason, announceRetryAt: this.announceRetryAt() },
    );
    if (errored) this.track(this.announce(errored));
  }

  private async discardBattle(battle: BattleRecord, leak: LeakHit): Promise<void> {
    const reason = `${LEAK_REASON_PREFIX}"${leak.term}"`;
    const discarded = await this.store.transitionBattle(
      battle.id,
      ["generating", "open"],
      "discarded",
      this.now(),
      { reason, announceRetryAt: this.announceRetryAt() },
    );
    if (discarded) this.track(this.announce(discarded));
  }

  /** Closes voting and reveals the names publicly. `by` says why (window ended, creator, moderator). */
  async closeBattle(battleId: string, by: Closer): Promise<BattleRecord | null> {
    const closed = await this.store.transitionBattle(battleId, ["open"], "closed", this.now(), {
      reason: by,
      announceRetryAt: this.announceRetryAt(),
    });
    if (!closed) return null;
    if (closed.countedVotes > 0) this.track(this.leaderboards.countedBattleClosed());
    this.track(this.announce(closed));
    this.judgeInBackground((judge) => judge.voteOnBattle(battleId));
    return closed;
  }

  // ---- leaderboards ---------------------------------------------------------------------------------------

  /** Whether the actor may see `category`: a community's board only from inside it, or by an owner. */
  mayRead(ctx: CommandContext, category: string): boolean {
    return (
      !category.startsWith("community:") || category === communityCategory(ctx.place) || this.isOwner(ctx)
    );
  }

  /** `/leaderboard` and its page buttons. */
  async leaderboard(
    ctx: CommandContext,
    category: string,
    chart: ChartKind,
    page: number,
    options: LeaderboardOptions = {},
  ): Promise<Reply> {
    if (!this.mayRead(ctx, category)) {
      await this.audit(ctx, "leaderboard", category, { reason: "another community's board" }, false);
      return refusal(FOREIGN_COMMUNITY_BOARD);
    }
    return this.leaderboards.reply(category, chart, page, ctx.place, options);
  }

  // ---- presses, votes, follow-ups -------------------------------------------------------------------------

  /** A button press. The payload is whatever the adapter received; anything unknown gets an explanation. */
  async press(ctx: CommandContext, payloadText: string): Promise<PressResult> {
    const payload = decodePayload(payloadText);
    if (!payload)
      return { reply: refusal("This button is no longer valid. Use /battle to start a new battle.") };
    switch (payload.action) {
      case "vote":
        return { reply: await this.vote(ctx, payload.battleId, payload.choice) };
      case "close":
        return { reply: await this.closeByUser(ctx, payload.battleId) };
      case "continue": {
        const refused = await this.continueRefusal(ctx, payload.battleId);
        if (refused) return { reply: refusal(refused) };
        return {
          textPrompt: {
            id: encodePayload({ action: "continue", battleId: payload.battleId }),
            title: "Continue the battle",
            label: "Your next message to both models",
            placeholder: "Ask a follow-up question…",
            maxLength: CONTINUE_MAX_CHARS,
          },
        };
      }
      case "page":
        return {
          reply: await this.leaderboard(ctx, payload.category, payload.chart, payload.page, payload.options),
        };
    }
  }

  /** A submitted text prompt (Discord modal) for a press that asked for one. */
  async submitText(ctx: CommandContext, promptId: string, text: string): Promise<Reply> {
    const payload = decodePayload(promptId);
    if (payload?.action !== "continue") return refusal("This form is no longer valid.");
    return this.continueBattle(ctx, payload.battleId, text);
  }

  async vote(ctx: CommandContext, battleId: string, choice: VoteChoice): Promise<Reply> {
    const held = await this.battleHere(ctx, battleId, "battle.vote");
    if ("refused" in held) return held.refused;
    // The battle's own channel decides who may vote, wherever the press comes from.
    const settings = await this.store.channelSettings(held.battle.place);
    if (settings.whoMayVote === "moderators" && !this.moderates(ctx, held.battle.place)) {
      return refusal("In this channel only moderators' votes are taken.");
    }
    const voterHash = this.userHash(ctx);
    const now = this.now();
    const rateLimit = {
      since: new Date(now.getTime() - this.settings.voteRateLimit.windowSeconds * 1000),
      max: this.settings.voteRateLimit.max,
    };
    const battle = held.battle;
    if (battle.state === "open" && battle.closesAt !== null && battle.closesAt <= now) {
      // The window ended and the timer has not run yet: close it now, so that this vote comes after the reveal.
      await this.closeBattle(battleId, "window");
    }
    // Votes on closed, discarded or errored battles are kept (not counted, with the reason) for audits.
    const result = await this.store.recordVote({
      battleId,
      voterHash,
      choice,
      at: now,
      exclusions: [],
      rateLimit,
    });
    if (result.kind === "unknown_battle") return refusal("This battle does not exist (any more).");
    if (result.kind === "not_open") {
      return refusal("The answers are still being generated; vote once both are posted.");
    }
    const names = namesOf(result.battle);
    if (result.kind === "duplicate" && result.battle.state === "open") {
      return refusal(`You already voted on this battle. Model A is ${names.a}, Model B is ${names.b}.`);
    }
    if (result.kind === "duplicate" || result.battle.state !== "open")
      return refusal(notOpenText(result.battle));
    const counted = result.counted
      ? ""
      : result.exclusions.includes("rate_limit")
        ? "\n(Many votes in a short time: kept, not counted.)"
        : "\n(Kept, not counted.)";
    this.logger.debug({ battle: battleId, counted: result.counted }, "vote recorded");
    // Short on purpose: Telegram shows this in an alert of at most 200 characters.
    return privateReply(
      `🗳️ You voted: ${CHOICE_TEXT[choice]}.\nModel A is ${names.a}, Model B is ${names.b}.${counted}`,
    );
  }

  /**
   * The battle a press or follow-up acts on, if it is acted on from the battle's own place. A payload replayed
   * in another channel, guild or group (or thread) is refused and audited, and says nothing about the battle.
   */
  private async battleHere(
    ctx: CommandContext,
    battleId: string,
    action: string,
  ): Promise<{ readonly battle: BattleRecord } | { readonly refused: Reply }> {
    const battle = await this.store.getBattle(battleId);
    if (!battle) return { refused: refusal("This battle does not exist (any more).") };
    if (!samePlaceForPress(ctx.place, battle.place)) {
      await this.audit(ctx, action, battleId, { reason: "pressed outside the battle's place" }, false);
      return { refused: refusal("This button does not belong here: vote in the battle's own thread.") };
    }
    return { battle };
  }

  private async closeByUser(ctx: CommandContext, battleId: string): Promise<Reply> {
    const held = await this.battleHere(ctx, battleId, "battle.close");
    if ("refused" in held) return held.refused;
    const battle = held.battle;
    const creator = battle.creatorHash === this.userHash(ctx);
    if (!creator && !this.moderates(ctx, battle.place)) {
      await this.audit(ctx, "battle.close", battleId, { reason: "neither creator nor moderator" }, false);
      return refusal("Only the person who started this battle can close it.");
    }
    if (battle.state !== "open") return refusal(notOpenText(battle));
    const closed = await this.closeBattle(battleId, creator ? "creator" : "moderator");
    // A moderator closing someone else's battle is a moderator action.
    if (!creator) await this.audit(ctx, "battle.close", battleId, { by: "moderator" }, closed !== null);
    return privateReply(
      closed ? "Voting closed; the names are now shown in the thread." : notOpenText(battle),
    );
  }

  private async continueRefusal(ctx: CommandContext, battleId: string): Promise<string | null> {
    const held = await this.battleHere(ctx, battleId, "battle.continue");
    if ("refused" in held) return held.refused.text;
    const battle = held.battle;
    if (battle.creatorHash !== this.userHash(ctx))
      return "Only the person who started this battle can continue it.";
    if (battle.state === "generating") return "The models are still answering; wait for both answers.";
    if (battle.state === "open" && battle.closesAt !== null && battle.closesAt <= this.now()) {
      // The window ended and the timer has not run yet: a follow-up must not reopen it.
      return notOpenText((await this.closeBattle(battleId, "window")) ?? battle);
    }
    if (battle.state !== "open") return notOpenText(battle);
    // Any vote, counted or not, fixes the conversation the voter judged.
    if ((await this.store.votesOf(battleId)).length > 0) {
      return "Someone has already voted on this battle, so the conversation can no longer continue.";
    }
    return null;
  }

  /** A follow-up turn by the creator before the first vote: both models answer with the same history. */
  async continueBattle(ctx: CommandContext, battleId: string, text: string): Promise<Reply> {
    const refused = await this.continueRefusal(ctx, battleId);
    if (refused) return refusal(refused);
    const checked = validatePrompt(text, await this.detector());
    if (!checked.ok) return refusal(checked.error);
    if (checked.prompt.length > CONTINUE_MAX_CHARS) {
      return refusal(
        `A follow-up can be at most ${CONTINUE_MAX_CHARS} characters; yours has ${checked.prompt.length}.`,
      );
    }
    const battle = await this.store.transitionBattle(battleId, ["open"], "generating", this.now(), {
      generatingInstance: this.instanceId,
    });
    if (!battle) return refusal("This battle can no longer be continued.");
    // A vote may have landed between the check above and the transition: the voter judged the conversation
    // as it was, so it stays as it was. (Votes on a generating battle are refused, so none can land now.)
    if ((await this.store.votesOf(battleId)).length > 0) {
      await this.store.transitionBattle(battleId, ["generating"], "open", this.now(), {
        closesAt: battle.closesAt ?? this.now(),
      });
      return refusal("Someone has just voted on this battle, so the conversation can no longer continue.");
    }
    const turnNumbers = [...new Set(battle.turns.map((record) => record.turn))].sort((x, y) => x - y);
    const prompts = turnNumbers.map((number) => userTurnOf(battle, number));
    const turn = (turnNumbers.at(-1) ?? 0) + 1;
    await this.store.addUserTurn(
      battleId,
      turn,
      checked.prompt,
      categorize({
        userTurns: [...prompts, checked.prompt],
        platform: battle.place.platform,
        community: battle.place.community,
      }),
    );
    this.track(this.generateTurn(battleId, turn));
    return privateReply("Both models are answering your follow-up.");
  }

  // ---- settings -------------------------------------------------------------------------------------------

  async votingWindow(ctx: CommandContext, minutes: number): Promise<Reply> {
    const current = await this.store.channelSettings(ctx.place);
    await this.store.saveChannelSettings({ ...current, votingWindowSeconds: Math.round(minutes * 60) });
    await this.audit(ctx, "arena.window", ctx.place.channel, { minutes });
    return privateReply(`New battles in this channel now take votes for ${formatMinutes(minutes)}.`);
  }

  async whoMayVote(ctx: CommandContext, who: "everyone" | "moderators"): Promise<Reply> {
    const current = await this.store.channelSettings(ctx.place);
    await this.store.saveChannelSettings({ ...current, whoMayVote: who });
    await this.audit(ctx, "arena.voters", ctx.place.channel, { who });
    return privateReply(
      who === "everyone" ? "Everyone may vote in this channel." : "Only moderators may vote in this channel.",
    );
  }

  /** Leaderboard updates of `category` in this channel (or thread). */
  async subscribe(ctx: CommandContext, category: string, everyBattles: number): Promise<Reply> {
    if (!this.mayRead(ctx, category)) {
      await this.audit(ctx, "arena.subscribe", category, { reason: "another community's board" }, false);
      return refusal(FOREIGN_COMMUNITY_BOARD);
    }
    await this.store.subscribe(ctx.place, category, everyBattles, this.now());
    await this.audit(ctx, "arena.subscribe", ctx.place.channel, { category, everyBattles });
    return privateReply(
      `This channel now gets ${categoryLabel(category)} leaderboard updates when the top 10 changes, and at least every ${everyBattles} counted battles.`,
    );
  }

  async unsubscribe(ctx: CommandContext, category: string): Promise<Reply> {
    const removed = await this.store.unsubscribe(ctx.place, category);
    await this.audit(ctx, "arena.unsubscribe", ctx.place.channel, { category }, removed);
    return removed
      ? privateReply(`No more ${categoryLabel(category)} leaderboard updates here.`)
      : refusal(`This channel has no ${categoryLabel(category)} subscription.`);
  }
}
