/**
 * A fake Discord on 127.0.0.1 for the real discord.js v14 client: REST (/api/v10) and gateway (WebSocket, v10,
 * JSON) on one ephemeral port, a scriptable world (guilds, channels, roles, users) and users who run slash
 * commands, click buttons, submit modals and ask for autocomplete. Used by the tests and by `npm run sandbox`.
 *
 *   const fake = await startFakeDiscord();
 *   const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
 *   await client.login(fake.botToken);
 *   const alice = fake.addUser({ username: "alice" });
 *   const battle = fake.slashCommand(alice, fake.channelId("general"), "battle", { prompt: "hi" });
 *   const reply = await battle.waitForReply();
 *   …
 *   await client.destroy(); await fake.close();
 *
 * Everything the bot does is recorded (`requests`, `messages()`, interaction handles) and announced on
 * `events`: "request", "message", "messageUpdate", "messageDelete", "thread", "typing", "commands",
 * "interaction", "interactionResponse", "gateway", "unhandledRoute", "error", and "change" after any of them.
 * The bot token is never logged nor echoed.
 */
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  ChannelType,
  InteractionResponseType,
  InteractionType,
  PermissionFlagsBits,
  SnowflakeUtil,
} from "discord.js";
import { FakeDiscordCore } from "./core.ts";
import { FakeGateway, type GatewayEvent, shardOf } from "./gateway.ts";
import {
  buildOptions,
  findCommand,
  findComponent,
  InteractionHandle,
  type OptionValue,
  type OptionValues,
  type ResolvedCollector,
} from "./interactions.ts";
import { FakeRest, parseRoute } from "./rest.ts";
import { waitForChange } from "./wait.ts";
import {
  apiChannel,
  apiGuild,
  apiMember,
  apiRole,
  apiUser,
  EVERYONE_PERMISSIONS,
  type FakeChannel,
  type FakeCommand,
  type FakeGuild,
  type FakeMessage,
  type FakeUser,
  newSnowflake,
  type Snowflake,
  World,
} from "./world.ts";

export { type GatewayEvent, shardOf } from "./gateway.ts";
export type {
  CallbackRecord,
  InteractionHandle,
  InteractionRecord,
  OptionValue,
  OptionValues,
  ShownModal,
} from "./interactions.ts";
export type { InjectedFailure, RequestRecord } from "./rest.ts";

import type { InjectedFailure, RequestRecord } from "./rest.ts";

export type {
  FakeAttachment,
  FakeChannel,
  FakeCommand,
  FakeGuild,
  FakeMessage,
  FakeUser,
  Snowflake,
} from "./world.ts";

export interface FakeChannelOptions {
  name: string;
  /** a Discord channel type; default 0 (text) */
  type?: number;
  topic?: string;
}

export interface FakeGuildOptions {
  id?: Snowflake;
  name?: string;
  /** default: "general" and "battles" */
  channels?: Array<string | FakeChannelOptions>;
}

export interface FakeDiscordOptions {
  /** default: a random token; pass it to client.login() */
  botToken?: string;
  botUsername?: string;
  /** default: one guild "Arena Test" */
  guilds?: FakeGuildOptions[];
  /** HELLO's heartbeat_interval; default 41250 like Discord */
  heartbeatIntervalMs?: number;
  /** how long an interaction accepts its initial response; default 3000 like Discord */
  interactionAckTimeoutMs?: number;
  /** default 0 (ephemeral) */
  port?: number;
  /**
   * The shard count `GET /gateway/bot` recommends and below which IDENTIFY is refused (4011 Sharding Required);
   * default 1. Guild `i` of `guilds` gets an id on shard `i % requiredShards` unless it has one.
   */
  requiredShards?: number;
}

export interface AddUserOptions {
  username: string;
  globalName?: string;
  /** default: the first guild */
  guildId?: Snowflake;
  /** gives the guild's "Moderator" role (Manage Server) */
  moderator?: boolean;
  /** extra role ids in the guild */
  roleIds?: Snowflake[];
  bot?: boolean;
}

export type PermissionName = keyof typeof PermissionFlagsBits;

