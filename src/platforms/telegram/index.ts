// The Telegram adapter: telegraf 4 (long polling, or a webhook with Telegram's secret-token header) turning
// commands, replies and inline-button presses into calls on the arena, and rendering the arena's replies and
// events as HTML messages, forum topics and reply chains. It translates only: votes, permissions and leak
// rules are the arena's and the commands'.

import { randomBytes } from "node:crypto";
import http from "node:http";
import { Telegraf, TelegramError } from "telegraf";
import type { CallbackQuery, Chat, Message, User } from "telegraf/types";
import {
  type CommandData,
  commandData,
  parseTextOptions,
  runCommand,
  usageOf,
} from "../../../commands/index.ts";
import { errorText } from "../../arena/logger.ts";
import { privateReply, SOMETHING_WENT_WRONG } from "../../arena/texts.ts";
import type {
  ArenaEvent,
  Attachment,
  ButtonSpec,
  CommandContext,
  LeaderboardView,
  Reply,
} from "../../arena/types.ts";
import type { Config } from "../../config.ts";
import { answerHeading } from "../../render/battle-text.ts";
import { truncateText } from "../../render/graphemes.ts";
import { telegramTableHtml } from "../../render/table.ts";
import { renderViewChart } from "../../render/view-chart.ts";
import type { AdapterDependencies, PlatformAdapter } from "../adapter.ts";
import { type CommandLine, commandLineOf, commandMenus } from "./commands.ts";
import { RecentUpdateIds, type UpdateDeduplicator } from "./dedupe.ts";
import {
  alertText,
  answerParts,
  CAPTION_LIMIT,
  escapeHtml,
  MESSAGE_LIMIT,
  type MessagePart,
  textParts,
  topicName,
} from "./format.ts";
import { chatPlace, PLATFORM, placementOf, replyChainThread, type Target, targetOf } from "./place.ts";
import { DEFAULT_PACING, type Pacing, Sender } from "./sender.ts";

/** Telegram's answer to answerCallbackQuery for a query older than about 15 seconds (or unknown). */
const EXPIRED_QUERY = /query is too old|query ID is invalid/;

export type TelegramAdapterDependencies = AdapterDependencies & {
  config: Config;
  token: string;
  /** Flood control; DEFAULT_PACING unless given (tests pass a faster one). */
  pacing?: Pacing;
  /** Interface the webhook server listens on; all interfaces when unset (behind a reverse proxy). */
  webhookHost?: string;
  /** Which updates are new; the recent update ids of this process unless given. */
  updateDeduplicator?: UpdateDeduplicator;
};

export function createTelegramAdapter(deps: TelegramAdapterDependencies): PlatformAdapter {
  return new TelegramAdapter(deps);
}

const ALLOWED_UPDATES = ["message", "callback_query"] as const;
/** getChatMember answers are reused this long (per chat and user). */
const MEMBER_CACHE_MS = 60_000;
/** Above this many cached members, expired entries are dropped. */
const MEMBER_CACHE_SIZE = 10_000;
/** Deleted forum topics remembered, so that later events of their battles are not posted. */
const GONE_TOPICS_LIMIT = 10_000;
/** Battles whose creator is remembered (to be told privately when the group refuses the bot), newest kept. */
const CREATORS_LIMIT = 10_000;
const CONTINUE_HINT =
  "To continue the battle, reply to one of its messages (Model A, Model B or the vote message) with your follow-up question, before anyone votes.";

type TextMessage = Message.TextMessage;
type InlineKeyboard = { inline_keyboard: { text: string; callback_data: string }[][] };

class TelegramAdapter implements PlatformAdapter {
  readonly platform = PLATFORM;
  private readonly bot: Telegraf;
  private readonly sender: Sender;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly memberCache = new Map<
    string,
    { status: string; canManageTopics: boolean; until: number }
  >();
  /** Forum topics ("chat:topic") Telegram said no longer exist, oldest first. */
  private readonly goneTopics = new Set<string>();
  /** Battle id → its creator's user id, for the private note when the bot may no longer post in the group. */
  private readonly creators = new Map<string, number>();
  private unsubscribe: (() => void) | null = null;
  private polling: Promise<void> | null = null;
  private stopping = false;
  private webhookServer: http.Server | null = null;

