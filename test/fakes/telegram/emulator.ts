import { EventEmitter } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { TelegramServer } from "telegram-test-api/lib/telegramServer.js";
import {
  ALERT_TEXT_LIMIT,
  ApiError,
  badRequest,
  CAPTION_LIMIT,
  flag,
  formatText,
  imageSize,
  injectedError,
  isUpload,
  jsonParam,
  normaliseParams,
  optionalInt,
  optionalString,
  type Params,
  parseJsonObject,
  readParams,
  requiredInt,
  requiredString,
  summarise,
  TEXT_LIMIT,
  type Upload,
  validateMarkup,
} from "./params.ts";
import type {
  BotCommand,
  BotCommandScope,
  BotMessage,
  CallbackAnswer,
  EmulatorEvent,
  InjectedError,
  MemberStatus,
  MessageEntity,
  RecordedCall,
  TelegramChat,
  TelegramMessage,
  TelegramUser,
  Update,
  WebhookDelivery,
  WebhookInfo,
} from "./types.ts";

interface StoredMessage {
  wire: TelegramMessage;
  parseMode: string | undefined;
  photo: BotMessage["photo"];
  deleted: boolean;
}
interface ChatState {
  chat: TelegramChat;
  members: Map<number, { status: MemberStatus; canManageTopics: boolean }>;
  messages: Map<number, StoredMessage>;
  nextMessageId: number;
  topics: Map<number, string>;
}
interface PendingQuery {
  from: TelegramUser;
  data: string;
  answered: boolean;
  settle: (answer: CallbackAnswer) => void;
  abandon: (reason: Error) => void;
}
interface Webhook {
  url: string;
  secretToken: string | undefined;
  maxConnections: number;
}

export interface EmulatorOptions {
  /** The bot's token, "<bot id>:<secret>" as Telegram issues them. */
  botToken: string;
  botUsername?: string;
  botName?: string;
  /** Group privacy mode (Telegram's default): in groups where the bot is not an administrator it receives
   * only commands and replies to its own messages. */
  privacyMode?: boolean;
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
}

export interface ChatOptions {
  title: string;
  kind: "group" | "supergroup" | "forum";
  members?: ReadonlyArray<readonly [TelegramUser, MemberStatus]>;
  /** The bot's own rights in the chat; a plain member by default. */
  bot?: { status: "member" | "administrator"; canManageTopics?: boolean };
}

export interface SendOptions {
  /** Forum topic (message_thread_id) the user writes in. */
  threadId?: number;
  /** Message the user replies to. */
  replyTo?: number;
}

const NOT_MODIFIED =
  "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";

const now = () => Math.floor(Date.now() / 1000);

/**
 * A Telegram Bot API server for tests, on 127.0.0.1. Bot API methods the arena needs are implemented here in
 * Telegram's formats; every other path falls through to telegram-test-api's own express application. Test code
 * plays the users through the helper methods (sendCommand, reply, pressButton, …) and inspects what the bot did
 * (botMessages, commands, callbackAnswers, calls).
 */
export class TelegramEmulator {
  readonly bot: TelegramUser;
  private readonly token: string;
  private readonly privacyMode: boolean;
  private readonly server: http.Server;
  private readonly base: TelegramServer;
  // Every waitFor listens for changes: many run at once in load tests.
  private readonly events = new EventEmitter().setMaxListeners(0);
  private readonly users = new Map<number, TelegramUser>();
  /** Users who blocked the bot: it can no longer write to them. */
  private readonly blockedBy = new Set<number>();
  private readonly mutedIn = new Set<number>();
  private readonly chats = new Map<number, ChatState>();
  private readonly commandLists = new Map<string, BotCommand[]>();
  private readonly files = new Map<string, Upload | undefined>();
  private readonly queries = new Map<string, PendingQuery>();
  private readonly answers: CallbackAnswer[] = [];
  private readonly callLog: RecordedCall[] = [];
  private readonly failures = new Map<string, InjectedError[]>();
  private readonly deliveries: WebhookDelivery[] = [];
  private pending: Update[] = [];
  /** Every update queued so far, as first sent, by update_id (for redeliver). */
  private readonly sentUpdates = new Map<number, Update>();
  /** Redelivered updates waiting in `pending` below the poller's offset (returned once regardless of it). */
  private readonly redelivered = new Set<Update>();
  private nextUpdateId = 1;
  private nextUserId = 1001;
  private nextGroupId = 1;
  private nextQueryId = 1;
  private poller: { res: http.ServerResponse; wake: () => void } | undefined;
  private webhook: Webhook | undefined;
  private webhookSecretOverride: string | null | undefined;
  private webhookError: { date: number; message: string } | undefined;
  private deliveryChain: Promise<void> = Promise.resolve();
  private allowedUpdates: string[] = [];
  private port: number;

  constructor(options: EmulatorOptions) {
    const botId = Number(/^(\d+):/.exec(options.botToken)?.[1]);
    if (!Number.isSafeInteger(botId)) throw new Error('botToken must look like "<digits>:<secret>"');
    this.token = options.botToken;
    this.privacyMode = options.privacyMode ?? true;
    this.port = options.port ?? 0;
    this.bot = {
      id: botId,
      is_bot: true,
      first_name: options.botName ?? "Arena Test Bot",
      username: options.botUsername ?? "arena_test_bot",
    };
    // telegram-test-api is never started itself: its express app answers the paths this emulator leaves alone.
    this.base = new TelegramServer({ host: "127.0.0.1" });
    const fallback = (this.base as unknown as { webServer: http.RequestListener }).webServer;
    this.server = http.createServer((req, res) => {
      this.handleHttp(req, res, fallback).catch((error: unknown) => {
        sendJson(res, 500, { ok: false, error_code: 500, description: `Internal Server Error: ${error}` });
      });
    });
  }