export interface FakeDiscord {
  /** pass as `rest: { api: fake.apiUrl }` (discord.js appends /v10) */
  readonly apiUrl: string;
  readonly gatewayUrl: string;
  readonly botToken: string;
  readonly applicationId: Snowflake;
  readonly botUserId: Snowflake;
  readonly botUser: FakeUser;
  /** the first guild */
  readonly guild: FakeGuild;
  readonly guilds: FakeGuild[];
  readonly users: Map<Snowflake, FakeUser>;
  /** every REST request, in order (method, path, status, whether it was an injected failure) */
  readonly requests: RequestRecord[];
  readonly events: World;

  addUser(options: AddUserOptions): FakeUser;
  addChannel(options: FakeChannelOptions & { guildId?: Snowflake; parentId?: Snowflake }): FakeChannel;
  /** a channel or thread by id, or a channel by name (first guild unless guildId) */
  channel(idOrName: string, guildId?: Snowflake): FakeChannel | undefined;
  channelId(name: string, guildId?: Snowflake): Snowflake;

  /** A member runs a registered slash command. Subcommands are nested objects: `{ subscribe: { channel } }`. */
  slashCommand(user: FakeUser, channelId: Snowflake, name: string, options?: OptionValues): InteractionHandle;
  /** A member types in an autocomplete option (`focused`) of a registered command. */
  autocomplete(
    user: FakeUser,
    channelId: Snowflake,
    name: string,
    options: OptionValues,
    focused: string,
  ): InteractionHandle;
  /** A member presses a button (it must exist on the message, be enabled, and the message visible to them). */
  /**
   * A member presses a button of a message. `forged`: the custom_id need not be on the message (a modified
   * client or a replayed payload, which Discord itself should never let through).
   */
  clickButton(
    user: FakeUser,
    messageId: Snowflake,
    customId: string,
    options?: { readonly forged?: boolean },
  ): InteractionHandle;
  /** A member picks values in a select menu of a message. */
  selectMenu(user: FakeUser, messageId: Snowflake, customId: string, values: string[]): InteractionHandle;
  /** The member to whom the bot showed a modal (in `shownIn`) submits it with these text input values. */
  submitModal(shownIn: InteractionHandle, fields: Record<string, string>): InteractionHandle;
  /** A member posts a plain message (dispatched as MESSAGE_CREATE to clients with the GuildMessages intent). */
  postMessage(user: FakeUser, channelId: Snowflake, content: string): FakeMessage;

  /** Messages of a channel or thread in order; ephemeral ones only with `viewer` (the user who sees them). */
  messages(channelId: Snowflake, options?: { viewer?: Snowflake; includeDeleted?: boolean }): FakeMessage[];
  /** Every message the bot (or anyone) created, in order, ephemeral ones included. */
  allMessages(): FakeMessage[];
  /** Ephemeral messages shown to a user. */
  ephemeralMessages(userId: Snowflake): FakeMessage[];
  message(id: Snowflake): FakeMessage | undefined;
  /** Threads, optionally of one parent channel. */
  threads(parentId?: Snowflake): FakeChannel[];
  /** The commands registered globally (no argument) or in a guild. */
  registeredCommands(guildId?: Snowflake): FakeCommand[];
  /** REST requests whose "METHOD /path" matches a route like "POST /channels/:id/messages". */
  requestsTo(route: string): RequestRecord[];

  /** The next matching request(s) fail: 429 with Retry-After (default 0.1 s), 403, 500, or any status/body. */
  failNext(route: string | RegExp, failure: InjectedFailure): void;
  /** Denies the bot (or `userId`) a permission in a channel with a member overwrite (sent as CHANNEL_UPDATE). */
  denyPermission(channelId: Snowflake, permission: PermissionName, userId?: Snowflake): void;
  /** Removes a denial made by denyPermission. */
  restorePermission(channelId: Snowflake, permission: PermissionName, userId?: Snowflake): void;
  /**
   * A moderator deletes a channel or a thread (a channel's threads go with it): REST answers 404 Unknown Channel
   * (10003) for it afterwards, and THREAD_DELETE / CHANNEL_DELETE is dispatched.
   */
  deleteChannel(channelId: Snowflake): void;
  /** Drops the gateway connection(s): close code 4000 by default (discord.js resumes), or destroy the socket. */
  dropGateway(options?: { code?: number; destroy?: boolean; resumable?: boolean }): void;
  /** Number of gateway connections that are identified or resumed and still open. */
  gatewayConnections(): number;
  /** Resolves when a gateway event of this type happens (after now). */
  waitForGateway(type: GatewayEvent["type"], timeoutMs?: number): Promise<GatewayEvent>;
  /** Resolves with the first truthy value of `check`, re-evaluated after every change of the fake's state. */
  waitFor<T>(check: () => T | undefined | null | false, timeoutMs?: number, description?: string): Promise<T>;
  close(): Promise<void>;
}

