// The Discord adapter: a discord.js 14 client that turns slash commands, buttons, modals and autocomplete into
// calls on the arena, and renders the arena's replies and events in channels and battle threads. It translates
// only: rules (votes, permissions, leaks) are the arena's and the commands'.

import { once } from "node:events";
import {
  ActionRowBuilder,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  Client,
  type ClientOptions,
  DiscordAPIError,
  Events,
  GatewayCloseCodes,
  GatewayIntentBits,
  HTTPError,
  type Interaction,
  type Message,
  MessageFlags,
  ModalBuilder,
  type ModalSubmitInteraction,
  PermissionFlagsBits,
  type PermissionResolvable,
  type PermissionsBitField,
  RESTEvents,
  RESTJSONErrorCodes,
  type SendableChannels,
  TextInputBuilder,
  TextInputStyle,
} from "discord.js";
import { commandData, runCommand } from "../../../commands/index.ts";
import { errorText } from "../../arena/logger.ts";
import { privateReply, SOMETHING_WENT_WRONG } from "../../arena/texts.ts";
import type { ArenaEvent, Place, Reply, TextPrompt } from "../../arena/types.ts";
import type { Config } from "../../config.ts";
import { truncateText } from "../../render/graphemes.ts";
import type { AdapterDependencies, PlatformAdapter } from "../adapter.ts";
import { discordCommandBodies, optionDefinition, rawOptionsOf } from "./commands.ts";
import { channelOf, contextOf, PLATFORM, targetChannelId } from "./context.ts";
import { answerParts, buttonRows, messageParts } from "./render.ts";
import { type MessageBody, messageBodies, Responder } from "./responder.ts";

export type DiscordAdapterDependencies = AdapterDependencies & { config: Config; token: string };

export function createDiscordAdapter(deps: DiscordAdapterDependencies): PlatformAdapter {
  return new DiscordAdapter(deps);
}

/** The text input of the follow-up modal. */
export const MODAL_TEXT_INPUT_ID = "text";
const THREAD_NAME_LIMIT = 100;
const AUTOCOMPLETE_LIMIT = 25;
/** An interaction token lets the bot send follow-ups for 15 minutes; keep a margin. */
const INTERACTION_TOKEN_MS = 14 * 60 * 1000;
/** Deleted channels and threads remembered, so that later events of their battles are not posted. */
const GONE_CHANNELS_LIMIT = 10_000;

const THREAD_PERMISSIONS: PermissionResolvable[] = [
  PermissionFlagsBits.CreatePublicThreads,
  PermissionFlagsBits.SendMessagesInThreads,
];
const POSTING_PERMISSIONS: PermissionResolvable[] = [
  PermissionFlagsBits.ViewChannel,
  PermissionFlagsBits.SendMessagesInThreads,
  PermissionFlagsBits.EmbedLinks,
  PermissionFlagsBits.AttachFiles,
  PermissionFlagsBits.ReadMessageHistory,
];

class DiscordAdapter implements PlatformAdapter {
  readonly platform = PLATFORM;
  private readonly client: Client;
  private unsubscribe: (() => void) | null = null;
  private readonly inFlight = new Set<Promise<unknown>>();
  /** The /battle interaction of each recent battle, to tell its creator privately when posting fails. */
  private readonly creators = new Map<string, { interaction: ChatInputCommandInteraction; until: number }>();
  /** Channels and threads Discord said were deleted (gateway event or 10003 Unknown Channel), oldest first. */
  private readonly goneChannels = new Set<string>();
  private stopping = false;
  /** The code of the last gateway close discord.js gave up on (4010, 4011: shard settings Discord refused). */
  private lastCloseCode: number | undefined;

