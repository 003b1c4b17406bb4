// The fake REST API (/api/v10): routes discord.js calls, Discord's error format, rate-limit headers and
// injected failures (429 with Retry-After, 403, 500…).
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  ApplicationCommandType,
  ChannelType,
  InteractionResponseType,
  InteractionType,
  MessageFlags,
  PermissionFlagsBits,
} from "discord.js";
import type { FakeDiscordCore } from "./core.ts";
import { TEXT_CHANNEL_TYPES } from "./core.ts";
import type { InteractionHandle } from "./interactions.ts";
import { attachmentsFrom, isEmptyMessage, messageErrors, type ParsedBody, parseBody } from "./payload.ts";
import {
  apiChannel,
  apiGuild,
  apiMember,
  apiRole,
  apiUser,
  type FakeChannel,
  type FakeCommand,
  type FakeMessage,
  newSnowflake,
  type Snowflake,
} from "./world.ts";

export interface RequestRecord {
  method: string;
  /** path under /api/v10, without the query */
  path: string;
  query: string;
  status: number;
  /** true when the answer came from failNext */
  injected: boolean;
  /** the JSON body (payload_json for multipart), never the Authorization header */
  body: Record<string, unknown>;
  at: number;
}

export interface InjectedFailure {
  status: number;
  /** Discord error body; defaults to Discord's body for the status */
  body?: Record<string, unknown>;
  /** seconds, for 429 (Retry-After header and retry_after field); default 0.1 */
  retryAfter?: number;
  /** a global rate limit (X-RateLimit-Global) */
  global?: boolean;
  /** how many matching requests fail; default 1 */
  times?: number;
}

interface PendingFailure {
  method: string;
  pattern: RegExp;
  failure: InjectedFailure;
  remaining: number;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Context {
  params: Record<string, string>;
  query: URLSearchParams;
  body: ParsedBody;
}

type Handler = (context: Context) => Reply | Promise<Reply>;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  /** false for interaction callbacks and webhook-token routes, which Discord serves without a bot token */
  auth: boolean;
  handler: Handler;
}

/** "/channels/:channelId/messages" → a RegExp and the parameter names. */
function compile(path: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = path
    .split("/")
    .map((segment) => {
      if (segment.startsWith(":")) {
        names.push(segment.slice(1));
        return "([^/]+)";
      }
      if (segment === "*") return "[^/]+";
      return segment.replace(/[.*+?^${}()|[\]\\@]/g, "\\$&");
    })
    .join("/");
  return { pattern: new RegExp(`^${source}$`), names };
}

/** "POST /channels/:id/messages" (or just a path, any method) → the method and a RegExp on the path. */
export function parseRoute(route: string): { method: string; pattern: RegExp } {
  const [first = "", ...rest] = route.trim().split(/\s+/);
  if (rest.length === 0) return { method: "*", pattern: compile(first).pattern };
  return { method: first.toUpperCase(), pattern: compile(rest.join(" ")).pattern };
}

export function discordError(status: number, code: number, message: string, errors?: unknown): Reply {
  return { status, body: errors === undefined ? { message, code } : { message, code, errors } };
}

const unknownChannel = () => discordError(404, 10003, "Unknown Channel");
const unknownMessage = () => discordError(404, 10008, "Unknown Message");
const unknownWebhook = () => discordError(404, 10015, "Unknown Webhook");
const unknownInteraction = () => discordError(404, 10062, "Unknown interaction");
const missingPermissions = () => discordError(403, 50013, "Missing Permissions");
const invalidFormBody = (errors: unknown) => discordError(400, 50035, "Invalid Form Body", errors);

function defaultFailureBody(status: number): Record<string, unknown> {
  if (status === 403) return { message: "Missing Permissions", code: 50013 };
  if (status === 404) return { message: "Unknown Message", code: 10008 };
  if (status === 400) return { message: "Invalid Form Body", code: 50035, errors: {} };
  return { message: `${status}: ${status >= 500 ? "Internal Server Error" : "Error"}`, code: 0 };
}

function bucketOf(method: string, path: string): string {
  const major = /^\/(channels|guilds|webhooks)\/(\d+)/.exec(path)?.[0] ?? "";
  return createHash("sha1").update(`${method} ${major}`).digest("hex").slice(0, 16);
}

export class FakeRest {
  readonly requests: RequestRecord[] = [];
  private readonly failures: PendingFailure[] = [];
  private readonly routes: Route[] = [];