export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const token = options.botToken ?? `fake.${randomBytes(18).toString("base64url")}`;
  const botUser: FakeUser = {
    id: newSnowflake(),
    username: options.botUsername ?? "Arena",
    globalName: null,
    bot: true,
  };
  // A bot's application id is its user id.
  const world = new World(botUser.id, botUser);
  const owner: FakeUser = { id: newSnowflake(), username: "owner", globalName: "Server Owner", bot: false };
  world.users.set(owner.id, owner);
  const guildOptions = options.guilds ?? [{}];
  const shardCount = options.requiredShards ?? 1;
  const guilds = guildOptions.map((g, i) => createGuild(world, g, i, owner, botUser, shardCount));

  let origin = "";
  const gatewayUrl = () => `${origin.replace(/^http/, "ws")}/gateway`;
  const gateway = new FakeGateway({
    world,
    token,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
    url: gatewayUrl,
    guildPayloads: () => guilds.map((g) => guildCreatePayload(world, g)),
    requiredShards: shardCount,
    readyPayload: (sessionId, [shardId, shardCount]) => ({
      v: 10,
      user: { ...apiUser(botUser), verified: true, mfa_enabled: false, email: null },
      guilds: guilds
        .filter((g) => shardOf(g.id, shardCount) === shardId)
        .map((g) => ({ id: g.id, unavailable: true })),
      session_id: sessionId,
      session_type: "normal",
      resume_gateway_url: gatewayUrl(),
      shard: [shardId, shardCount],
      application: { id: world.applicationId, flags: 0 },
      private_channels: [],
      relationships: [],
      presences: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
      user_settings: {},
      auth: {},
    }),
  });
  const core = new FakeDiscordCore(world, gateway);
  const rest = new FakeRest(core, token, gatewayUrl, options.interactionAckTimeoutMs ?? 3000, shardCount);

  const server: Server = createServer((request, response) => {
    const path = request.url ?? "/";
    if (path.startsWith("/api/")) {
      rest.handle(request, response).catch((error: unknown) => {
        world.emit("error", error);
        if (!response.headersSent) response.writeHead(500).end();
      });
      return;
    }
    const attachment = /^\/attachments\/\d+\/(\d+)\//.exec(path)?.[1];
    const file = attachment ? findAttachment(world, attachment) : undefined;
    if (file) {
      response
        .writeHead(200, { "Content-Type": file.contentType ?? "application/octet-stream" })
        .end(file.data);
      return;
    }
    response.writeHead(404).end();
  });
  server.on("upgrade", (request, socket, head) => {
    if ((request.url ?? "").startsWith("/gateway")) gateway.handleUpgrade(request, socket, head);
    else socket.destroy();
  });
  server.listen(options.port ?? 0, "127.0.0.1");
  await once(server, "listening");
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  core.origin = origin;

  const firstGuild = guilds[0];
  if (!firstGuild) throw new Error("fake Discord: at least one guild is needed");

  const guildOf = (guildId?: Snowflake): FakeGuild => {
    const guild = guildId ? world.guilds.get(guildId) : firstGuild;
    if (!guild) throw new Error(`fake Discord: unknown guild ${guildId}`);
    return guild;
  };
  const channelOrThrow = (channelId: Snowflake): FakeChannel => {
    const channel = world.channel(channelId);
    if (!channel) throw new Error(`fake Discord: unknown channel ${channelId}`);
    return channel;
  };

  /** Builds and dispatches INTERACTION_CREATE; returns the handle the test awaits. */
  const interact = (
    type: number,
    user: FakeUser,
    channel: FakeChannel,
    data: Record<string, unknown>,
    source: FakeMessage | null,
  ): InteractionHandle => {
    const guild = guildOf(channel.guildId);
    const member = guild.members.get(user.id);
    if (!member) throw new Error(`fake Discord: ${user.username} is not a member of ${guild.name}`);
    const id = newSnowflake();
    const payload: Record<string, unknown> = {
      id,
      application_id: world.applicationId,
      type,
      data,
      guild_id: guild.id,
      guild: { id: guild.id, locale: "en-US", features: [] },
      channel_id: channel.id,
      channel: apiChannel(world, channel),
      member: {
        ...apiMember(world, member, guild.id),
        // In an interaction, member.permissions are the member's permissions in that channel.
        permissions: world.permissionsIn(user.id, channel.id).toString(),
      },
      version: 1,
      app_permissions: world.permissionsIn(botUser.id, channel.id).toString(),
      locale: "en-US",
      guild_locale: "en-US",
      entitlements: [],
      authorizing_integration_owners: { "0": guild.id },
      context: 0,
      attachment_size_limit: 10_485_760,
    };
    if (source) payload.message = core.messageJson(source);
    const handle = new InteractionHandle(
      world,
      id,
      type,
      user,
      channel.id,
      guild.id,
      payload,
      source?.id ?? null,
    );
    payload.token = handle.token;
    core.interactions.set(id, handle);
    world.emit("interaction", handle);
    world.changed();
    gateway.dispatch("INTERACTION_CREATE", payload, null);
    return handle;
  };

  const resolveOption = (type: number, value: OptionValue, resolved: ResolvedCollector): string => {
    const id = typeof value === "object" && "id" in value ? String(value.id) : String(value);
    if (type === 6 || type === 9) {
      const user = world.users.get(id);
      if (user) {
        resolved.users[id] = apiUser(user);
        for (const guild of world.guilds.values()) {
          const member = guild.members.get(id);
          if (member) {
            const { user: _user, ...rest } = apiMember(world, member, guild.id);
            resolved.members[id] = rest;
          }
        }
      }
    }
    if (type === 7) {
      const channel = world.channel(id);
      if (channel)
        resolved.channels[id] = {
          ...apiChannel(world, channel),
          permissions: world.permissionsIn(botUser.id, id).toString(),
        };
    }
    if (type === 8 || type === 9) {
      for (const guild of world.guilds.values()) {
        const role = guild.roles.get(id);
        if (role) resolved.roles[id] = apiRole(role);
      }
    }
    return id;
  };

  const commandData = (
    channel: FakeChannel,
    name: string,
    values: OptionValues,
    focused: string | null,
  ): Record<string, unknown> => {
    const command = findCommand(world, channel.guildId, name);
    if (!command) throw new Error(`fake Discord: no slash command /${name} is registered for this guild`);
    const resolved: ResolvedCollector = { users: {}, members: {}, channels: {}, roles: {} };
    const optionList = buildOptions(
      name,
      command.options as Parameters<typeof buildOptions>[1],
      values,
      resolveOption,
      resolved,
      focused,
    );
    const hasResolved = Object.values(resolved).some((r) => Object.keys(r).length > 0);
    return {
      id: command.id,
      name: command.name,
      type: command.type,
      guild_id: channel.guildId,
      ...(optionList.length > 0 ? { options: optionList } : {}),
      ...(hasResolved ? { resolved } : {}),
    };
  };

  const componentInteraction = (
    user: FakeUser,
    messageId: Snowflake,
    customId: string,
    values: string[] | null,
    forged = false,
  ): InteractionHandle => {
    const message = world.messages.get(messageId);
    if (!message || message.deleted) throw new Error(`fake Discord: unknown message ${messageId}`);
    if (message.visibleTo !== null && message.visibleTo !== user.id) {
      throw new Error(`fake Discord: ${user.username} cannot see ephemeral message ${messageId}`);
    }
    if (forged) {
      const data = { custom_id: customId, component_type: 2 };
      return interact(
        InteractionType.MessageComponent,
        user,
        channelOrThrow(message.channelId),
        data,
        message,
      );
    }
    const component = findComponent(message.components, customId);
    if (!component) throw new Error(`fake Discord: message ${messageId} has no component "${customId}"`);
    if (component.disabled === true) throw new Error(`fake Discord: component "${customId}" is disabled`);
    const isButton = component.type === 2;
    if (isButton !== (values === null)) {
      throw new Error(`fake Discord: component "${customId}" is a ${isButton ? "button" : "select menu"}`);
    }
    const data: Record<string, unknown> = { custom_id: customId, component_type: component.type };
    if (values) data.values = values;
    return interact(InteractionType.MessageComponent, user, channelOrThrow(message.channelId), data, message);
  };

  const submittedModals = new WeakSet<InteractionHandle>();

  const overwrite = (channelId: Snowflake, permission: PermissionName, userId: Snowflake, deny: boolean) => {
    const channel = channelOrThrow(channelId);
    const bit = PermissionFlagsBits[permission];
    let entry = channel.overwrites.find((o) => o.type === 1 && o.id === userId);
    if (!entry) {
      entry = { id: userId, type: 1, allow: 0n, deny: 0n };
      channel.overwrites.push(entry);
    }
    entry.deny = deny ? entry.deny | bit : entry.deny & ~bit;
    core.channelUpdated(channel);
  };

  const fake: FakeDiscord = {
    apiUrl: `${origin}/api`,
    gatewayUrl: gatewayUrl(),
    botToken: token,
    applicationId: world.applicationId,
    botUserId: botUser.id,
    botUser,
    guild: firstGuild,
    guilds,
    users: world.users,
    requests: rest.requests,
    events: world,

    addUser(userOptions) {
      const guild = guildOf(userOptions.guildId);
      const user: FakeUser = {
        id: newSnowflake(),
        username: userOptions.username,
        globalName: userOptions.globalName ?? null,
        bot: userOptions.bot ?? false,
      };
      world.users.set(user.id, user);
      const roleIds = [...(userOptions.roleIds ?? [])];
      if (userOptions.moderator) roleIds.push(guild.moderatorRoleId);
      guild.members.set(user.id, { user, roleIds, joinedAt: new Date().toISOString(), nick: null });
      world.changed();
      return user;
    },

    addChannel(channelOptions) {
      const guild = guildOf(channelOptions.guildId);
      const channel = newChannel(guild.id, channelOptions, world.channels.size);
      if (channelOptions.parentId) channel.parentId = channelOptions.parentId;
      world.channels.set(channel.id, channel);
      core.channelCreated(channel);
      return channel;
    },

    channel(idOrName, guildId) {
      const byId = world.channel(idOrName);
      if (byId) return byId;
      const guild = guildOf(guildId);
      return [...world.channels.values()].find((c) => c.guildId === guild.id && c.name === idOrName);
    },

    channelId(name, guildId) {
      const channel = fake.channel(name, guildId);
      if (!channel) throw new Error(`fake Discord: no channel named "${name}"`);
      return channel.id;
    },

    slashCommand(user, channelId, name, values = {}) {
      const channel = channelOrThrow(channelId);
      return interact(
        InteractionType.ApplicationCommand,
        user,
        channel,
        commandData(channel, name, values, null),
        null,
      );
    },

    autocomplete(user, channelId, name, values, focused) {
      const channel = channelOrThrow(channelId);
      const data = commandData(channel, name, values, focused);
      return interact(InteractionType.ApplicationCommandAutocomplete, user, channel, data, null);
    },

    clickButton(user, messageId, customId, options) {
      return componentInteraction(user, messageId, customId, null, options?.forged === true);
    },

    selectMenu(user, messageId, customId, values) {
      return componentInteraction(user, messageId, customId, values);
    },

    submitModal(shownIn, fields) {
      const callback = shownIn.callback;
      if (!callback || callback.type !== InteractionResponseType.Modal) {
        throw new Error(`fake Discord: interaction ${shownIn.id} did not show a modal`);
      }
      if (submittedModals.has(shownIn)) throw new Error("fake Discord: this modal was already submitted");
      const modal = callback.data as { custom_id: string; components: Array<Record<string, unknown>> };
      const components = modalSubmitComponents(modal.components, fields);
      submittedModals.add(shownIn);
      const source = shownIn.sourceMessageId ? (world.messages.get(shownIn.sourceMessageId) ?? null) : null;
      const channel = channelOrThrow(shownIn.channelId);
      const data = { custom_id: modal.custom_id, components };
      return interact(InteractionType.ModalSubmit, shownIn.user, channel, data, source);
    },

    postMessage(user, channelId, content) {
      const channel = channelOrThrow(channelId);
      return core.createMessage({ channelId: channel.id, author: user, json: { content }, attachments: [] });
    },

    messages(channelId, messageOptions = {}) {
      return world.channelMessages(channelId, messageOptions);
    },
    allMessages() {
      return [...world.messages.values()];
    },
    ephemeralMessages(userId) {
      return [...world.messages.values()].filter((m) => m.visibleTo === userId && !m.deleted);
    },
    message(id) {
      return world.messages.get(id);
    },
    threads(parentId) {
      return [...world.channels.values()].filter(
        (c) => world.isThread(c) && (parentId === undefined || c.parentId === parentId),
      );
    },
    registeredCommands(guildId) {
      return world.commands.get(guildId ?? "global") ?? [];
    },
    requestsTo(route) {
      const { method, pattern } = parseRoute(route);
      return rest.requests.filter((r) => (method === "*" || method === r.method) && pattern.test(r.path));
    },

    failNext(route, failure) {
      rest.failNext(route, failure);
    },
    denyPermission(channelId, permission, userId = botUser.id) {
      overwrite(channelId, permission, userId, true);
    },
    restorePermission(channelId, permission, userId = botUser.id) {
      overwrite(channelId, permission, userId, false);
    },
    deleteChannel(channelId) {
      core.deleteChannel(channelOrThrow(channelId));
    },
    dropGateway(dropOptions) {
      gateway.drop(dropOptions);
    },
    gatewayConnections() {
      return gateway.readyConnections;
    },
    waitForGateway(type, timeoutMs = 5000) {
      return new Promise<GatewayEvent>((resolve, reject) => {
        const onEvent = (event: GatewayEvent) => {
          if (event.type !== type) return;
          clearTimeout(timer);
          world.off("gateway", onEvent);
          resolve(event);
        };
        const timer = setTimeout(() => {
          world.off("gateway", onEvent);
          reject(new Error(`fake Discord: no gateway "${type}" within ${timeoutMs} ms`));
        }, timeoutMs);
        world.on("gateway", onEvent);
      });
    },
    waitFor(check, timeoutMs, description) {
      return waitForChange(world, check, timeoutMs, description);
    },

    async close() {
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      world.removeAllListeners();
    },
  };
  return fake;
}