  constructor(private readonly deps: DiscordAdapterDependencies) {
    this.client = new Client({
      // Slash commands, buttons and modals arrive as interactions: no message content is needed.
      intents: [GatewayIntentBits.Guilds],
      // Prompts and answers are user/model text: they must never ping anyone.
      allowedMentions: { parse: [] },
      ...shardingOptions(deps.config),
      ...(deps.config.DISCORD_API_URL ? { rest: { api: deps.config.DISCORD_API_URL } } : {}),
    });
    this.client.on(Events.InteractionCreate, (interaction) => {
      this.track(this.handleInteraction(interaction));
    });
    this.client.on(Events.ThreadDelete, (thread) => this.channelGone(thread.id));
    this.client.on(Events.ChannelDelete, (channel) => this.channelGone(channel.id));
    this.client.on(Events.Error, (error) => {
      deps.logger.error({ err: errorText(error) }, "discord client error");
    });
    // discord.js reconnects by itself: it resumes the session (the events missed meanwhile are replayed), or
    // starts a new one when Discord refuses the resume (interactions sent meanwhile are lost; Discord tells users).
    let reconnecting = false;
    this.client.on(Events.ShardReconnecting, (shardId) => {
      // client.destroy() closes the connection too: that is no lost connection.
      if (this.stopping) return;
      reconnecting = true;
      deps.logger.warn({ shard: shardId }, "discord gateway connection lost: reconnecting");
    });
    this.client.on(Events.ShardResume, (shardId, replayed) => {
      reconnecting = false;
      deps.logger.info({ shard: shardId, replayed }, "discord gateway resumed");
    });
    this.client.on(Events.ShardReady, (shardId) => {
      if (!reconnecting) return;
      reconnecting = false;
      deps.logger.warn(
        { shard: shardId },
        "discord gateway session could not be resumed: a new one started (events meanwhile are lost)",
      );
    });
    this.client.on(Events.ShardDisconnect, (event, shardId) => {
      this.lastCloseCode = event.code;
      if (this.stopping) return;
      deps.logger.error(
        { shard: shardId, code: event.code, hint: gatewayRefusal(event.code) },
        "discord gateway closed for good",
      );
    });
    // discord.js waits and sends a rate-limited request again by itself (a 429 was not executed by Discord, so
    // nothing is sent twice). Routes are logged generalised ("/webhooks/:id/:token"): URLs carry tokens.
    this.client.rest.on(RESTEvents.Response, (request, response) => {
      if (response.status !== 429) return;
      const headers = response.headers;
      deps.logger.warn(
        {
          route: `${request.method.toUpperCase()} ${request.route}`,
          retryAfterMs: Math.round(Number(headers.get("Retry-After") ?? 0) * 1000),
          global: headers.has("X-RateLimit-Global"),
          scope: headers.get("X-RateLimit-Scope") ?? "user",
        },
        "discord rate limit (429): the request is sent again after the wait Discord asked for",
      );
    });
    this.client.rest.on(RESTEvents.RateLimited, (info) => {
      deps.logger.info(
        {
          route: `${info.method.toUpperCase()} ${info.route}`,
          waitMs: info.timeToReset,
          global: info.global,
        },
        "discord rate limit: request held until the limit resets",
      );
    });
  }