  constructor(
    private readonly core: FakeDiscordCore,
    private readonly token: string,
    private readonly gatewayUrl: () => string,
    private readonly ackTimeoutMs: number,
    private readonly recommendedShards: number,
  ) {
    this.registerRoutes();
  }

  /** Makes the next `times` requests matching "METHOD /path/:param" (or a RegExp on the path) fail. */
  failNext(route: string | RegExp, failure: InjectedFailure): void {
    const { method, pattern } =
      typeof route === "string" ? parseRoute(route) : { method: "*", pattern: route };
    this.failures.push({ method, pattern, failure, remaining: failure.times ?? 1 });
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const url = new URL(request.url ?? "/", "http://fake.invalid");
    const method = (request.method ?? "GET").toUpperCase();
    const path = url.pathname.replace(/^\/api\/v10(?=\/)/, "");
    const body = await parseBody(Buffer.concat(chunks), request.headers);
    const { reply, injected } = await this.answer(method, path, url, body, request.headers.authorization);
    const record: RequestRecord = {
      method,
      path,
      query: url.search,
      status: reply.status,
      injected,
      body: body.json,
      at: Date.now(),
    };
    this.requests.push(record);
    const headers: Record<string, string> = {
      "X-RateLimit-Limit": "50",
      "X-RateLimit-Remaining": "49",
      "X-RateLimit-Reset-After": "1.000",
      "X-RateLimit-Reset": ((Date.now() + 1000) / 1000).toFixed(3),
      "X-RateLimit-Bucket": bucketOf(method, path),
      ...reply.headers,
    };
    if (reply.body === undefined) {
      response.writeHead(reply.status, headers).end();
    } else {
      response
        .writeHead(reply.status, { ...headers, "Content-Type": "application/json" })
        .end(JSON.stringify(reply.body));
    }
    this.core.world.emit("request", record);
    this.core.world.changed();
  }