  constructor(private readonly deps: TelegramAdapterDependencies) {
    const apiRoot = deps.config.TELEGRAM_API_ROOT;
    // webhookReply off: every call is a real HTTP call whose result (a message id) we need.
    this.bot = new Telegraf(deps.token, {
      telegram: { webhookReply: false, ...(apiRoot ? { apiRoot } : {}) },
    });
    this.sender = new Sender(
      deps.pacing ?? DEFAULT_PACING,
      (method, seconds, attempt) => {
        deps.logger.warn(
          { method, retryAfterSeconds: seconds, attempt },
          "telegram flood control: retrying after the wait Telegram asked for",
        );
      },
      (method, chat, waitedMs) => {
        deps.logger.warn(
          { method, chat, waitedMs },
          "telegram: a message has waited long in its chat's queue",
        );
      },
    );
    const updates = deps.updateDeduplicator ?? new RecentUpdateIds();
    // First of all: an update Telegram delivers again (webhook retried, polling answer lost) is handled once.
    this.bot.use(async (ctx, next) => {
      const updateId = ctx.update.update_id;
      if (await updates.claim(updateId)) return next();
      deps.logger.warn(
        { updateId, kind: updateKind(ctx.update) },
        "telegram update delivered again: skipped (already handled)",
      );
    });
    // Handlers return at once: telegraf's polling awaits each batch, and a battle must not hold up others.
    this.bot.on("message", (ctx) => {
      this.track(this.onMessage(ctx.message));
    });
    this.bot.on("callback_query", (ctx) => {
      this.track(this.onPress(ctx.callbackQuery));
    });
    this.bot.catch((error) => {
      deps.logger.error({ err: this.safe(error) }, "telegram update failed");
    });
  }

  // ---- lifecycle ------------------------------------------------------------------------------------------