  async start(): Promise<void> {
    this.unsubscribe = this.deps.arena.onEvent(PLATFORM, (event) => this.track(this.renderEvent(event)));
    const ready = once(this.client, Events.ClientReady);
    try {
      await this.client.login(this.deps.token);
    } catch (error) {
      const refusal = gatewayRefusal(this.lastCloseCode);
      throw refusal ? new Error(refusal) : error;
    }
    await ready;
    const shards = this.client.ws.shards.map((shard) => shard.id);
    // One process registers them: several writing the same commands at once would only race each other.
    if (shards.includes(0)) await this.registerCommands();
    this.deps.logger.info(
      { user: this.client.user?.username, shards, shardCount: this.client.options.shardCount },
      "discord bot connected",
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    await this.client.destroy();
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise)).catch(() => {});
    return promise;
  }

  private async registerCommands(): Promise<void> {
    const application = this.client.application;
    if (!application) throw new Error("discord: the client has no application after login");
    const bodies = discordCommandBodies(commandData);
    const guildIds = this.deps.config.DISCORD_GUILD_IDS;
    if (guildIds.length === 0) {
      await application.commands.set(bodies);
      this.deps.logger.info({ commands: bodies.length }, "discord commands registered globally");
      return;
    }
    for (const guildId of guildIds) {
      try {
        await application.commands.set(bodies, guildId);
        this.deps.logger.info({ commands: bodies.length, guild: guildId }, "discord commands registered");
      } catch (error) {
        // One guild the bot is not in must not keep it from the others.
        this.deps.logger.error(
          { guild: guildId, err: errorText(error) },
          "discord commands could not be registered in this guild (is the bot a member of it?)",
        );
      }
    }
  }

  // ---- interactions ---------------------------------------------------------------------------------------

  /** The one error boundary of every interaction: one log line, one private message. */
  private async handleInteraction(interaction: Interaction): Promise<void> {
    const responder = interaction.isRepliable() ? new Responder(interaction) : null;
    try {
      if (interaction.isChatInputCommand() && responder) await this.onCommand(interaction, responder);
      else if (interaction.isAutocomplete()) await this.onAutocomplete(interaction);
      else if (interaction.isButton() && responder) await this.onButton(interaction, responder);
      else if (interaction.isModalSubmit() && responder) await this.onModalSubmit(interaction, responder);
    } catch (error) {
      responder?.cancelTimer();
      this.deps.logger.error(
        { err: errorText(error), interaction: describeInteraction(interaction) },
        "discord interaction failed",
      );
      if (responder) await responder.tellPrivately(SOMETHING_WENT_WRONG).catch(() => {});
      else if (interaction.isAutocomplete() && !interaction.responded) {
        await interaction.respond([]).catch(() => {});
      }
    }
  }

  private async onCommand(interaction: ChatInputCommandInteraction, responder: Responder): Promise<void> {
    const name = interaction.commandName;
    // A leaderboard renders a PNG chart: that can take seconds, so acknowledge at once.
    if (name === "leaderboard") await responder.defer("public");
    else responder.deferAfter(name === "battle" ? "public" : "private");
    const ctx = await contextOf(interaction);
    const reply = await runCommand(this.deps, ctx, name, rawOptionsOf(interaction));
    if (reply.battle) await this.openBattle(interaction, responder, ctx.place, reply);
    else await responder.send(reply);
  }

  /** Posts the battle's public reply, opens its thread (or uses the current one), then lets the arena start. */
  private async openBattle(
    interaction: ChatInputCommandInteraction,
    responder: Responder,
    place: Place,
    reply: Reply,
  ): Promise<void> {
    const battle = reply.battle;
    if (!battle) return;
    const { arena } = this.deps;
    const needsThread = place.thread === undefined && interaction.inGuild();
    const missing = needsThread ? missingPermissions(interaction.appPermissions, THREAD_PERMISSIONS) : [];
    if (missing.length > 0) {
      await arena.abandonBattle(battle.battleId, `missing Discord permissions: ${missing.join(", ")}`);
      await responder.send(privateReply(threadPermissionText(missing)));
      return;
    }
    const [firstPart = "…", ...moreParts] = messageParts(reply.text);
    let starter: Message | null = null;
    let threadPlace = place;
    try {
      starter = await responder.sendBodies([{ content: firstPart }], "public");
      if (needsThread) {
        if (!starter) throw new Error("discord did not return the battle's reply message");
        const thread = await starter.startThread({
          name: truncateText(battle.threadTitle, THREAD_NAME_LIMIT),
        });
        threadPlace = { ...place, thread: thread.id };
      }
      if (moreParts.length > 0) {
        const channel = await this.sendableChannel(targetChannelId(threadPlace));
        for (const content of moreParts) await channel.send({ content });
      }
    } catch (error) {
      await arena.abandonBattle(battle.battleId, `the thread could not be opened: ${errorText(error)}`);
      if (!isMissingPermissions(error)) throw error;
      this.deps.logger.warn(
        { battle: battle.battleId, err: errorText(error) },
        "discord: no permission to open a battle thread",
      );
      if (starter) {
        await interaction
          .editReply({ content: `${firstPart}\n\n*(This battle could not start.)*` })
          .catch(() => {});
      }
      await responder.tellPrivately(
        threadPermissionText(["Create Public Threads", "Send Messages in Threads"]),
      );
      return;
    }
    this.rememberCreator(battle.battleId, interaction);
    await arena.placeBattle(battle.battleId, threadPlace);
  }

  private async onButton(interaction: ButtonInteraction, responder: Responder): Promise<void> {
    responder.deferAfter("private");
    const ctx = await contextOf(interaction);
    const result = await this.deps.arena.press(ctx, interaction.customId);
    if ("textPrompt" in result) {
      responder.cancelTimer();
      if (responder.acknowledged) {
        await responder.tellPrivately("That took too long to open the form; please press the button again.");
        return;
      }
      await interaction.showModal(modalOf(result.textPrompt));
      return;
    }
    const reply = result.reply;
    if (reply.leaderboard && !responder.acknowledged) {
      // A page button turns the page of the message it is on.
      responder.cancelTimer();
      await interaction.deferUpdate();
      const bodies = await messageBodies(reply);
      const last = bodies.at(-1) ?? { content: reply.text };
      await interaction.editReply({ ...last, attachments: [] });
      return;
    }
    await responder.send(reply);
  }

  private async onModalSubmit(interaction: ModalSubmitInteraction, responder: Responder): Promise<void> {
    responder.deferAfter("private");
    const ctx = await contextOf(interaction);
    const text = interaction.fields.getTextInputValue(MODAL_TEXT_INPUT_ID);
    const reply = await this.deps.arena.submitText(ctx, interaction.customId, text);
    await responder.send(reply);
  }

  private async onAutocomplete(interaction: AutocompleteInteraction): Promise<void> {
    const focused = interaction.options.getFocused(true);
    const option = optionDefinition(
      commandData,
      interaction.commandName,
      interaction.options.getSubcommand(false),
      focused.name,
    );
    const kind = option?.autocomplete;
    const { place } = await contextOf(interaction);
    const candidates = kind
      ? await this.deps.arena.suggestions(kind, String(focused.value), AUTOCOMPLETE_LIMIT, place)
      : [];
    const choices = candidates.map((candidate) => ({
      name: truncateText(candidate.label, 100),
      value: candidate.value.slice(0, 100),
    }));
    await interaction.respond(choices);
  }

  private rememberCreator(battleId: string, interaction: ChatInputCommandInteraction): void {
    const now = Date.now();
    for (const [id, entry] of this.creators) if (entry.until < now) this.creators.delete(id);
    this.creators.set(battleId, { interaction, until: now + INTERACTION_TOKEN_MS });
  }

  // ---- arena events ---------------------------------------------------------------------------------------

  /** One error boundary per event: a log line, and a private notice to the battle's creator when possible. */
  private async renderEvent(event: ArenaEvent): Promise<void> {
    const channelId = targetChannelId(event.place);
    if (event.type !== "battle.turn" && this.goneChannels.has(channelId)) {
      this.deps.logger.info(
        { event: event.type, battle: "battleId" in event ? event.battleId : null, channel: channelId },
        "discord: arena event not posted: its channel or thread was deleted",
      );
      return;
    }
    try {
      switch (event.type) {
        case "battle.turn":
          await this.postTurn(event);
          break;
        case "battle.closed":
        case "battle.discarded":
        case "battle.errored":
          await this.postEnd(event);
          break;
        case "leaderboard.update":
          await this.postLeaderboardUpdate(event);
          break;
      }
    } catch (error) {
      const battleId = "battleId" in event ? event.battleId : null;
      if (isUnknownChannel(error)) {
        this.channelGone(channelId);
        this.deps.logger.warn(
          { event: event.type, battle: battleId, channel: channelId },
          "discord: could not post an arena event: its channel or thread was deleted",
        );
        return;
      }
      if (isMissingPermissions(error)) {
        this.deps.logger.warn(
          { event: event.type, battle: battleId, channel: channelId, code: error.code },
          "discord: could not post an arena event: the bot lacks a permission in this channel",
        );
        if (battleId) await this.tellCreator(battleId, event.place);
        return;
      }
      this.deps.logger.error(
        { event: event.type, battle: battleId, channel: channelId, err: errorText(error) },
        "discord: could not post an arena event",
      );
    }
  }

  // Both answers are posted once both are complete (the arena emits one event per turn), never streamed:
  // an answer appearing first would show which model is faster, and speed gives models away.
  // A turn that cannot be shown whole (after discord.js's own retries) must not take votes: the arena errors it.
  private async postTurn(event: Extract<ArenaEvent, { type: "battle.turn" }>): Promise<void> {
    const channelId = targetChannelId(event.place);
    let vote: Message;
    try {
      if (this.goneChannels.has(channelId)) throw new ChannelGone();
      // The earlier turns' buttons give way to this turn's.
      for (const messageId of event.messageIds) await this.stripButtons(channelId, messageId);
      const channel = await this.sendableChannel(channelId);
      const parts = [
        ...(event.turn > 1 ? messageParts(`💬 **Follow-up**\n${event.prompt}`) : []),
        ...answerParts("a", event.turn, event.answers.a),
        ...answerParts("b", event.turn, event.answers.b),
      ];
      for (const content of parts) await channel.send({ content });
      vote = await channel.send({ content: event.votePrompt, components: buttonRows(event.buttons) });
    } catch (error) {
      if (error instanceof ChannelGone || isUnknownChannel(error)) {
        this.channelGone(channelId);
        this.deps.logger.warn(
          { battle: event.battleId, channel: channelId },
          "discord: a battle's thread was deleted before its answers were posted: battle errored",
        );
        await this.notifyCreator(
          event.battleId,
          "Your battle's thread was deleted before the answers were posted, so the battle was stopped; it does not count. Start a new one with /battle.",
        );
        await this.deps.arena.deliveryFailed(event.battleId, "its thread was deleted");
        return;
      }
      const missing = isMissingPermissions(error);
      if (missing) {
        this.deps.logger.warn(
          { battle: event.battleId, channel: channelId, code: error.code },
          "discord: a battle's answers could not be posted: the bot lacks a permission in this channel: battle errored",
        );
        // Before the arena errors the battle: its battle.errored event forgets the creator.
        await this.tellCreator(event.battleId, event.place);
      }
      await this.deps.arena.deliveryFailed(event.battleId, deliveryFailure(error));
      // A missing permission was said above; an unexpected failure goes on to the event boundary's error line.
      if (missing) return;
      throw error;
    }
    await this.deps.arena.rememberMessage(event.battleId, vote.id);
  }

  private async postEnd(
    event: Extract<ArenaEvent, { type: "battle.closed" | "battle.discarded" | "battle.errored" }>,
  ): Promise<void> {
    const channelId = targetChannelId(event.place);
    this.creators.delete(event.battleId);
    // Buttons first: once the names are public, nobody should be able to press a vote that no longer counts.
    for (const messageId of event.messageIds) await this.stripButtons(channelId, messageId);
    const channel = await this.sendableChannel(channelId);
    for (const content of messageParts(event.text)) await channel.send({ content });
  }

  private async postLeaderboardUpdate(event: Extract<ArenaEvent, { type: "leaderboard.update" }>) {
    const channel = await this.sendableChannel(targetChannelId(event.place));
    const bodies: MessageBody[] = await messageBodies({
      visibility: "public",
      text: event.text,
      leaderboard: event.view,
    });
    for (const body of bodies) await channel.send(body);
  }

  /** Removes a message's buttons, keeping its text. A message already gone is fine. */
  private async stripButtons(channelId: string, messageId: string): Promise<void> {
    try {
      const channel = await this.sendableChannel(channelId);
      await channel.messages.edit(messageId, { components: [] });
    } catch (error) {
      if (error instanceof DiscordAPIError && error.code === 10008) return; // Unknown Message
      throw error;
    }
  }

  private async sendableChannel(channelId: string): Promise<SendableChannels> {
    // A battle or subscription in a guild of another process's shard is not in this client's cache: posting to
    // it goes through REST all the same (the window closer or the publisher may be any process).
    const channel = await this.client.channels.fetch(channelId, { allowUnknownGuild: true });
    if (!channel?.isSendable()) {
      throw new Error(`discord channel ${channelId} is not a text channel the bot can see`);
    }
    return channel;
  }

  private channelGone(channelId: string): void {
    this.goneChannels.delete(channelId);
    this.goneChannels.add(channelId);
    for (const oldest of this.goneChannels) {
      if (this.goneChannels.size <= GONE_CHANNELS_LIMIT) break;
      this.goneChannels.delete(oldest);
    }
  }

  /** A private line to the battle's creator, while their /battle interaction can still send follow-ups. */
  private async notifyCreator(battleId: string, content: string): Promise<void> {
    const creator = this.creators.get(battleId);
    this.creators.delete(battleId);
    if (!creator || creator.until < Date.now()) return;
    await creator.interaction.followUp({ content, flags: MessageFlags.Ephemeral }).catch(() => {});
  }

  private async tellCreator(battleId: string, place: Place): Promise<void> {
    const creator = this.creators.get(battleId);
    // Told once: later events of the same battle fail for the same reason.
    this.creators.delete(battleId);
    if (!creator || creator.until < Date.now()) return;
    const channel = await channelOf(creator.interaction);
    const me = this.client.user;
    const thread = await this.client.channels.fetch(targetChannelId(place)).catch(() => null);
    const permissions = me && thread && "permissionsFor" in thread ? thread.permissionsFor(me) : null;
    const missing = missingPermissions(permissions, POSTING_PERMISSIONS);
    const names = missing.length > 0 ? missing.join(", ") : "Send Messages in Threads";
    const where = channel && "name" in channel ? ` in #${channel.name}` : "";
    await creator.interaction
      .followUp({
        content: `I could not post your battle's answers${where}: I am missing the permission ${names}. Ask a moderator to grant it, then start a new battle.`,
        flags: MessageFlags.Ephemeral,
      })
      .catch(() => {});
  }
}