  private async answer(
    method: string,
    path: string,
    url: URL,
    body: ParsedBody,
    authorization: string | undefined,
  ): Promise<{ reply: Reply; injected: boolean }> {
    if (!url.pathname.startsWith("/api/v10/")) {
      return { reply: discordError(404, 0, "404: Not Found"), injected: false };
    }
    let matched: { route: Route; params: Record<string, string> } | undefined;
    let pathMatched = false;
    for (const route of this.routes) {
      const match = route.pattern.exec(path);
      if (!match) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(match[i + 1] ?? "");
      });
      matched = { route, params };
      break;
    }
    if (!matched) {
      const reply = pathMatched
        ? discordError(405, 0, "405: Method Not Allowed")
        : discordError(404, 0, "404: Not Found");
      this.core.world.emit("unhandledRoute", { method, path });
      return { reply, injected: false };
    }
    if (matched.route.auth && authorization !== `Bot ${this.token}`) {
      return { reply: discordError(401, 0, "401: Unauthorized"), injected: false };
    }
    const failure = this.takeFailure(method, path);
    if (failure) return { reply: this.failureReply(failure, method, path), injected: true };
    if (!body.ok)
      return { reply: discordError(400, 50109, "The request body contains invalid JSON."), injected: false };
    try {
      const reply = await matched.route.handler({ params: matched.params, query: url.searchParams, body });
      return { reply, injected: false };
    } catch (error) {
      this.core.world.emit("error", error);
      return { reply: discordError(500, 0, "500: Internal Server Error"), injected: false };
    }
  }

  private takeFailure(method: string, path: string): InjectedFailure | undefined {
    const index = this.failures.findIndex(
      (f) => (f.method === "*" || f.method === method) && f.pattern.test(path) && f.remaining > 0,
    );
    const pending = this.failures[index];
    if (!pending) return undefined;
    pending.remaining -= 1;
    if (pending.remaining <= 0) this.failures.splice(index, 1);
    return pending.failure;
  }

  private failureReply(failure: InjectedFailure, method: string, path: string): Reply {
    if (failure.status !== 429) {
      return { status: failure.status, body: failure.body ?? defaultFailureBody(failure.status) };
    }
    const retryAfter = failure.retryAfter ?? 0.1;
    const headers: Record<string, string> = {
      // Discord sends whole seconds here; the fake keeps fractions so tests stay fast (discord.js reads a float).
      "Retry-After": String(retryAfter),
      "X-RateLimit-Limit": "5",
      "X-RateLimit-Remaining": "0",
      "X-RateLimit-Reset-After": retryAfter.toFixed(3),
      "X-RateLimit-Reset": ((Date.now() + retryAfter * 1000) / 1000).toFixed(3),
      "X-RateLimit-Bucket": bucketOf(method, path),
      "X-RateLimit-Scope": failure.global ? "global" : "user",
    };
    if (failure.global) headers["X-RateLimit-Global"] = "true";
    return {
      status: 429,
      headers,
      body: failure.body ?? {
        message: "You are being rate limited.",
        retry_after: retryAfter,
        global: failure.global ?? false,
        ...(failure.global ? {} : { code: 0 }),
      },
    };
  }

  private route(method: string, path: string, handler: Handler, auth = true): void {
    const { pattern, names } = compile(path);
    this.routes.push({ method, pattern, names, auth, handler });
  }

  // ---------------------------------------------------------------------------------------------------------

  private registerRoutes(): void {
    const core = this.core;
    const world = core.world;
    const bot = world.botUser;
    const ok = (body: unknown): Reply => ({ status: 200, body });
    const noContent = (): Reply => ({ status: 204 });

    this.route("GET", "/gateway", () => ok({ url: this.gatewayUrl() }), false);
    this.route("GET", "/gateway/bot", () =>
      ok({
        url: this.gatewayUrl(),
        shards: this.recommendedShards,
        session_start_limit: {
          total: 1000,
          remaining: 999,
          reset_after: 14_400_000,
          // As Discord gives large bots: its shards may identify together (discord.js waits 5 s between buckets).
          max_concurrency: this.recommendedShards,
        },
      }),
    );
    this.route("GET", "/users/@me", () => ok(apiUser(bot)));
    this.route("GET", "/users/:userId", ({ params }) => {
      const user = world.users.get(params.userId ?? "");
      return user ? ok(apiUser(user)) : discordError(404, 10013, "Unknown User");
    });
    this.route("GET", "/applications/@me", () =>
      ok({
        id: world.applicationId,
        name: bot.username,
        icon: null,
        description: "",
        bot_public: false,
        bot_require_code_grant: false,
        verify_key: "0".repeat(64),
        flags: 0,
        owner: apiUser(bot),
        team: null,
        bot: apiUser(bot),
      }),
    );

    // Application commands (global and per guild).
    for (const scope of ["global", "guild"] as const) {
      const base =
        scope === "global" ? "/applications/:app/commands" : "/applications/:app/guilds/:guildId/commands";
      const key = (params: Record<string, string>) =>
        scope === "global" ? "global" : (params.guildId ?? "");
      const checkScope = (params: Record<string, string>): Reply | null => {
        if (params.app !== world.applicationId) return discordError(404, 10002, "Unknown Application");
        if (scope === "guild" && !world.guilds.has(params.guildId ?? ""))
          return discordError(404, 10004, "Unknown Guild");
        return null;
      };
      this.route("GET", base, ({ params }) => {
        const error = checkScope(params);
        if (error) return error;
        return ok((world.commands.get(key(params)) ?? []).map((c) => this.commandJson(c)));
      });
      this.route("PUT", base, ({ params, body }) => {
        const error = checkScope(params);
        if (error) return error;
        const list = Array.isArray(body.json) ? (body.json as Array<Record<string, unknown>>) : null;
        if (!list)
          return invalidFormBody({
            _errors: [{ code: "LIST_TYPE_CONVERT", message: "Only iterables may be used in a ListType" }],
          });
        const errors = commandListErrors(list);
        if (errors) return invalidFormBody(errors);
        const previous = world.commands.get(key(params)) ?? [];
        const commands = list.map((raw) =>
          toCommand(raw, scope === "guild" ? (params.guildId ?? null) : null, previous),
        );
        world.commands.set(key(params), commands);
        world.emit("commands", { guildId: scope === "guild" ? params.guildId : null, commands });
        world.changed();
        return ok(commands.map((c) => this.commandJson(c)));
      });
      this.route("POST", base, ({ params, body }) => {
        const error = checkScope(params);
        if (error) return error;
        const errors = commandListErrors([body.json]);
        if (errors) return invalidFormBody(errors["0"]);
        const previous = world.commands.get(key(params)) ?? [];
        const command = toCommand(body.json, scope === "guild" ? (params.guildId ?? null) : null, previous);
        world.commands.set(key(params), [
          ...previous.filter((c) => !(c.name === command.name && c.type === command.type)),
          command,
        ]);
        world.emit("commands", {
          guildId: scope === "guild" ? params.guildId : null,
          commands: world.commands.get(key(params)),
        });
        world.changed();
        return { status: 201, body: this.commandJson(command) };
      });
      this.route("DELETE", `${base}/:commandId`, ({ params }) => {
        const error = checkScope(params);
        if (error) return error;
        const list = world.commands.get(key(params)) ?? [];
        const remaining = list.filter((c) => c.id !== params.commandId);
        if (remaining.length === list.length) return discordError(404, 10063, "Unknown application command");
        world.commands.set(key(params), remaining);
        world.changed();
        return noContent();
      });
    }

    // Guilds.
    this.route("GET", "/guilds/:guildId", ({ params }) => {
      const guild = world.guilds.get(params.guildId ?? "");
      if (!guild) return discordError(404, 10004, "Unknown Guild");
      return ok(apiGuild(guild));
    });
    this.route("GET", "/guilds/:guildId/channels", ({ params }) => {
      if (!world.guilds.has(params.guildId ?? "")) return discordError(404, 10004, "Unknown Guild");
      return ok(
        [...world.channels.values()]
          .filter((c) => c.guildId === params.guildId && !world.isThread(c))
          .map((c) => apiChannel(world, c)),
      );
    });
    this.route("GET", "/guilds/:guildId/roles", ({ params }) => {
      const guild = world.guilds.get(params.guildId ?? "");
      return guild ? ok([...guild.roles.values()].map(apiRole)) : discordError(404, 10004, "Unknown Guild");
    });
    this.route("GET", "/guilds/:guildId/members/:userId", ({ params }) => {
      const guild = world.guilds.get(params.guildId ?? "");
      if (!guild) return discordError(404, 10004, "Unknown Guild");
      const member = guild.members.get(params.userId === "@me" ? bot.id : (params.userId ?? ""));
      return member ? ok(apiMember(world, member, guild.id)) : discordError(404, 10007, "Unknown Member");
    });

    // Channels and messages.
    this.route("GET", "/channels/:channelId", ({ params }) => {
      const channel = this.visibleChannel(params.channelId);
      return channel ? ok(apiChannel(world, channel)) : unknownChannel();
    });
    this.route("GET", "/channels/:channelId/messages", ({ params, query }) => {
      const channel = this.visibleChannel(params.channelId);
      if (!channel) return unknownChannel();
      if (!this.botCan(channel, PermissionFlagsBits.ReadMessageHistory)) return missingPermissions();
      const limit = Math.min(Number(query.get("limit") ?? 50), 100);
      const messages = world.channelMessages(channel.id).reverse().slice(0, limit);
      return ok(messages.map((m) => core.messageJson(m)));
    });
    this.route("GET", "/channels/:channelId/messages/:messageId", ({ params }) => {
      const channel = this.visibleChannel(params.channelId);
      if (!channel) return unknownChannel();
      const message = this.channelMessage(channel, params.messageId);
      return message ? ok(core.messageJson(message)) : unknownMessage();
    });
    this.route("POST", "/channels/:channelId/messages", ({ params, body }) => {
      const channel = this.visibleChannel(params.channelId);
      if (!channel) return unknownChannel();
      const send = world.isThread(channel)
        ? PermissionFlagsBits.SendMessagesInThreads
        : PermissionFlagsBits.SendMessages;
      if (!this.botCan(channel, send)) return missingPermissions();
      if (world.isThread(channel) && channel.locked) return missingPermissions();
      const invalid = this.invalidMessage(body);
      if (invalid) return invalid;
      if (world.isThread(channel) && channel.archived) channel.archived = false;
      const reference = body.json.message_reference as Record<string, unknown> | undefined;
      const message = core.createMessage({
        channelId: channel.id,
        author: bot,
        json: { ...body.json, flags: Number(body.json.flags ?? 0) & ~MessageFlags.Ephemeral },
        attachments: attachmentsFrom(body),
        type: reference ? 19 : 0,
      });
      return ok(core.messageJson(message));
    });
    this.route("PATCH", "/channels/:channelId/messages/:messageId", ({ params, body }) => {
      const channel = this.visibleChannel(params.channelId);
      if (!channel) return unknownChannel();
      const message = this.channelMessage(channel, params.messageId);
      if (!message) return unknownMessage();
      if (message.author.id !== bot.id)
        return discordError(403, 50005, "Cannot edit a message authored by another user");
      const errors = messageErrors(body.json);
      if (errors) return invalidFormBody(errors);
      core.editMessage(message, body.json, attachmentsFrom(body, message.attachments));
      return ok(core.messageJson(message));
    });
    this.route("DELETE", "/channels/:channelId/messages/:messageId", ({ params }) => {
      const channel = this.visibleChannel(params.channelId);
      if (!channel) return unknownChannel();
      const message = this.channelMessage(channel, params.messageId);
      if (!message) return unknownMessage();
      if (message.author.id !== bot.id && !this.botCan(channel, PermissionFlagsBits.ManageMessages)) {
        return missingPermissions();
      }
      core.deleteMessage(message);
      return noContent();
    });
    this.route("POST", "/channels/:channelId/typing", ({ params }) => {
      const channel = this.visibleChannel(params.channelId);
      if (!channel) return unknownChannel();
      world.emit("typing", channel);
      return noContent();
    });

    // Threads.
    this.route("POST", "/channels/:channelId/messages/:messageId/threads", ({ params, body }) => {
      const channel = this.visibleChannel(params.channelId);
      if (!channel) return unknownChannel();
      if (!TEXT_CHANNEL_TYPES.has(channel.type))
        return discordError(400, 50024, "Cannot execute action on this channel type");
      const message = this.channelMessage(channel, params.messageId);
      if (!message) return unknownMessage();
      if (!this.botCan(channel, PermissionFlagsBits.CreatePublicThreads)) return missingPermissions();
      if (message.threadId)
        return discordError(400, 160004, "A thread has already been created for this message");
      const nameError = threadNameError(body.json.name);
      if (nameError) return nameError;
      const thread = core.createThread(channel, {
        name: String(body.json.name),
        type:
          channel.type === ChannelType.GuildAnnouncement
            ? ChannelType.AnnouncementThread
            : ChannelType.PublicThread,
        autoArchiveDuration: Number(body.json.auto_archive_duration ?? 4320),
        owner: bot,
        starter: message,
      });
      return { status: 201, body: apiChannel(world, thread) };
    });
    this.route("POST", "/channels/:channelId/threads", ({ params, body }) => {
      const channel = this.visibleChannel(params.channelId);
      if (!channel) return unknownChannel();
      if (!TEXT_CHANNEL_TYPES.has(channel.type))
        return discordError(400, 50024, "Cannot execute action on this channel type");
      const type = Number(body.json.type ?? ChannelType.PrivateThread);
      const needed =
        type === ChannelType.PrivateThread
          ? PermissionFlagsBits.CreatePrivateThreads
          : PermissionFlagsBits.CreatePublicThreads;
      if (!this.botCan(channel, needed)) return missingPermissions();
      const nameError = threadNameError(body.json.name);
      if (nameError) return nameError;
      const thread = core.createThread(channel, {
        name: String(body.json.name),
        type,
        autoArchiveDuration: Number(body.json.auto_archive_duration ?? 4320),
        owner: bot,
      });
      return { status: 201, body: apiChannel(world, thread) };
    });
    this.route("PUT", "/channels/:channelId/thread-members/@me", ({ params }) => {
      const channel = this.visibleChannel(params.channelId);
      if (!channel || !world.isThread(channel)) return unknownChannel();
      channel.memberIds.add(bot.id);
      return noContent();
    });
    this.route("PATCH", "/channels/:channelId", ({ params, body }) => {
      const channel = this.visibleChannel(params.channelId);
      if (!channel) return unknownChannel();
      const isOwnThread = world.isThread(channel) && channel.ownerId === bot.id;
      const manage = world.isThread(channel)
        ? PermissionFlagsBits.ManageThreads
        : PermissionFlagsBits.ManageChannels;
      if (!isOwnThread && !this.botCan(channel, manage)) return missingPermissions();
      if (typeof body.json.name === "string") channel.name = body.json.name;
      if (typeof body.json.archived === "boolean") channel.archived = body.json.archived;
      if (typeof body.json.locked === "boolean") channel.locked = body.json.locked;
      core.channelUpdated(channel);
      return ok(apiChannel(world, channel));
    });

    // Interactions: the initial response, then the interaction webhook (follow-ups, @original).
    this.route(
      "POST",
      "/interactions/:interactionId/:token/callback",
      ({ params, body, query }) => this.interactionCallback(params, body, query),
      false,
    );
    this.route(
      "POST",
      "/webhooks/:app/:token",
      ({ params, body, query }) => {
        const interaction = this.webhookInteraction(params);
        if (!interaction?.acknowledged) return unknownWebhook();
        const invalid = this.invalidMessage(body);
        if (invalid) return invalid;
        const ephemeral = (Number(body.json.flags ?? 0) & MessageFlags.Ephemeral) !== 0;
        const message = core.createMessage({
          channelId: interaction.channelId,
          author: bot,
          json: body.json,
          attachments: attachmentsFrom(body),
          visibleTo: ephemeral ? interaction.user.id : null,
          interactionId: interaction.id,
        });
        interaction.followUpIds.push(message.id);
        interaction.record({ kind: "followUp", messageId: message.id, ephemeral });
        return query.get("wait") === "true" ? ok(core.messageJson(message)) : noContent();
      },
      false,
    );
    this.route(
      "GET",
      "/webhooks/:app/:token/messages/:messageId",
      ({ params }) => {
        const found = this.webhookMessage(params);
        return "reply" in found ? found.reply : ok(core.messageJson(found.message));
      },
      false,
    );
    this.route(
      "PATCH",
      "/webhooks/:app/:token/messages/:messageId",
      ({ params, body }) => {
        const found = this.webhookMessage(params);
        if ("reply" in found) return found.reply;
        const errors = messageErrors(body.json);
        if (errors) return invalidFormBody(errors);
        core.editMessage(found.message, body.json, attachmentsFrom(body, found.message.attachments));
        found.interaction.record({
          kind: "edit",
          messageId: found.message.id,
          original: params.messageId === "@original",
        });
        return ok(core.messageJson(found.message));
      },
      false,
    );
    this.route(
      "DELETE",
      "/webhooks/:app/:token/messages/:messageId",
      ({ params }) => {
        const found = this.webhookMessage(params);
        if ("reply" in found) return found.reply;
        core.deleteMessage(found.message);
        found.interaction.record({
          kind: "delete",
          messageId: found.message.id,
          original: params.messageId === "@original",
        });
        return noContent();
      },
      false,
    );
  }

  // ---------------------------------------------------------------------------------------------------------

  private commandJson(command: FakeCommand): Record<string, unknown> {
    return {
      ...command.raw,
      id: command.id,
      application_id: this.core.world.applicationId,
      version: command.version,
      type: command.type,
      name: command.name,
      description: command.description,
      options: command.options,
      default_member_permissions: command.defaultMemberPermissions,
      nsfw: false,
      ...(command.guildId ? { guild_id: command.guildId } : {}),
    };
  }

  /** A channel or thread by id (the routes answer 404 Unknown Channel when it is absent). */
  private visibleChannel(id: string | undefined): FakeChannel | undefined {
    return id ? this.core.world.channel(id) : undefined;
  }

  private botCan(channel: FakeChannel, permission: bigint): boolean {
    const permissions = this.core.world.permissionsIn(this.core.world.botUser.id, channel.id);
    return (
      (permissions & PermissionFlagsBits.ViewChannel) !== 0n && (permissions & permission) === permission
    );
  }

  private channelMessage(channel: FakeChannel, id: string | undefined): FakeMessage | undefined {
    const message = id ? this.core.world.messages.get(id) : undefined;
    if (!message || message.deleted || message.channelId !== channel.id || message.visibleTo !== null)
      return undefined;
    return message;
  }

  private invalidMessage(body: ParsedBody): Reply | null {
    const errors = messageErrors(body.json);
    if (errors) return invalidFormBody(errors);
    if (isEmptyMessage(body.json, body.files.size))
      return discordError(400, 50006, "Cannot send an empty message");
    return null;
  }

  private webhookInteraction(params: Record<string, string>): InteractionHandle | undefined {
    if (params.app !== this.core.world.applicationId) return undefined;
    for (const interaction of this.core.interactions.values()) {
      if (interaction.token === params.token) return interaction;
    }
    return undefined;
  }

  private webhookMessage(
    params: Record<string, string>,
  ): { interaction: InteractionHandle; message: FakeMessage } | { reply: Reply } {
    const interaction = this.webhookInteraction(params);
    if (!interaction) return { reply: unknownWebhook() };
    const id = params.messageId === "@original" ? interaction.originalMessageId : (params.messageId ?? null);
    const owned =
      id !== null && (id === interaction.originalMessageId || interaction.followUpIds.includes(id));
    const message = owned ? this.core.world.messages.get(id) : undefined;
    if (!message || message.deleted) return { reply: unknownMessage() };
    return { interaction, message };
  }

  private interactionCallback(
    params: Record<string, string>,
    body: ParsedBody,
    query: URLSearchParams,
  ): Reply {
    const core = this.core;
    const interaction = core.interactions.get(params.interactionId ?? "");
    if (!interaction || interaction.token !== params.token) return unknownInteraction();
    if (interaction.acknowledged)
      return discordError(400, 40060, "Interaction has already been acknowledged.");
    // Discord forgets an interaction not answered within 3 seconds.
    if (Date.now() - interaction.createdAt > this.ackTimeoutMs) return unknownInteraction();
    const type = Number(body.json.type);
    const data = (body.json.data ?? {}) as Record<string, unknown>;
    const allowed = allowedCallbackTypes(interaction);
    if (!allowed.includes(type)) {
      return invalidFormBody({
        type: {
          _errors: [
            { code: "INTERACTION_RESPONSE_TYPE_INVALID", message: "Invalid interaction response type" },
          ],
        },
      });
    }
    const ephemeral = (Number(data.flags ?? 0) & MessageFlags.Ephemeral) !== 0;
    let messageId: Snowflake | null = null;
    const bot = core.world.botUser;
    const messageType = interaction.type === InteractionType.ApplicationCommand ? 20 : 19;
    switch (type) {
      case InteractionResponseType.ChannelMessageWithSource: {
        const invalid = this.invalidMessage({ ...body, json: data });
        if (invalid) return invalid;
        const message = core.createMessage({
          channelId: interaction.channelId,
          author: bot,
          json: data,
          attachments: attachmentsFrom({ ...body, json: data }),
          visibleTo: ephemeral ? interaction.user.id : null,
          interactionId: interaction.id,
          type: messageType,
        });
        messageId = message.id;
        break;
      }
      case InteractionResponseType.DeferredChannelMessageWithSource: {
        const message = core.createMessage({
          channelId: interaction.channelId,
          author: bot,
          json: { flags: ephemeral ? MessageFlags.Ephemeral : 0 },
          attachments: [],
          visibleTo: ephemeral ? interaction.user.id : null,
          interactionId: interaction.id,
          type: messageType,
          extraFlags: MessageFlags.Loading,
        });
        messageId = message.id;
        break;
      }
      case InteractionResponseType.DeferredMessageUpdate:
        messageId = interaction.sourceMessageId;
        break;
      case InteractionResponseType.UpdateMessage: {
        const errors = messageErrors(data);
        if (errors) return invalidFormBody({ data: errors });
        const source = interaction.sourceMessageId
          ? core.world.messages.get(interaction.sourceMessageId)
          : undefined;
        if (!source) return unknownMessage();
        core.editMessage(source, data, attachmentsFrom({ ...body, json: data }, source.attachments));
        messageId = source.id;
        break;
      }
      case InteractionResponseType.Modal: {
        if (
          typeof data.custom_id !== "string" ||
          typeof data.title !== "string" ||
          !Array.isArray(data.components)
        ) {
          return invalidFormBody({
            data: { _errors: [{ code: "BASE_TYPE_REQUIRED", message: "This field is required" }] },
          });
        }
        break;
      }
      default:
        break;
    }
    interaction.callback = { kind: "callback", type, data, ephemeral, messageId };
    interaction.originalMessageId = messageId;
    interaction.record(interaction.callback);
    if (query.get("with_response") !== "true") return { status: 204 };
    const message = messageId ? core.world.messages.get(messageId) : undefined;
    return {
      status: 200,
      body: {
        interaction: {
          id: interaction.id,
          type: interaction.type,
          response_message_id: messageId ?? undefined,
          response_message_loading: type === InteractionResponseType.DeferredChannelMessageWithSource,
          response_message_ephemeral: ephemeral,
        },
        resource: { type, ...(message ? { message: core.messageJson(message) } : {}) },
      },
    };
  }
}