  /** Root URL to give telegraf as `telegram: { apiRoot }`. */
  get apiRoot(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.poller?.wake();
    for (const query of this.queries.values()) {
      if (!query.answered) query.abandon(new Error("the emulator closed before the bot answered"));
    }
    this.queries.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.events.removeAllListeners();
  }

  // ---------------------------------------------------------------- world: users and chats

  user(options: { firstName: string; username?: string; languageCode?: string }): TelegramUser {
    const user: TelegramUser = { id: this.nextUserId++, is_bot: false, first_name: options.firstName };
    if (options.username !== undefined) user.username = options.username;
    if (options.languageCode !== undefined) user.language_code = options.languageCode;
    this.users.set(user.id, user);
    return user;
  }

  /** The private chat between a user and the bot. */
  privateChat(user: TelegramUser): TelegramChat {
    const existing = this.chats.get(user.id);
    if (existing) return existing.chat;
    const chat: TelegramChat = { id: user.id, type: "private", first_name: user.first_name };
    if (user.username !== undefined) chat.username = user.username;
    this.addChat(chat).members.set(user.id, { status: "member", canManageTopics: false });
    return chat;
  }

  /** The user blocks the bot (or unblocks it): messages to their private chat are refused with 403. */
  blockBot(user: TelegramUser, blocked = true): void {
    if (blocked) this.blockedBy.add(user.id);
    else this.blockedBy.delete(user.id);
  }

  /**
   * An administrator takes the bot's right to send messages in a group (or gives it back): sendMessage and
   * sendPhoto there are refused with 400 "not enough rights to send … to the chat", as for a restricted member.
   */
  muteBot(chat: TelegramChat, muted = true): void {
    this.state(chat.id);
    if (muted) this.mutedIn.add(chat.id);
    else this.mutedIn.delete(chat.id);
  }

  /** A group, a supergroup or a forum supergroup, with its members and the bot's rights. */
  chat(options: ChatOptions): TelegramChat {
    const serial = this.nextGroupId++;
    const chat: TelegramChat =
      options.kind === "group"
        ? { id: -(100 + serial), type: "group", title: options.title }
        : { id: -(1_001_000_000_000 + serial), type: "supergroup", title: options.title };
    if (options.kind === "forum") chat.is_forum = true;
    const state = this.addChat(chat);
    for (const [user, status] of options.members ?? []) this.setMember(chat, user, status);
    const botRights = options.bot ?? { status: "member" };
    state.members.set(this.bot.id, {
      status: botRights.status,
      canManageTopics: botRights.status === "administrator" && (botRights.canManageTopics ?? true),
    });
    return chat;
  }

  setMember(chat: TelegramChat, user: TelegramUser, status: MemberStatus): void {
    this.state(chat.id).members.set(user.id, { status, canManageTopics: status !== "member" });
  }

  /** A forum topic created by a user (the bot creates its own with createForumTopic). */
  createTopic(chat: TelegramChat, creator: TelegramUser, name: string): number {
    return this.openTopic(this.state(chat.id), creator, name, 0x6fb9f0).message_thread_id;
  }

  /**
   * An administrator deletes a forum topic with its messages: sending into it is then refused with 400 "message
   * thread not found", editing its messages with "message to edit not found".
   */
  deleteTopic(chat: TelegramChat, threadId: number): void {
    const state = this.state(chat.id);
    if (!state.topics.delete(threadId)) throw new Error(`chat ${chat.id} has no topic ${threadId}`);
    for (const stored of state.messages.values()) {
      if (stored.wire.message_thread_id === threadId && stored.wire.is_topic_message) stored.deleted = true;
    }
    this.events.emit("change");
  }

  // ---------------------------------------------------------------- users acting

  /** A user sends a text message; resolves once the bot received it (or was not meant to, see privacyMode). */
  async sendText(user: TelegramUser, chat: TelegramChat, text: string, options: SendOptions = {}) {
    return this.postUserMessage(user, chat, text, [], options);
  }

  /** A user sends a command such as "/battle hi"; `mention` writes it "/battle@bot_username hi". */
  async sendCommand(
    user: TelegramUser,
    chat: TelegramChat,
    commandLine: string,
    options: SendOptions & { mention?: boolean } = {},
  ): Promise<TelegramMessage> {
    if (!commandLine.startsWith("/")) throw new Error(`a command starts with "/": ${commandLine}`);
    const command = commandLine.split(/\s/, 1)[0] ?? commandLine;
    const addressed = options.mention ? `${command}@${this.bot.username}` : command;
    const text = addressed + commandLine.slice(command.length);
    const entity: MessageEntity = { type: "bot_command", offset: 0, length: addressed.length };
    return this.postUserMessage(user, chat, text, [entity], options);
  }

  /** A user replies to a message (typically one of the bot's). */
  async reply(
    user: TelegramUser,
    chat: TelegramChat,
    toMessageId: number,
    text: string,
    options: SendOptions = {},
  ) {
    return this.postUserMessage(user, chat, text, [], { ...options, replyTo: toMessageId });
  }