/**
 * discord.js' own sharding: this process runs DISCORD_SHARDS (default all) of DISCORD_SHARD_COUNT shards; without
 * a count, as many shards as Discord recommends, all here.
 */
function shardingOptions(config: Config): Pick<ClientOptions, "shards" | "shardCount"> {
  const count = config.DISCORD_SHARD_COUNT;
  if (count === undefined) return { shards: "auto" };
  return { shardCount: count, shards: config.DISCORD_SHARDS ?? Array.from({ length: count }, (_, id) => id) };
}

/** What to change when Discord refuses this process's shards (gateway close 4010 or 4011); null otherwise. */
function gatewayRefusal(code: number | undefined): string | null {
  if (code === GatewayCloseCodes.ShardingRequired) {
    return "Discord requires more shards for this bot (gateway close 4011): raise DISCORD_SHARD_COUNT to at least the count Discord recommends, or unset it to run that many shards in this process.";
  }
  if (code === GatewayCloseCodes.InvalidShard) {
    return "Discord refused the shard settings (gateway close 4010): DISCORD_SHARDS must be ids below DISCORD_SHARD_COUNT, the same count in every process.";
  }
  return null;
}

function modalOf(prompt: TextPrompt): ModalBuilder {
  const input = new TextInputBuilder()
    .setCustomId(MODAL_TEXT_INPUT_ID)
    .setLabel(truncateText(prompt.label, 45))
    .setPlaceholder(truncateText(prompt.placeholder, 100))
    .setStyle(TextInputStyle.Paragraph)
    .setMaxLength(Math.min(prompt.maxLength, 4000))
    .setRequired(true);
  return new ModalBuilder()
    .setCustomId(prompt.id)
    .setTitle(truncateText(prompt.title, 45))
    .addComponents(new ActionRowBuilder<TextInputBuilder>().addComponents(input));
}