function allowedCallbackTypes(interaction: InteractionHandle): number[] {
  const reply = [
    InteractionResponseType.ChannelMessageWithSource,
    InteractionResponseType.DeferredChannelMessageWithSource,
  ];
  const update = [InteractionResponseType.DeferredMessageUpdate, InteractionResponseType.UpdateMessage];
  switch (interaction.type) {
    case InteractionType.ApplicationCommand:
      return [...reply, InteractionResponseType.Modal];
    case InteractionType.MessageComponent:
      return [...reply, ...update, InteractionResponseType.Modal];
    case InteractionType.ApplicationCommandAutocomplete:
      return [InteractionResponseType.ApplicationCommandAutocompleteResult];
    case InteractionType.ModalSubmit:
      return interaction.sourceMessageId ? [...reply, ...update] : reply;
    default:
      return [];
  }
}

function threadNameError(name: unknown): Reply | null {
  if (typeof name === "string" && name.length >= 1 && name.length <= 100) return null;
  return invalidFormBody({
    name: { _errors: [{ code: "BASE_TYPE_BAD_LENGTH", message: "Must be between 1 and 100 in length." }] },
  });
}

const COMMAND_NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

/** Discord's checks on a command list (names, descriptions, option counts and order). */
function commandListErrors(list: Array<Record<string, unknown>>): Record<string, unknown> | null {
  const errors: Record<string, unknown> = {};
  const seen = new Set<string>();
  list.forEach((command, i) => {
    const problems: Record<string, unknown> = {};
    const type = Number(command.type ?? ApplicationCommandType.ChatInput);
    const name = command.name;
    const fail = (field: string, message: string) => {
      problems[field] = { _errors: [{ code: "INVALID", message }] };
    };
    if (typeof name !== "string" || !COMMAND_NAME.test(name) || (type === 1 && name !== name.toLowerCase())) {
      fail("name", "Command name is invalid");
    } else if (seen.has(`${type}:${name}`)) {
      fail("name", "Application command names must be unique");
    } else {
      seen.add(`${type}:${name}`);
    }
    if (type === ApplicationCommandType.ChatInput) {
      const description = command.description;
      if (typeof description !== "string" || description.length < 1 || description.length > 100) {
        fail("description", "Must be between 1 and 100 in length.");
      }
    }
    const optionErrors = optionsErrors(command.options);
    if (optionErrors) problems.options = optionErrors;
    if (Object.keys(problems).length > 0) errors[String(i)] = problems;
  });
  if (list.length > 100)
    errors._errors = [{ code: "BASE_TYPE_MAX_LENGTH", message: "Must be 100 or fewer in length." }];
  return Object.keys(errors).length > 0 ? errors : null;
}