function newChannel(guildId: Snowflake, options: FakeChannelOptions, position: number): FakeChannel {
  return {
    id: newSnowflake(),
    guildId,
    name: options.name,
    type: options.type ?? ChannelType.GuildText,
    parentId: null,
    position,
    overwrites: [],
    topic: options.topic ?? null,
    lastMessageId: null,
    ownerId: null,
    archived: false,
    locked: false,
    autoArchiveDuration: 4320,
    createdAt: new Date().toISOString(),
    messageCount: 0,
    memberIds: new Set(),
  };
}

function createGuild(
  world: World,
  options: FakeGuildOptions,
  index: number,
  owner: FakeUser,
  bot: FakeUser,
  shardCount: number,
) {
  const id = options.id ?? guildIdOnShard(index % shardCount, shardCount);
  const everyone = { id, name: "@everyone", permissions: EVERYONE_PERMISSIONS, position: 0 };
  const moderator = {
    id: newSnowflake(),
    name: "Moderator",
    permissions: EVERYONE_PERMISSIONS | PermissionFlagsBits.ManageGuild | PermissionFlagsBits.ManageMessages,
    position: 1,
  };
  // The bot's integration role, as Discord creates when a bot with permissions joins.
  const botRole = {
    id: newSnowflake(),
    name: bot.username,
    permissions:
      EVERYONE_PERMISSIONS |
      PermissionFlagsBits.ManageThreads |
      PermissionFlagsBits.ManageMessages |
      PermissionFlagsBits.SendMessagesInThreads,
    position: 2,
  };
  const joinedAt = new Date().toISOString();
  const guild: FakeGuild = {
    id,
    name: options.name ?? (index === 0 ? "Arena Test" : `Arena Test ${index + 1}`),
    ownerId: owner.id,
    roles: new Map([
      [everyone.id, everyone],
      [moderator.id, moderator],
      [botRole.id, botRole],
    ]),
    members: new Map([
      [owner.id, { user: owner, roleIds: [], joinedAt, nick: null }],
      [bot.id, { user: bot, roleIds: [botRole.id], joinedAt, nick: null }],
    ]),
    moderatorRoleId: moderator.id,
  };
  world.guilds.set(id, guild);
  const channels = options.channels ?? ["general", "battles"];
  channels.forEach((entry, position) => {
    const channel = newChannel(id, typeof entry === "string" ? { name: entry } : entry, position);
    world.channels.set(channel.id, channel);
  });
  return guild;
}