  /**
   * A user presses an inline button; resolves with the bot's answerCallbackQuery, rejects if the bot does not
   * answer within `timeoutMs`. The button must be on the message as it stands unless `evenIfAbsent` (a stale
   * client still showing an old keyboard).
   */
  async pressButton(
    user: TelegramUser,
    chat: TelegramChat,
    messageId: number,
    callbackData: string,
    options: { timeoutMs?: number; evenIfAbsent?: boolean } = {},
  ): Promise<CallbackAnswer> {
    const stored = this.state(chat.id).messages.get(messageId);
    if (!stored || stored.deleted || stored.wire.from.id !== this.bot.id) {
      throw new Error(`no message ${messageId} from the bot in chat ${chat.id}`);
    }
    const buttons = stored.wire.reply_markup?.inline_keyboard.flat() ?? [];
    if (!options.evenIfAbsent && !buttons.some((button) => button.callback_data === callbackData)) {
      throw new Error(
        `message ${messageId} has no button with callback_data ${JSON.stringify(callbackData)}`,
      );
    }
    const id = `${this.bot.id}${String(this.nextQueryId++).padStart(8, "0")}`;
    const timeoutMs = options.timeoutMs ?? 5000;
    const answered = new Promise<CallbackAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.queries.delete(id);
        reject(
          new Error(`the bot did not answer callback query ${id} (${callbackData}) within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      this.queries.set(id, {
        from: user,
        data: callbackData,
        answered: false,
        settle: (answer) => {
          clearTimeout(timer);
          resolve(answer);
        },
        abandon: (reason) => {
          clearTimeout(timer);
          reject(reason);
        },
      });
    });
    const chatInstance = String(Math.abs(chat.id) * 7919 + 17);
    await this.enqueue({
      update_id: 0,
      callback_query: {
        id,
        from: user,
        message: structuredClone(stored.wire),
        chat_instance: chatInstance,
        data: callbackData,
      },
    });
    return answered;
  }

  // ---------------------------------------------------------------- what the bot did

  /** Messages the bot sent in a chat (one topic when threadId is given), oldest first, edits applied. */
  botMessages(chatId: number, threadId?: number): BotMessage[] {
    const result: BotMessage[] = [];
    for (const stored of this.state(chatId).messages.values()) {
      const wire = stored.wire;
      if (stored.deleted || wire.from.id !== this.bot.id || (wire.text === undefined && !wire.photo))
        continue;
      if (threadId !== undefined && wire.message_thread_id !== threadId) continue;
      result.push(botMessageView(stored));
    }
    return result;
  }

  /**
   * Calls `listener` whenever the bot sends, edits or deletes a message or answers a button press (for the
   * offline sandbox, which prints them as they happen). Returns the unsubscribe function.
   */
  subscribe(listener: (event: EmulatorEvent) => void): () => void {
    this.events.on("event", listener);
    return () => this.events.off("event", listener);
  }

  /** Every message of a chat (users' and the bot's, service messages included), oldest first. */
  history(chatId: number): TelegramMessage[] {
    return [...this.state(chatId).messages.values()].filter((m) => !m.deleted).map((m) => m.wire);
  }

  /** Forum topics of a chat: thread id → name. */
  topics(chatId: number): Map<number, string> {
    return new Map(this.state(chatId).topics);
  }

  /** The command list set for exactly this scope (and language), or undefined when none is set. */
  commands(scope: BotCommandScope = { type: "default" }, languageCode = ""): BotCommand[] | undefined {
    return this.commandLists.get(scopeKey(scope, languageCode));
  }

  /** The command menu a user sees in a chat, resolved with Telegram's scope precedence. */
  menuFor(user: TelegramUser, chat: TelegramChat, languageCode = user.language_code ?? ""): BotCommand[] {
    const scopes: BotCommandScope[] =
      chat.type === "private"
        ? [{ type: "chat", chat_id: chat.id }, { type: "all_private_chats" }, { type: "default" }]
        : this.groupScopes(user, chat);
    for (const scope of scopes) {
      const list = this.commands(scope, languageCode) ?? this.commands(scope);
      if (list) return list;
    }
    return [];
  }

  callbackAnswers(): CallbackAnswer[] {
    return [...this.answers];
  }

  /** Bot API calls the bot made, oldest first, optionally of one method. */
  calls(method?: string): RecordedCall[] {
    return method === undefined ? [...this.callLog] : this.callLog.filter((call) => call.method === method);
  }

  /** The last `limit` calls into one chat, one line each (method, how long ago, error): for test failures. */
  describeCalls(chatId: number, limit = 10): string {
    const now = Date.now();
    return this.callLog
      .filter((call) => String(call.params.chat_id) === String(chatId))
      .slice(-limit)
      .map(
        (call) =>
          `  ${call.method} ${now - call.at} ms ago${call.error ? ` → ${call.error.error_code} ${call.error.description}` : ""}`,
      )
      .join("\n");
  }

  /** The next `times` calls of `method` fail with this error, in Telegram's error format. */
  failNext(method: string, error: InjectedError, times = 1): void {
    const queue = this.failures.get(method.toLowerCase()) ?? [];
    for (let i = 0; i < times; i++) queue.push(error);
    this.failures.set(method.toLowerCase(), queue);
  }

  /**
   * Telegram delivers an update again, with the same update_id (the last one queued unless given): POSTed to the
   * webhook once more, or handed to the poller once more whatever offset it confirmed. Resolves like the user
   * actions (once queued, or once the webhook delivery is done).
   */
  redeliver(updateId = this.nextUpdateId - 1): Promise<void> {
    const original = this.sentUpdates.get(updateId);
    if (!original) throw new Error(`no update ${updateId} was sent`);
    const again = structuredClone(original);
    this.pending.push(again);
    this.events.emit("change");
    if (!this.webhook) {
      this.redelivered.add(again);
      this.poller?.wake();
      return Promise.resolve();
    }
    return this.deliverPending();
  }

  /** The update_id of the last update queued for the bot (0 before the first). */
  lastUpdateId(): number {
    return this.nextUpdateId - 1;
  }

  webhookInfo(): WebhookInfo {
    const info: WebhookInfo = {
      url: this.webhook?.url ?? "",
      has_custom_certificate: false,
      pending_update_count: this.pending.length,
    };
    if (this.webhook) info.max_connections = this.webhook.maxConnections;
    if (this.allowedUpdates.length > 0) info.allowed_updates = [...this.allowedUpdates];
    if (this.webhookError) {
      info.last_error_date = this.webhookError.date;
      info.last_error_message = this.webhookError.message;
    }
    return info;
  }

  webhookDeliveries(): WebhookDelivery[] {
    return [...this.deliveries];
  }

  /** Send this secret header instead of the one the bot registered (null: no header; undefined: back to normal). */
  overrideWebhookSecret(secret: string | null | undefined): void {
    this.webhookSecretOverride = secret;
  }

  /**
   * Resolves with the predicate's first value that is not false, null or undefined; re-checked after every API
   * call and update, and every 20 ms for conditions on the bot's own state. Rejects after `timeoutMs`.
   */
  waitFor<T>(predicate: () => T, timeoutMs = 5000): Promise<Exclude<T, false | null | undefined>> {
    return new Promise((resolve, reject) => {
      const check = () => {
        try {
          const value = predicate();
          if (value !== undefined && value !== null && value !== false) {
            finish();
            resolve(value as Exclude<T, false | null | undefined>);
          }
        } catch (error) {
          finish();
          reject(error);
        }
      };
      const poll = setInterval(check, 20);
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`waitFor: condition still false after ${timeoutMs} ms`));
      }, timeoutMs);
      const finish = () => {
        clearInterval(poll);
        clearTimeout(timer);
        this.events.off("change", check);
      };
      this.events.on("change", check);
      check();
    });
  }

  // ---------------------------------------------------------------- HTTP

  private async handleHttp(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    fallback: http.RequestListener,
  ): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const match = /^\/bot([^/]+)\/(?:test\/)?([A-Za-z]+)$/.exec(url.pathname);
    const token = match?.[1];
    const methodName = match?.[2];
    if (token === undefined || methodName === undefined) {
      fallback(req, res);
      return;
    }
    if (decodeURIComponent(token) !== this.token) {
      sendJson(res, 401, { ok: false, error_code: 401, description: "Unauthorized" });
      return;
    }
    const method = methodName.toLowerCase();
    let params: Params = {};
    try {
      params = await readParams(req, url);
      const result = await this.call(method, params, res);
      sendJson(res, 200, { ok: true, result });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const body: Record<string, unknown> = {
        ok: false,
        error_code: error.errorCode,
        description: error.description,
      };
      if (error.retryAfter !== undefined) body.parameters = { retry_after: error.retryAfter };
      sendJson(res, error.errorCode, body);
    }
  }

  /** Runs one Bot API method (from HTTP or from a webhook reply) and records it. */
  private async call(method: string, params: Params, res?: http.ServerResponse): Promise<unknown> {
    const name = METHOD_NAMES.get(method) ?? method;
    const recorded: RecordedCall = {
      method: name,
      params: summarise(params),
      error: undefined,
      at: Date.now(),
    };
    this.callLog.push(recorded);
    try {
      const injected = this.failures.get(method)?.shift();
      if (injected) throw injectedError(injected);
      const handler = this.handlers[method];
      if (!handler) throw new ApiError(404, `Not Found: method ${name} is not emulated`);
      return await handler(params, res);
    } catch (error) {
      if (error instanceof ApiError)
        recorded.error = { error_code: error.errorCode, description: error.description };
      throw error;
    } finally {
      this.events.emit("change");
    }
  }

  private readonly handlers: Record<string, (params: Params, res?: http.ServerResponse) => unknown> = {
    getme: () => ({
      ...this.bot,
      can_join_groups: true,
      can_read_all_group_messages: !this.privacyMode,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
    }),
    getupdates: (params, res) => this.getUpdates(params, res),
    setwebhook: (params) => this.setWebhook(params),
    deletewebhook: (params) => {
      this.webhook = undefined;
      if (flag(params, "drop_pending_updates")) this.pending = [];
      return true;
    },
    getwebhookinfo: () => this.webhookInfo(),
    sendmessage: (params) => this.sendMessage(params),
    sendphoto: (params) => this.sendPhoto(params),
    editmessagetext: (params) => this.editMessageText(params),
    editmessagereplymarkup: (params) => this.editMessageReplyMarkup(params),
    deletemessage: (params) => this.deleteMessage(params),
    answercallbackquery: (params) => this.answerCallbackQuery(params),
    setmycommands: (params) => this.setMyCommands(params),
    getmycommands: (params) => this.commandLists.get(this.scopeKeyOf(params)) ?? [],
    deletemycommands: (params) => {
      this.commandLists.delete(this.scopeKeyOf(params));
      return true;
    },
    getchat: (params) => this.getChat(params),
    getchatmember: (params) => this.getChatMember(params),
    getchatadministrators: (params) => this.getChatAdministrators(params),
    createforumtopic: (params) => this.createForumTopic(params),
    sendchataction: (params) => {
      this.chatOf(params);
      return true;
    },
  };

  // ---------------------------------------------------------------- updates: long polling and webhook

  private async getUpdates(params: Params, res?: http.ServerResponse): Promise<Update[]> {
    if (this.webhook) {
      throw new ApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      );
    }
    const offset = optionalInt(params, "offset") ?? 0;
    const limit = Math.min(Math.max(optionalInt(params, "limit") ?? 100, 1), 100);
    const timeout = optionalInt(params, "timeout") ?? 0;
    const allowed = jsonParam<string[]>(params, "allowed_updates");
    if (allowed !== undefined) this.allowedUpdates = allowed;
    // Telegram forgets updates once a later offset confirms them.
    if (offset > 0)
      this.pending = this.pending.filter(
        (update) => update.update_id >= offset || this.redelivered.has(update),
      );
    const available = () => this.pending.filter((update) => this.isAllowed(update)).slice(0, limit);
    if (available().length > 0 || timeout <= 0 || !res) return this.handOut(available());

    if (this.poller && !this.poller.res.writableEnded) {
      sendJson(this.poller.res, 409, {
        ok: false,
        error_code: 409,
        description:
          "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
      });
    }
    this.poller?.wake();
    let poller: { res: http.ServerResponse; wake: () => void } | undefined;
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        res.off("close", wake);
        resolve();
      };
      const timer = setTimeout(wake, timeout * 1000);
      res.once("close", wake);
      poller = { res, wake };
      this.poller = poller;
    });
    if (this.poller === poller) this.poller = undefined;
    return this.handOut(available());
  }

  /** A redelivered update is handed out once; the next offset then confirms it like any other. */
  private handOut(updates: Update[]): Update[] {
    for (const update of updates) this.redelivered.delete(update);
    return updates;
  }

  private isAllowed(update: Update): boolean {
    if (this.allowedUpdates.length === 0) return true;
    return Object.keys(update).some((key) => key !== "update_id" && this.allowedUpdates.includes(key));
  }

  /** Queues an update for the bot; resolves once a webhook delivery (if any) is done. */
  private enqueue(update: Update): Promise<void> {
    update.update_id = this.nextUpdateId++;
    this.sentUpdates.set(update.update_id, structuredClone(update));
    this.pending.push(update);
    this.events.emit("change");
    if (!this.webhook) {
      this.poller?.wake();
      return Promise.resolve();
    }
    return this.deliverPending();
  }

  private deliverPending(): Promise<void> {
    this.deliveryChain = this.deliveryChain.then(async () => {
      while (this.webhook && this.pending.length > 0) {
        const update = this.pending.shift();
        if (update && this.isAllowed(update)) await this.deliver(this.webhook, update);
      }
    });
    return this.deliveryChain;
  }

  /** POSTs one update to the webhook; failed deliveries are recorded (webhookInfo) and not retried. */
  private async deliver(webhook: Webhook, update: Update): Promise<void> {
    const secret =
      this.webhookSecretOverride === undefined ? webhook.secretToken : this.webhookSecretOverride;
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (secret !== undefined && secret !== null) headers["x-telegram-bot-api-secret-token"] = secret;
    const delivery: WebhookDelivery = {
      updateId: update.update_id,
      url: webhook.url,
      status: undefined,
      secretSent: secret ?? undefined,
    };
    this.deliveries.push(delivery);
    // The bot has no certificate on loopback: an https:// webhook there is reached over plain http.
    const target = webhook.url.replace(/^https:/, "http:");
    try {
      const response = await fetch(target, { method: "POST", headers, body: JSON.stringify(update) });
      delivery.status = response.status;
      const body = await response.text();
      if (!response.ok) {
        this.webhookError = { date: now(), message: `Wrong response from the webhook: ${response.status}` };
        return;
      }
      // A bot may answer the update with one method call in the response body (telegraf's webhookReply).
      const reply = parseJsonObject(body);
      const method = reply?.method;
      if (reply && typeof method === "string") {
        const { method: _method, ...params } = reply;
        await this.call(method.toLowerCase(), normaliseParams(params)).catch(() => undefined);
      }
    } catch (error) {
      this.webhookError = { date: now(), message: `Connection failed: ${(error as Error).message}` };
    } finally {
      this.events.emit("change");
    }
  }

  private setWebhook(params: Params): true {
    const url = optionalString(params, "url") ?? "";
    if (url === "") {
      this.webhook = undefined;
      return true;
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw badRequest("bad webhook: invalid URL");
    }
    if (!["127.0.0.1", "localhost", "[::1]"].includes(parsed.hostname)) {
      throw badRequest("bad webhook: this emulator delivers only to 127.0.0.1 or localhost");
    }
    const secretToken = optionalString(params, "secret_token");
    if (secretToken !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secretToken)) {
      throw badRequest("secret token contains unallowed characters");
    }
    const allowed = jsonParam<string[]>(params, "allowed_updates");
    if (allowed !== undefined) this.allowedUpdates = allowed;
    if (flag(params, "drop_pending_updates")) this.pending = [];
    this.webhook = { url, secretToken, maxConnections: optionalInt(params, "max_connections") ?? 40 };
    this.webhookError = undefined;
    this.poller?.wake();
    void this.deliverPending();
    return true;
  }

  // ---------------------------------------------------------------- messages

  private async postUserMessage(
    user: TelegramUser,
    chat: TelegramChat,
    text: string,
    entities: MessageEntity[],
    options: SendOptions,
  ): Promise<TelegramMessage> {
    const state = this.state(chat.id);
    const status = state.members.get(user.id)?.status;
    if (status !== "creator" && status !== "administrator" && status !== "member") {
      throw new Error(`user ${user.id} is not a member of chat ${chat.id}`);
    }
    if (options.threadId !== undefined && !state.topics.has(options.threadId)) {
      throw new Error(`chat ${chat.id} has no forum topic ${options.threadId}`);
    }
    const replyTo = options.replyTo === undefined ? undefined : state.messages.get(options.replyTo);
    if (options.replyTo !== undefined && (!replyTo || replyTo.deleted)) {
      throw new Error(`chat ${chat.id} has no message ${options.replyTo} to reply to`);
    }
    const threadId = options.threadId ?? topicOf(replyTo);
    const wire = this.newMessage(state, user, threadId, replyTo);
    wire.text = text;
    if (entities.length > 0) wire.entities = entities;
    this.store(state, wire, undefined, undefined);
    if (this.botReceives(state, wire, replyTo))
      await this.enqueue({ update_id: 0, message: structuredClone(wire) });
    return wire;
  }

  /** Group privacy mode: the bot sees commands, replies to itself, and everything where it is an admin. */
  private botReceives(
    state: ChatState,
    message: TelegramMessage,
    replyTo: StoredMessage | undefined,
  ): boolean {
    if (state.chat.type === "private" || !this.privacyMode) return true;
    if (state.members.get(this.bot.id)?.status === "administrator") return true;
    const command = message.entities?.find((entity) => entity.type === "bot_command" && entity.offset === 0);
    if (command && message.text) {
      const addressee = message.text.slice(0, command.length).split("@")[1];
      return addressee === undefined || addressee === this.bot.username;
    }
    return replyTo?.wire.from.id === this.bot.id;
  }

  private sendMessage(params: Params): TelegramMessage {
    const state = this.writableChat(params);
    const formatted = formatText(requiredString(params, "text"), params, "entities");
    if (formatted.text.trim() === "") throw badRequest("message text is empty");
    if (formatted.text.length > TEXT_LIMIT) throw badRequest("message is too long");
    const markup = validateMarkup(params.reply_markup);
    const { threadId, replyTo } = this.placement(state, params);
    const wire = this.newMessage(state, this.bot, threadId, replyTo);
    wire.text = formatted.text;
    if (formatted.entities.length > 0) wire.entities = formatted.entities;
    if (markup) wire.reply_markup = markup;
    this.store(state, wire, formatted.parseMode, undefined);
    this.announce("sent", state, wire.message_id);
    return wire;
  }

  private sendPhoto(params: Params): TelegramMessage {
    const state = this.writableChat(params, "photos");
    const photo = params.photo;
    let fileId: string;
    let upload: Upload | undefined;
    let size = { width: 0, height: 0 };
    if (isUpload(photo)) {
      const dimensions = imageSize(photo.bytes);
      if (!dimensions) throw badRequest("IMAGE_PROCESS_FAILED");
      size = dimensions;
      upload = photo;
      fileId = `photo-${this.files.size + 1}`;
      this.files.set(fileId, upload);
    } else if (typeof photo === "string" && this.files.has(photo)) {
      fileId = photo;
      upload = this.files.get(photo);
    } else if (typeof photo === "string" && /^https?:\/\//.test(photo)) {
      fileId = `photo-${this.files.size + 1}`;
      this.files.set(fileId, undefined);
    } else {
      throw badRequest("wrong remote file identifier specified: Wrong string length");
    }
    const caption = optionalString(params, "caption");
    const formatted = caption === undefined ? undefined : formatText(caption, params, "caption_entities");
    if (formatted && formatted.text.length > CAPTION_LIMIT) throw badRequest("message caption is too long");
    const markup = validateMarkup(params.reply_markup);
    const { threadId, replyTo } = this.placement(state, params);
    const wire = this.newMessage(state, this.bot, threadId, replyTo);
    wire.photo = [
      { file_id: fileId, file_unique_id: `u${fileId}`, ...size, file_size: upload?.bytes.length ?? 0 },
    ];
    if (formatted) {
      wire.caption = formatted.text;
      if (formatted.entities.length > 0) wire.caption_entities = formatted.entities;
    }
    if (markup) wire.reply_markup = markup;
    const recordedPhoto = { fileId, bytes: upload?.bytes, filename: upload?.filename };
    this.store(state, wire, formatted?.parseMode, recordedPhoto);
    this.announce("sent", state, wire.message_id);
    return wire;
  }

  private editMessageText(params: Params): TelegramMessage {
    const stored = this.editableMessage(params);
    if (stored.wire.text === undefined) throw badRequest("there is no text in the message to edit");
    const formatted = formatText(requiredString(params, "text"), params, "entities");
    if (formatted.text.trim() === "") throw badRequest("message text is empty");
    if (formatted.text.length > TEXT_LIMIT) throw badRequest("message is too long");
    // Editing the text without reply_markup removes the inline keyboard, as on Telegram.
    const markup = validateMarkup(params.reply_markup);
    const entities = formatted.entities.length > 0 ? formatted.entities : undefined;
    const unchanged =
      formatted.text === stored.wire.text &&
      sameJson(entities, stored.wire.entities) &&
      sameJson(markup, stored.wire.reply_markup);
    if (unchanged) throw badRequest(NOT_MODIFIED);
    stored.wire.text = formatted.text;
    setOptional(stored.wire, "entities", entities);
    setOptional(stored.wire, "reply_markup", markup);
    stored.wire.edit_date = now();
    stored.parseMode = formatted.parseMode;
    this.announce("edited", this.chatOf(params), stored.wire.message_id);
    return stored.wire;
  }

  private editMessageReplyMarkup(params: Params): TelegramMessage {
    const stored = this.editableMessage(params);
    const markup = validateMarkup(params.reply_markup);
    if (sameJson(markup, stored.wire.reply_markup)) throw badRequest(NOT_MODIFIED);
    setOptional(stored.wire, "reply_markup", markup);
    stored.wire.edit_date = now();
    this.announce("edited", this.chatOf(params), stored.wire.message_id);
    return stored.wire;
  }

  private deleteMessage(params: Params): true {
    const state = this.chatOf(params);
    const stored = state.messages.get(requiredInt(params, "message_id"));
    if (!stored || stored.deleted) throw badRequest("message to delete not found");
    const mayDelete =
      stored.wire.from.id === this.bot.id ||
      state.chat.type === "private" ||
      state.members.get(this.bot.id)?.status === "administrator";
    if (!mayDelete) throw badRequest("message can't be deleted");
    stored.deleted = true;
    this.events.emit("event", { type: "deleted", chatId: state.chat.id, messageId: stored.wire.message_id });
    return true;
  }

  private editableMessage(params: Params): StoredMessage {
    if (params.inline_message_id !== undefined) throw badRequest("inline messages are not emulated");
    const state = this.chatOf(params);
    const stored = state.messages.get(requiredInt(params, "message_id"));
    if (!stored || stored.deleted) throw badRequest("message to edit not found");
    if (stored.wire.from.id !== this.bot.id) throw badRequest("message can't be edited");
    return stored;
  }

  /** Where a bot message goes: its forum topic and the message it replies to. */
  private placement(state: ChatState, params: Params): { threadId?: number; replyTo?: StoredMessage } {
    const replyParameters = jsonParam<{ message_id?: number; allow_sending_without_reply?: boolean }>(
      params,
      "reply_parameters",
    );
    const replyToId = replyParameters?.message_id ?? optionalInt(params, "reply_to_message_id");
    const allowWithoutReply =
      replyParameters?.allow_sending_without_reply ?? flag(params, "allow_sending_without_reply");
    let replyTo = replyToId === undefined ? undefined : state.messages.get(replyToId);
    if (replyTo?.deleted) replyTo = undefined;
    if (replyToId !== undefined && !replyTo && !allowWithoutReply) {
      throw badRequest("message to be replied not found");
    }
    if (!state.chat.is_forum) return replyTo ? { replyTo } : {};
    const requestedThread = optionalInt(params, "message_thread_id");
    if (requestedThread !== undefined && !state.topics.has(requestedThread)) {
      throw badRequest("message thread not found");
    }
    const threadId = requestedThread ?? topicOf(replyTo);
    return { ...(threadId === undefined ? {} : { threadId }), ...(replyTo ? { replyTo } : {}) };
  }

  private newMessage(
    state: ChatState,
    from: TelegramUser,
    threadId: number | undefined,
    replyTo: StoredMessage | undefined,
  ): TelegramMessage {
    const wire: TelegramMessage = { message_id: state.nextMessageId++, from, chat: state.chat, date: now() };
    if (threadId !== undefined) {
      wire.message_thread_id = threadId;
      wire.is_topic_message = true;
    }
    // In a forum topic, a message that replies to nothing replies to the topic's creation message.
    const replied = replyTo ?? (threadId === undefined ? undefined : state.messages.get(threadId));
    if (replied) {
      const { reply_to_message: _dropped, ...shallow } = replied.wire;
      wire.reply_to_message = structuredClone(shallow);
    }
    return wire;
  }

  private store(
    state: ChatState,
    wire: TelegramMessage,
    parseMode: string | undefined,
    photo: BotMessage["photo"],
  ): void {
    state.messages.set(wire.message_id, { wire, parseMode, photo, deleted: false });
  }

  private answerCallbackQuery(params: Params): true {
    const id = requiredString(params, "callback_query_id");
    const query = this.queries.get(id);
    if (!query || query.answered) {
      throw badRequest("query is too old and response timeout expired or query ID is invalid");
    }
    const text = optionalString(params, "text");
    if (text !== undefined && text.length > ALERT_TEXT_LIMIT) throw badRequest("MESSAGE_TOO_LONG");
    query.answered = true;
    const answer: CallbackAnswer = {
      queryId: id,
      fromUserId: query.from.id,
      data: query.data,
      text,
      showAlert: flag(params, "show_alert"),
      url: optionalString(params, "url"),
    };
    this.answers.push(answer);
    this.events.emit("event", { type: "callbackAnswer", answer });
    query.settle(answer);
    return true;
  }

  // ---------------------------------------------------------------- commands, chats, members, topics

  private setMyCommands(params: Params): true {
    const commands = jsonParam<BotCommand[]>(params, "commands");
    if (!Array.isArray(commands)) throw badRequest("commands is empty");
    if (commands.length > 100) throw badRequest("too many commands");
    for (const entry of commands) {
      if (typeof entry?.command !== "string" || !/^[a-z0-9_]{1,32}$/.test(entry.command)) {
        throw badRequest("BOT_COMMAND_INVALID");
      }
      if (
        typeof entry.description !== "string" ||
        entry.description.length < 1 ||
        entry.description.length > 256
      ) {
        throw badRequest("BOT_COMMAND_DESCRIPTION_INVALID");
      }
    }
    const key = this.scopeKeyOf(params);
    if (commands.length === 0) this.commandLists.delete(key);
    else
      this.commandLists.set(
        key,
        commands.map(({ command, description }) => ({ command, description })),
      );
    return true;
  }

  private scopeKeyOf(params: Params): string {
    const scope = jsonParam<BotCommandScope>(params, "scope") ?? { type: "default" };
    const known = [
      "default",
      "all_private_chats",
      "all_group_chats",
      "all_chat_administrators",
      "chat",
      "chat_administrators",
      "chat_member",
    ];
    if (!known.includes(scope.type)) throw badRequest("wrong bot command scope type specified");
    if ("chat_id" in scope) {
      const state = this.chats.get(Number(scope.chat_id));
      if (!state) throw badRequest("chat not found");
      if (scope.type !== "chat" && state.chat.type === "private")
        throw badRequest("can't use specified scope");
    }
    return scopeKey(scope, optionalString(params, "language_code") ?? "");
  }

  private groupScopes(user: TelegramUser, chat: TelegramChat): BotCommandScope[] {
    const status = this.state(chat.id).members.get(user.id)?.status;
    const isAdmin = status === "creator" || status === "administrator";
    const scopes: BotCommandScope[] = [{ type: "chat_member", chat_id: chat.id, user_id: user.id }];
    if (isAdmin) scopes.push({ type: "chat_administrators", chat_id: chat.id });
    scopes.push({ type: "chat", chat_id: chat.id });
    if (isAdmin) scopes.push({ type: "all_chat_administrators" });
    scopes.push({ type: "all_group_chats" }, { type: "default" });
    return scopes;
  }

  private getChat(params: Params): Record<string, unknown> {
    const { chat } = this.chatOf(params);
    return { ...chat, accent_color_id: 0, max_reaction_count: 11 };
  }

  private getChatMember(params: Params): Record<string, unknown> {
    const state = this.chatOf(params);
    const userId = requiredInt(params, "user_id");
    const user = userId === this.bot.id ? this.bot : this.users.get(userId);
    if (!user) throw badRequest("user not found");
    const member = state.members.get(userId) ?? { status: "left" as const, canManageTopics: false };
    return chatMember(user, member.status, member.canManageTopics);
  }

  private getChatAdministrators(params: Params): Record<string, unknown>[] {
    const state = this.chatOf(params);
    if (state.chat.type === "private") throw badRequest("there are no administrators in the private chat");
    const admins: Record<string, unknown>[] = [];
    for (const [id, member] of state.members) {
      if (member.status !== "creator" && member.status !== "administrator") continue;
      const user = id === this.bot.id ? this.bot : this.users.get(id);
      if (user) admins.push(chatMember(user, member.status, member.canManageTopics));
    }
    return admins;
  }

  private createForumTopic(params: Params): { message_thread_id: number; name: string; icon_color: number } {
    const state = this.chatOf(params);
    if (!state.chat.is_forum) throw badRequest("the chat is not a forum");
    const rights = state.members.get(this.bot.id);
    if (rights?.status !== "administrator" || !rights.canManageTopics) {
      throw badRequest("not enough rights to create a topic");
    }
    const name = requiredString(params, "name");
    if (name.length > 128) throw badRequest("TOPIC_TITLE_INVALID");
    return this.openTopic(state, this.bot, name, optionalInt(params, "icon_color") ?? 0x6fb9f0);
  }

  private openTopic(state: ChatState, creator: TelegramUser, name: string, iconColor: number) {
    if (!state.chat.is_forum) throw new Error(`chat ${state.chat.id} is not a forum`);
    const wire = this.newMessage(state, creator, undefined, undefined);
    wire.message_thread_id = wire.message_id;
    wire.is_topic_message = true;
    wire.forum_topic_created = { name, icon_color: iconColor };
    this.store(state, wire, undefined, undefined);
    state.topics.set(wire.message_id, name);
    return { message_thread_id: wire.message_id, name, icon_color: iconColor };
  }

  private announce(type: "sent" | "edited", state: ChatState, messageId: number): void {
    const stored = state.messages.get(messageId);
    if (stored) this.events.emit("event", { type, message: botMessageView(stored) });
  }

  // ---------------------------------------------------------------- lookups

  private addChat(chat: TelegramChat): ChatState {
    const state: ChatState = {
      chat,
      members: new Map(),
      messages: new Map(),
      nextMessageId: 1,
      topics: new Map(),
    };
    this.chats.set(chat.id, state);
    return state;
  }

  private state(chatId: number): ChatState {
    const state = this.chats.get(chatId);
    if (!state) throw new Error(`unknown chat ${chatId}: create it with privateChat() or chat() first`);
    return state;
  }

  /** A chat the bot may post in: it must still be a member there; a user must have started it and not blocked it. */
  private writableChat(params: Params, what = "text messages"): ChatState {
    const userId = Number(params.chat_id);
    if (this.users.has(userId)) {
      if (this.blockedBy.has(userId)) throw new ApiError(403, "Forbidden: bot was blocked by the user");
      if (!this.chats.has(userId))
        throw new ApiError(403, "Forbidden: bot can't initiate conversation with a user");
    }
    const state = this.chatOf(params);
    const status = state.members.get(this.bot.id)?.status;
    if (status === "left" || status === "kicked") {
      throw new ApiError(403, `Forbidden: bot is not a member of the ${state.chat.type} chat`);
    }
    if (this.mutedIn.has(state.chat.id)) throw badRequest(`not enough rights to send ${what} to the chat`);
    return state;
  }

  private chatOf(params: Params): ChatState {
    const raw = params.chat_id;
    if (raw === undefined || raw === "") throw badRequest("chat_id is empty");
    const state = this.chats.get(Number(raw));
    if (!state) throw badRequest("chat not found");
    return state;
  }
}

// ------------------------------------------------------------------ helpers

const METHOD_NAMES = new Map(
  [
    "getMe",
    "getUpdates",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
    "sendMessage",
    "sendPhoto",
    "editMessageText",
    "editMessageReplyMarkup",
    "deleteMessage",
    "answerCallbackQuery",
    "setMyCommands",
    "getMyCommands",
    "deleteMyCommands",
    "getChat",
    "getChatMember",
    "getChatAdministrators",
    "createForumTopic",
    "sendChatAction",
  ].map((name) => [name.toLowerCase(), name]),
);

function botMessageView(stored: StoredMessage): BotMessage {
  const wire = stored.wire;
  return {
    messageId: wire.message_id,
    chatId: wire.chat.id,
    threadId: wire.message_thread_id,
    text: wire.text ?? wire.caption,
    entities: wire.entities ?? wire.caption_entities ?? [],
    parseMode: stored.parseMode,
    replyMarkup: wire.reply_markup,
    replyToMessageId: wire.reply_to_message?.message_id,
    photo: stored.photo,
    edited: wire.edit_date !== undefined,
    wire,
  };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function chatMember(
  user: TelegramUser,
  status: MemberStatus,
  canManageTopics: boolean,
): Record<string, unknown> {
  switch (status) {
    case "creator":
      return { status, user, is_anonymous: false };
    case "administrator":
      return {
        status,
        user,
        can_be_edited: false,
        is_anonymous: false,
        can_manage_chat: true,
        can_delete_messages: true,
        can_manage_video_chats: true,
        can_restrict_members: true,
        can_promote_members: false,
        can_change_info: true,
        can_invite_users: true,
        can_post_stories: false,
        can_edit_stories: false,
        can_delete_stories: false,
        can_pin_messages: true,
        can_manage_topics: canManageTopics,
      };
    case "kicked":
      return { status, user, until_date: 0 };
    default:
      return { status, user };
  }
}

function scopeKey(scope: BotCommandScope, languageCode: string): string {
  const chatId = "chat_id" in scope ? Number(scope.chat_id) : "";
  const userId = "user_id" in scope ? Number(scope.user_id) : "";
  return `${scope.type}|${chatId}|${userId}|${languageCode}`;
}

function topicOf(message: StoredMessage | undefined): number | undefined {
  return message?.wire.is_topic_message ? message.wire.message_thread_id : undefined;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function setOptional<K extends "entities" | "reply_markup">(
  message: TelegramMessage,
  key: K,
  value: TelegramMessage[K] | undefined,
): void {
  if (value === undefined) delete message[key];
  else message[key] = value;
}