  async start(): Promise<void> {
    this.unsubscribe = this.deps.arena.onEvent(PLATFORM, (event) => this.track(this.renderEvent(event)));
    try {
      this.bot.botInfo = await this.sender.direct("getMe", () => this.bot.telegram.getMe());
    } catch (error) {
      throw new Error(`telegram: could not reach the Bot API with this token (${this.safe(error)})`);
    }
    await this.registerCommands();
    const webhookUrl = this.deps.config.TELEGRAM_WEBHOOK_URL;
    if (webhookUrl) await this.startWebhook(webhookUrl);
    else await this.startPolling();
    this.deps.logger.info(
      { bot: this.bot.botInfo.username, mode: webhookUrl ? "webhook" : "polling" },
      "telegram bot connected",
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.polling) {
      try {
        this.bot.stop("adapter stopped");
      } catch {
        // Polling had already ended (its error was logged).
      }
      await this.polling;
      this.polling = null;
    }
    if (this.webhookServer) {
      const server = this.webhookServer;
      this.webhookServer = null;
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    await this.sender.drain();
  }

  /**
   * Resolves once polling runs; rejects when it cannot start. Polling that ends later without `stop` (telegraf
   * gives up on 401 Unauthorized or 409 Conflict, e.g. another instance polling with the same token) will not
   * resume by itself: that is fatal for the adapter.
   */
  private async startPolling(): Promise<void> {
    let running = false;
    await new Promise<void>((launched, failed) => {
      const polling = this.bot.launch({ allowedUpdates: [...ALLOWED_UPDATES] }, () => {
        running = true;
        launched();
      });
      this.polling = polling.catch((error: unknown) => {
        this.deps.logger.error({ err: this.safe(error) }, "telegram polling stopped");
        if (!running) failed(error);
        else if (!this.stopping)
          this.deps.onFatal?.(new Error(`telegram polling stopped: ${this.safe(error)}`));
      });
    });
  }

  private async startWebhook(webhookUrl: string): Promise<void> {
    const url = new URL(webhookUrl);
    const port = this.deps.config.TELEGRAM_WEBHOOK_PORT;
    if (port === undefined)
      throw new Error("telegram: TELEGRAM_WEBHOOK_PORT is required with TELEGRAM_WEBHOOK_URL");
    // Telegram sends this secret in X-Telegram-Bot-Api-Secret-Token; telegraf answers 403 to any other value.
    const secret = this.deps.config.TELEGRAM_WEBHOOK_SECRET ?? randomBytes(32).toString("base64url");
    const server = http.createServer(this.bot.webhookCallback(url.pathname, { secretToken: secret }));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, this.deps.webhookHost, () => resolve());
    });
    this.webhookServer = server;
    await this.sender.direct("setWebhook", () =>
      this.bot.telegram.setWebhook(url.href, { secret_token: secret, allowed_updates: [...ALLOWED_UPDATES] }),
    );
  }

  /**
   * Menus by who may run what: everyone's commands by default, community commands too for chat administrators,
   * every command for owners (their private chats with the bot, and the administrators of ARENA_HOME chats).
   */
  private async registerCommands(): Promise<void> {
    const menus = commandMenus(commandData);
    const telegram = this.bot.telegram;
    try {
      await this.sender.direct("setMyCommands", () => telegram.setMyCommands(menus.everyone));
      await this.sender.direct("setMyCommands", () =>
        telegram.setMyCommands(menus.communityModerators, { scope: { type: "all_chat_administrators" } }),
      );
    } catch (error) {
      this.deps.logger.error({ err: this.safe(error) }, "telegram command menu could not be set");
    }
    const ownerScopes = [
      ...this.deps.config.ARENA_MODERATORS.map((entry) => ({ entry, type: "chat" as const })),
      ...this.deps.config.ARENA_HOME.map((entry) => ({ entry, type: "chat_administrators" as const })),
    ];
    for (const { entry, type } of ownerScopes) {
      const [platform, id] = entry.split(":");
      if (platform !== PLATFORM || !id) continue;
      await this.sender
        .direct("setMyCommands", () =>
          telegram.setMyCommands(menus.owners, { scope: { type, chat_id: Number(id) } }),
        )
        .catch((error: unknown) => {
          this.deps.logger.warn(
            { chat: id, err: this.safe(error) },
            "owner menu not set (has this owner started a chat with the bot, or is the bot in that home chat?)",
          );
        });
    }
  }

  /**
   * Keeps `promise` for stop() and returns it, failures logged: the arena awaits its event listeners, so that a
   * publisher posts one leaderboard update at a time rather than piling them into the chat's queue.
   */
  private track(promise: Promise<unknown>): Promise<void> {
    const tracked = promise.then(
      () => {},
      (error: unknown) => {
        this.deps.logger.error({ err: this.safe(error) }, "telegram handler failed");
      },
    );
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
    return tracked;
  }

  /** An error as one log-safe line: network errors can carry the request URL, which contains the token. */
  private safe(error: unknown): string {
    return errorText(error).replaceAll(this.deps.token, "[token]");
  }

  // ---- updates --------------------------------------------------------------------------------------------

  private async onMessage(message: Message): Promise<void> {
    if (!("text" in message) || message.from === undefined) return;
    const line = commandLineOf(message.text, message.entities, this.bot.botInfo?.username ?? "");
    try {
      if (line) await this.onCommand(message, line);
      else if (message.reply_to_message) await this.onReply(message);
    } catch (error) {
      this.deps.logger.error(
        { err: this.safe(error), chat: message.chat.id, command: line?.name ?? null },
        "telegram message handling failed",
      );
      await this.answer(message, privateReply(SOMETHING_WENT_WRONG)).catch(() => {});
    }
  }

  private async onCommand(message: TextMessage, line: CommandLine): Promise<void> {
    const from = message.from;
    if (!from) return;
    const data = commandData.find((candidate) => candidate.name === line.name);
    // In a group, a command that is not ours may be meant for another bot: stay quiet unless addressed.
    if (!data && message.chat.type !== "private" && !line.addressed) return;
    if (line.name === "start" || line.name === "help") {
      await this.answer(message, privateReply(helpText()));
      return;
    }
    let text = line.text;
    const replied = message.reply_to_message;
    if (line.name === "battle" && text === "" && replied) {
      text = "text" in replied ? replied.text : "caption" in replied ? (replied.caption ?? "") : "";
    }
    // A moderator command must not run on an administrator status that was revoked a moment ago.
    const ctx = await this.contextOf(message.chat, from, topicOf(message), message.sender_chat, {
      fresh: data !== undefined && data.scope !== "everyone",
    });
    const options = data ? parseTextOptions(data, text) : {};
    const reply = await runCommand(this.deps, ctx, line.name, options);
    if (reply.battle) await this.openBattle(message, ctx, reply);
    else await this.answer(message, reply);
  }

  /** A reply to one of a battle's messages is its creator's follow-up turn. */
  private async onReply(message: TextMessage): Promise<void> {
    const replied = message.reply_to_message;
    const from = message.from;
    if (!replied || !from || replied.from?.id !== this.bot.botInfo?.id) return;
    const place = chatPlace(message.chat.id, topicOf(message));
    const battle = await this.deps.arena.battleForMessage(place, String(replied.message_id));
    if (!battle) return;
    const ctx = await this.contextOf(message.chat, from, topicOf(message), message.sender_chat);
    const reply = await this.deps.arena.continueBattle(ctx, battle.id, message.text);
    // Members reply to battle messages to talk about them too: telling them off in the group would be noise.
    const creator = battle.creatorHash === this.deps.arena.userHash(ctx);
    await this.answer(message, reply, { groupFallback: creator });
  }

  /**
   * Answers a user's message. Telegram has no ephemeral messages: a private reply in a group goes to the
   * user's private chat with the bot; when Telegram refuses that (the user never started the bot, or blocked
   * it), it becomes a reply to the user's message in the group, unless `groupFallback` is false.
   */
  private async answer(
    message: Message,
    reply: Reply,
    { groupFallback = true }: { groupFallback?: boolean } = {},
  ): Promise<void> {
    const from = message.from;
    // An anonymous administrator (or a channel) writes as a chat: there is no one to write to privately.
    if (
      reply.visibility === "public" ||
      message.chat.type === "private" ||
      from === undefined ||
      message.sender_chat !== undefined
    ) {
      await this.sendReply(originOf(message), reply);
      return;
    }
    const chatTitle = "title" in message.chat ? message.chat.title : "the group";
    try {
      await this.sendReply({ chatId: from.id }, { ...reply, text: `In “${chatTitle}”:\n${reply.text}` });
      return;
    } catch (error) {
      if (!(error instanceof TelegramError && error.code === 403)) throw error;
    }
    if (groupFallback) {
      await this.sendReply(originOf(message), reply);
    } else {
      this.deps.logger.info(
        { chat: message.chat.id },
        "telegram: a private reply was dropped (the user has not started a chat with the bot)",
      );
    }
  }

  /** Every press gets exactly one answerCallbackQuery; what the voter learns is in its (private) alert. */
  private async onPress(query: CallbackQuery): Promise<void> {
    let answered = false;
    const answer = async (text?: string) => {
      answered = true;
      try {
        await this.sender.direct("answerCallbackQuery", () =>
          this.bot.telegram.answerCbQuery(
            query.id,
            text === undefined ? undefined : alertText(text),
            text === undefined ? undefined : { show_alert: true },
          ),
        );
      } catch (error) {
        // A press taken from the backlog after a restart can no longer be answered; what it did still stands.
        if (!EXPIRED_QUERY.test(errorText(error))) throw error;
        this.deps.logger.info(
          { data: "data" in query ? query.data : null },
          "telegram: a press was handled after its query expired (the bot was away); the user saw no answer",
        );
      }
    };
    try {
      const message = query.message;
      if (!("data" in query) || !message || !("chat" in message) || message.date === 0) {
        await answer("This button is no longer valid. Use /battle to start a new battle.");
        return;
      }
      const topicId =
        "message_thread_id" in message && message.is_topic_message ? message.message_thread_id : undefined;
      // A press acts at chat level: a battle's thread is a topic or a reply chain (possibly inside a topic),
      // which the pressed message alone does not tell apart; the arena checks the press's chat is the battle's.
      const ctx = await this.contextOf(message.chat, query.from, undefined, undefined);
      const result = await this.deps.arena.press(ctx, query.data);
      if ("textPrompt" in result) {
        await answer(CONTINUE_HINT);
        return;
      }
      const reply = result.reply;
      if (reply.visibility === "private") {
        await answer(reply.text);
        return;
      }
      await answer();
      await this.sendReply({ chatId: message.chat.id, ...(topicId === undefined ? {} : { topicId }) }, reply);
    } catch (error) {
      this.deps.logger.error(
        { err: this.safe(error), data: "data" in query ? query.data : null },
        "telegram press failed",
      );
      if (!answered) await answer(SOMETHING_WENT_WRONG).catch(() => {});
    }
  }

  /** Who acts and where. In a group, creators and administrators administer the community. */
  private async contextOf(
    chat: Chat,
    from: User,
    topicId: number | undefined,
    senderChat: Chat | undefined,
    { fresh = false }: { fresh?: boolean } = {},
  ): Promise<CommandContext> {
    // An anonymous administrator writes as the group itself.
    const anonymousAdmin = senderChat?.id === chat.id;
    const isCommunityAdmin =
      chat.type !== "private" &&
      (anonymousAdmin ||
        ["creator", "administrator"].includes((await this.member(chat.id, from.id, fresh)).status));
    return {
      actor: {
        platform: PLATFORM,
        userId: String(from.id),
        displayName:
          [from.first_name, from.last_name].filter(Boolean).join(" ") || from.username || "someone",
        isCommunityAdmin,
      },
      place: chatPlace(chat.id, topicId),
    };
  }

  /** The user's status in the chat: from the cache unless `fresh` (the answer then refreshes the cache). */
  private async member(
    chatId: number,
    userId: number,
    fresh = false,
  ): Promise<{ status: string; canManageTopics: boolean }> {
    const key = `${chatId}:${userId}`;
    const cached = this.memberCache.get(key);
    if (!fresh && cached && cached.until > Date.now()) return cached;
    const member = await this.sender.direct("getChatMember", () =>
      this.bot.telegram.getChatMember(chatId, userId),
    );
    const canManageTopics =
      member.status === "creator" || (member.status === "administrator" && member.can_manage_topics === true);
    const entry = { status: member.status, canManageTopics, until: Date.now() + MEMBER_CACHE_MS };
    if (this.memberCache.size >= MEMBER_CACHE_SIZE) {
      for (const [staleKey, stale] of this.memberCache)
        if (stale.until <= Date.now()) this.memberCache.delete(staleKey);
    }
    this.memberCache.set(key, entry);
    return entry;
  }

  // ---- battles --------------------------------------------------------------------------------------------

  /**
   * Opens the battle's place: a new forum topic where the chat is a forum and the bot may manage topics, else
   * a reply chain under the bot's reply to the command. Generation starts (in the arena) once it is placed.
   */
  private async openBattle(message: TextMessage, ctx: CommandContext, reply: Reply): Promise<void> {
    const battle = reply.battle;
    if (!battle) return;
    const { arena } = this.deps;
    const chat = message.chat;
    try {
      let posted: number[];
      let thread: string;
      if (await this.mayOpenTopic(chat)) {
        const name = topicName(battle.threadTitle);
        const topic = await this.sender.inChat(chat.id, "createForumTopic", () =>
          this.bot.telegram.createForumTopic(chat.id, name),
        );
        thread = String(topic.message_thread_id);
        posted = await this.sendParts(
          { chatId: chat.id, topicId: topic.message_thread_id },
          textParts(reply.text),
        );
        await this.sendParts(
          originOf(message),
          textParts(`⚔️ The battle goes on in the topic “${topic.name}”.`),
        ).catch((error: unknown) => {
          this.deps.logger.warn(
            { err: this.safe(error) },
            "telegram: the pointer to a battle topic was not posted",
          );
        });
      } else {
        posted = await this.sendParts(originOf(message), textParts(reply.text));
        const root = posted[0];
        if (root === undefined) throw new Error("the battle's first message was not posted");
        thread = replyChainThread(root, topicOf(message));
      }
      await arena.placeBattle(battle.battleId, { ...ctx.place, thread });
      for (const id of posted) await arena.rememberMessage(battle.battleId, String(id));
      this.rememberCreator(battle.battleId, ctx.actor.userId);
    } catch (error) {
      await arena
        .abandonBattle(battle.battleId, "the battle could not be posted in Telegram")
        .catch(() => {});
      if (!isNoAccess(error)) throw error;
      this.logNoAccess(error, chat.id, battle.battleId, "a battle could not be started");
      await this.answer(message, privateReply(noAccessText(error, chat, "start your battle")), {
        groupFallback: false,
      });
    }
  }

  private rememberCreator(battleId: string, userId: string): void {
    this.creators.set(battleId, Number(userId));
    for (const oldest of this.creators.keys()) {
      if (this.creators.size <= CREATORS_LIMIT) break;
      this.creators.delete(oldest);
    }
  }

  private logNoAccess(error: TelegramError, chatId: number, battleId: string, what: string): void {
    this.deps.logger.warn(
      { battle: battleId, chat: chatId, code: error.code, description: error.description },
      `telegram: ${what}: the bot may not post in this chat (removed, or without the right to send messages)`,
    );
  }

  /** Tells a battle's creator privately that the group refused the bot (once: later events fail the same way). */
  private async tellCreator(battleId: string, error: TelegramError, chatId: number): Promise<void> {
    const creator = this.creators.get(battleId);
    this.creators.delete(battleId);
    if (creator === undefined) return;
    const chat = await this.bot.telegram.getChat(chatId).catch(() => null);
    const text = noAccessText(error, chat, "post your battle's answers");
    await this.sendReply({ chatId: creator }, privateReply(text)).catch((failure: unknown) => {
      this.deps.logger.info(
        { battle: battleId, err: this.safe(failure) },
        "telegram: the creator could not be told privately (no private chat with the bot)",
      );
    });
  }

  private async mayOpenTopic(chat: Chat): Promise<boolean> {
    if (chat.type !== "supergroup" || !chat.is_forum) return false;
    const botId = this.bot.botInfo?.id;
    if (botId === undefined) return false;
    return (await this.member(chat.id, botId)).canManageTopics;
  }

  // ---- events ---------------------------------------------------------------------------------------------

  private async renderEvent(event: ArenaEvent): Promise<void> {
    const target = targetOf(event.place);
    if (event.type !== "battle.turn" && this.topicGone(target)) {
      this.deps.logger.info(
        {
          event: event.type,
          battle: "battleId" in event ? event.battleId : null,
          chat: target.chatId,
          topic: target.topicId,
        },
        "telegram: arena event not posted: its forum topic was deleted",
      );
      return;
    }
    try {
      switch (event.type) {
        case "battle.turn":
          await this.renderTurn(event);
          break;
        case "battle.closed":
        case "battle.discarded":
        case "battle.errored":
          this.creators.delete(event.battleId);
          await this.stripKeyboards(Number(event.place.channel), event.messageIds);
          await this.sendParts(targetOf(event.place), textParts(event.text));
          break;
        case "leaderboard.update":
          await this.sendLeaderboard(targetOf(event.place), event.text, event.view);
          break;
      }
    } catch (error) {
      if (target.topicId !== undefined && isTopicNotFound(error)) {
        this.rememberGoneTopic(target);
        this.deps.logger.warn(
          {
            event: event.type,
            battle: "battleId" in event ? event.battleId : null,
            chat: target.chatId,
            topic: target.topicId,
          },
          "telegram: an arena event could not be shown: its forum topic was deleted",
        );
        return;
      }
      if (isNoAccess(error)) {
        this.deps.logger.warn(
          { event: event.type, chat: target.chatId, code: error.code, description: error.description },
          "telegram: an arena event could not be shown: the bot may not post in this chat",
        );
        return;
      }
      this.deps.logger.error(
        { err: this.safe(error), event: event.type, chat: event.place.channel },
        "telegram: an arena event could not be shown",
      );
    }
  }

  /**
   * Both answers, then the vote message. A turn that cannot be posted whole (after the retries of the Sender)
   * must not take votes: the arena errors the battle. Every message posted is remembered, so that replies to
   * it reach the battle and its buttons are removed later.
   */
  private async renderTurn(event: Extract<ArenaEvent, { type: "battle.turn" }>): Promise<void> {
    const target = targetOf(event.place);
    // The earlier turns' buttons give way to this turn's.
    await this.stripKeyboards(target.chatId, event.messageIds);
    const posted: number[] = [];
    let failure: unknown = null;
    try {
      for (const side of ["a", "b"] as const) {
        for (const part of answerParts(answerHeading(side, event.turn), event.answers[side]))
          posted.push(await this.sendPart(target, part));
      }
      const voteParts = textParts(event.votePrompt);
      for (const [index, part] of voteParts.entries()) {
        const keyboard = index === voteParts.length - 1 ? keyboardOf(event.buttons) : undefined;
        posted.push(await this.sendPart(target, part, keyboard));
      }
    } catch (error) {
      failure = error;
    }
    for (const id of posted) await this.deps.arena.rememberMessage(event.battleId, String(id));
    if (failure !== null && target.topicId !== undefined && isTopicNotFound(failure)) {
      this.rememberGoneTopic(target);
      this.deps.logger.warn(
        { battle: event.battleId, chat: target.chatId, topic: target.topicId },
        "telegram: a battle's forum topic was deleted before its answers were posted: battle errored",
      );
      await this.deps.arena.deliveryFailed(event.battleId, "its topic was deleted");
      return;
    }
    if (failure !== null && isNoAccess(failure)) {
      this.logNoAccess(
        failure,
        target.chatId,
        event.battleId,
        "a battle's answers could not be posted: battle errored",
      );
      await this.tellCreator(event.battleId, failure, target.chatId);
      await this.deps.arena.deliveryFailed(event.battleId, this.deliveryFailure(failure));
      return;
    }
    if (failure !== null) {
      await this.deps.arena.deliveryFailed(event.battleId, this.deliveryFailure(failure));
      throw failure;
    }
  }

  private topicGone(target: Target): boolean {
    return target.topicId !== undefined && this.goneTopics.has(`${target.chatId}:${target.topicId}`);
  }

  private rememberGoneTopic(target: Target): void {
    const key = `${target.chatId}:${target.topicId}`;
    this.goneTopics.delete(key);
    this.goneTopics.add(key);
    for (const oldest of this.goneTopics) {
      if (this.goneTopics.size <= GONE_TOPICS_LIMIT) break;
      this.goneTopics.delete(oldest);
    }
  }

  /** Why a turn could not be posted, in words fit for the chat and the database (no request details). */
  private deliveryFailure(error: unknown): string {
    if (error instanceof TelegramError) return `Telegram refused: ${error.description}`;
    return "the Telegram Bot API could not be reached";
  }

  /** Removes the buttons of these messages; those that have none are "not modified", which is fine. */
  private async stripKeyboards(chatId: number, messageIds: readonly string[]): Promise<void> {
    for (const id of messageIds.map(Number)) {
      await this.sender
        .inChat(chatId, "editMessageReplyMarkup", () =>
          this.bot.telegram.editMessageReplyMarkup(chatId, id, undefined, undefined),
        )
        .catch((error: unknown) => {
          if (!(error instanceof TelegramError && /not modified/.test(error.description))) {
            this.deps.logger.warn(
              { err: this.safe(error), chat: chatId },
              "telegram: vote buttons not removed",
            );
          }
        });
    }
  }

  // ---- sending --------------------------------------------------------------------------------------------

  /**
   * A reply's messages at a target, whatever its visibility: `answer` chooses the target of a private reply
   * (a press's private reply is its callback alert instead, see onPress).
   */
  private async sendReply(target: Target, reply: Reply): Promise<void> {
    if (reply.leaderboard) {
      // The table shows every model that fits one message, so the page buttons of other platforms are left out.
      await this.sendLeaderboard(target, reply.text, reply.leaderboard);
    } else {
      await this.sendParts(
        target,
        textParts(reply.text),
        reply.buttons ? keyboardOf(reply.buttons) : undefined,
      );
    }
    for (const attachment of reply.attachments ?? []) await this.sendAttachment(target, attachment);
  }

  private async sendLeaderboard(target: Target, text: string, view: LeaderboardView): Promise<void> {
    const heading = escapeHtml(text);
    const table = telegramTableHtml(view.board, {
      category: view.categoryLabel,
      minBattles: view.minBattles,
      maxChars: MESSAGE_LIMIT - heading.length - 2,
    });
    await this.sendPart(target, { html: `${heading}\n\n${table}`, plain: `${text}\n\n${stripTags(table)}` });
    const chart = await renderViewChart(view);
    if (chart) await this.sendAttachment(target, chart);
  }

  private async sendAttachment(target: Target, attachment: Attachment): Promise<void> {
    const file = { source: Buffer.from(attachment.data), filename: attachment.name };
    const caption =
      attachment.description === undefined ? undefined : truncateText(attachment.description, CAPTION_LIMIT);
    const extra = { ...placementOf(target), ...(caption ? { caption } : {}) };
    const telegram = this.bot.telegram;
    if (attachment.contentType === "image/png" || attachment.contentType === "image/jpeg") {
      await this.sender.inChat(target.chatId, "sendPhoto", () =>
        telegram.sendPhoto(target.chatId, file, extra),
      );
    } else {
      await this.sender.inChat(target.chatId, "sendDocument", () =>
        telegram.sendDocument(target.chatId, file, extra),
      );
    }
  }

  /** Sends parts in order; buttons go on the last one. Returns the message ids. */
  private async sendParts(
    target: Target,
    parts: readonly MessagePart[],
    keyboard?: InlineKeyboard,
  ): Promise<number[]> {
    const ids: number[] = [];
    for (const [index, part] of parts.entries()) {
      ids.push(await this.sendPart(target, part, index === parts.length - 1 ? keyboard : undefined));
    }
    return ids;
  }

  /** One message as HTML; when Telegram cannot parse the formatting, the same part again as plain text. */
  private async sendPart(target: Target, part: MessagePart, keyboard?: InlineKeyboard): Promise<number> {
    const telegram = this.bot.telegram;
    const extra = {
      ...placementOf(target),
      link_preview_options: { is_disabled: true },
      ...(keyboard ? { reply_markup: keyboard } : {}),
    };
    try {
      const sent = await this.sender.inChat(target.chatId, "sendMessage", () =>
        telegram.sendMessage(target.chatId, part.html, { ...extra, parse_mode: "HTML" }),
      );
      return sent.message_id;
    } catch (error) {
      if (
        !(
          error instanceof TelegramError &&
          error.code === 400 &&
          /can't parse entities/i.test(error.description)
        )
      )
        throw error;
      this.deps.logger.warn(
        { err: error.description, chat: target.chatId },
        "telegram refused the HTML; sent as plain text",
      );
      const sent = await this.sender.inChat(target.chatId, "sendMessage", () =>
        telegram.sendMessage(target.chatId, part.plain, extra),
      );
      return sent.message_id;
    }
  }
}