/** A new snowflake whose guild events go to shard `shard` of `shardCount` (its timestamp picks the shard). */
function guildIdOnShard(shard: number, shardCount: number): Snowflake {
  for (let offset = 0; ; offset++) {
    const id = SnowflakeUtil.generate({ timestamp: Date.now() + offset }).toString();
    if (shardOf(id, shardCount) === shard) return id;
  }
}

function guildCreatePayload(world: World, guild: FakeGuild): Record<string, unknown> & { id: string } {
  const channels = [...world.channels.values()].filter((c) => c.guildId === guild.id);
  const members = [...guild.members.values()];
  return {
    ...apiGuild(guild),
    joined_at: guild.members.get(world.botUser.id)?.joinedAt ?? new Date().toISOString(),
    large: false,
    unavailable: false,
    member_count: members.length,
    members: members.map((m) => {
      const { permissions: _permissions, ...member } = apiMember(world, m, guild.id);
      return member;
    }),
    channels: channels.filter((c) => !world.isThread(c)).map((c) => apiChannel(world, c)),
    threads: channels.filter((c) => world.isThread(c) && !c.archived).map((c) => apiChannel(world, c)),
    voice_states: [],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}

function findAttachment(world: World, id: Snowflake) {
  for (const message of world.messages.values()) {
    const found = message.attachments.find((a) => a.id === id);
    if (found) return found;
  }
  return undefined;
}

/** What Discord sends back for a submitted modal: the same layout, each text input with its value. */
function modalSubmitComponents(
  shown: Array<Record<string, unknown>>,
  fields: Record<string, string>,
): Array<Record<string, unknown>> {
  const known = new Set<string>();
  const input = (component: Record<string, unknown>): Record<string, unknown> => {
    const customId = String(component.custom_id);
    known.add(customId);
    const value = fields[customId];
    if (value === undefined && component.required !== false) {
      throw new Error(`fake Discord: the modal's required field "${customId}" was not filled`);
    }
    return {
      type: component.type,
      ...(component.id === undefined ? {} : { id: component.id }),
      custom_id: customId,
      value: value ?? "",
    };
  };
  const result = shown.map((top) => {
    if (top.type === 1 && Array.isArray(top.components)) {
      return { type: 1, components: (top.components as Array<Record<string, unknown>>).map(input) };
    }
    if (top.type === 18 && top.component && typeof top.component === "object") {
      return {
        type: 18,
        ...(top.id === undefined ? {} : { id: top.id }),
        component: input(top.component as Record<string, unknown>),
      };
    }
    return { type: top.type, ...(top.id === undefined ? {} : { id: top.id }) };
  });
  for (const name of Object.keys(fields)) {
    if (!known.has(name)) throw new Error(`fake Discord: the modal has no field "${name}"`);
  }
  return result;
}