function optionsErrors(options: unknown): Record<string, unknown> | null {
  if (options === undefined || options === null) return null;
  if (!Array.isArray(options)) return { _errors: [{ code: "LIST_TYPE_CONVERT", message: "Must be a list" }] };
  const errors: Record<string, unknown> = {};
  if (options.length > 25)
    errors._errors = [{ code: "BASE_TYPE_MAX_LENGTH", message: "Must be 25 or fewer in length." }];
  let optionalSeen = false;
  options.forEach((raw, i) => {
    const option = (raw ?? {}) as Record<string, unknown>;
    const problems: Record<string, unknown> = {};
    if (
      typeof option.name !== "string" ||
      !COMMAND_NAME.test(option.name) ||
      option.name !== option.name.toLowerCase()
    ) {
      problems.name = { _errors: [{ code: "INVALID", message: "Option name is invalid" }] };
    }
    if (
      typeof option.description !== "string" ||
      option.description.length < 1 ||
      option.description.length > 100
    ) {
      problems.description = {
        _errors: [{ code: "BASE_TYPE_BAD_LENGTH", message: "Must be between 1 and 100 in length." }],
      };
    }
    if (Array.isArray(option.choices) && option.choices.length > 25) {
      problems.choices = {
        _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message: "Must be 25 or fewer in length." }],
      };
    }
    if (option.required === true && optionalSeen) {
      problems.required = {
        _errors: [
          {
            code: "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
            message: "Required options must be placed before non-required options",
          },
        ],
      };
    }
    if (option.required !== true && option.type !== 1 && option.type !== 2) optionalSeen = true;
    const nested = optionsErrors(option.options);
    if (nested) problems.options = nested;
    if (Object.keys(problems).length > 0) errors[String(i)] = problems;
  });
  return Object.keys(errors).length > 0 ? errors : null;
}

function toCommand(
  raw: Record<string, unknown>,
  guildId: Snowflake | null,
  previous: FakeCommand[],
): FakeCommand {
  const type = Number(raw.type ?? ApplicationCommandType.ChatInput);
  const name = String(raw.name);
  const existing = previous.find((c) => c.name === name && c.type === type);
  const permissions = raw.default_member_permissions;
  return {
    // Overwriting keeps a command's id when its name and type stay the same, as Discord does.
    id: existing?.id ?? newSnowflake(),
    guildId,
    name,
    type,
    description: typeof raw.description === "string" ? raw.description : "",
    options: Array.isArray(raw.options) ? raw.options : [],
    defaultMemberPermissions: permissions === undefined || permissions === null ? null : String(permissions),
    version: newSnowflake(),
    raw,
  };
}