/** Why a turn could not be posted, in words fit for the thread and the database (no request details). */
function deliveryFailure(error: unknown): string {
  if (error instanceof DiscordAPIError) return `Discord refused: ${error.message}`;
  if (error instanceof HTTPError) return `Discord answered HTTP ${error.status}`;
  return "the thread could not be reached";
}

/** A send into a channel this adapter already knows was deleted. */
class ChannelGone extends Error {}

function isUnknownChannel(error: unknown): boolean {
  return error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.UnknownChannel;
}

function isMissingPermissions(error: unknown): error is DiscordAPIError {
  // 50013 Missing Permissions; 50001 Missing Access (the bot cannot see the channel).
  return error instanceof DiscordAPIError && (error.code === 50013 || error.code === 50001);
}

/** Human names ("Create Public Threads") of the permissions in `wanted` that `have` lacks. */
function missingPermissions(
  have: Readonly<PermissionsBitField> | null | undefined,
  wanted: readonly PermissionResolvable[],
): string[] {
  if (!have) return [];
  return have.missing([...wanted]).map((name) => name.replace(/([a-z])([A-Z])/g, "$1 $2"));
}

function threadPermissionText(missing: readonly string[]): string {
  return `I cannot open a battle thread in this channel: I am missing the permission${missing.length > 1 ? "s" : ""} ${missing.join(", ")}. Ask a moderator to grant ${missing.length > 1 ? "them" : "it"} to the bot, or start the battle in another channel.`;
}

function describeInteraction(interaction: Interaction): string {
  if (interaction.isChatInputCommand() || interaction.isAutocomplete()) return `/${interaction.commandName}`;
  if (interaction.isButton()) return "button";
  if (interaction.isModalSubmit()) return "modal";
  return `type ${interaction.type}`;
}