// ---- helpers ----------------------------------------------------------------------------------------------

/**
 * The group refuses the bot: 403 once it was removed (kicked, left, chat deleted), 400 when it lost the right to
 * send messages (restricted, or members may not write). Sends to a private chat are handled in `answer`.
 */
function isNoAccess(error: unknown): error is TelegramError {
  return (
    error instanceof TelegramError &&
    (error.code === 403 ||
      (error.code === 400 &&
        /not enough rights|have no rights|CHAT_WRITE_FORBIDDEN|CHAT_RESTRICTED|CHAT_SEND_\w+_FORBIDDEN/i.test(
          error.description,
        )))
  );
}

function noAccessText(error: TelegramError, chat: { title?: string } | Chat | null, what: string): string {
  const title = chat && "title" in chat && chat.title ? `“${chat.title}”` : "the group";
  const why =
    error.code === 403 ? "I am no longer a member there" : "I do not have the right to send messages there";
  return `I could not ${what} in ${title}: ${why}. Ask an administrator of the group to let me post, then start a new battle with /battle.`;
}

/** Telegram's answer to a message sent into a forum topic that was deleted. */
function isTopicNotFound(error: unknown): boolean {
  return (
    error instanceof TelegramError &&
    error.code === 400 &&
    /message thread not found|TOPIC_DELETED|TOPIC_ID_INVALID/i.test(error.description)
  );
}

function updateKind(update: object): string {
  return Object.keys(update).find((key) => key !== "update_id") ?? "unknown";
}

function topicOf(message: Message): number | undefined {
  return "is_topic_message" in message && message.is_topic_message ? message.message_thread_id : undefined;
}

/** Replies to a message go under it, in its topic. */
function originOf(message: Message): Target {
  const topicId = topicOf(message);
  return {
    chatId: message.chat.id,
    replyTo: message.message_id,
    ...(topicId === undefined ? {} : { topicId }),
  };
}

/** Button payloads are the arena's opaque ids, passed through unchanged as callback_data. */
function keyboardOf(rows: readonly (readonly ButtonSpec[])[]): InlineKeyboard {
  return {
    inline_keyboard: rows.map((row) =>
      row.map((button) => ({ text: button.label, callback_data: button.id })),
    ),
  };
}

function stripTags(html: string): string {
  return html
    .replace(/<[^>]+>/g, "")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");
}

function helpText(): string {
  const usages = (scope: CommandData["scope"]) =>
    commandData.filter((data) => data.scope === scope).map((data) => usageOf(data));
  return [
    "⚔️ Chatbot arena: two anonymous models answer your prompt, you vote for the better one, and the votes make the leaderboard.",
    "",
    ...usages("everyone"),
    "",
    "For this chat's administrators:",
    ...usages("community"),
    "",
    "For the arena's owners:",
    ...usages("owner"),
    "",
    "Continue a battle by replying to one of its messages before anyone votes.",
  ].join("\n");
}
