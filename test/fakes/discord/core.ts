// Mutations shared by the REST side (what the bot does) and the user side (what the fake's users do):
// each one updates the world, tells listeners and dispatches the gateway event Discord would send.
import { ChannelType, GatewayIntentBits, MessageFlags } from "discord.js";
import type { FakeGateway } from "./gateway.ts";
import type { InteractionHandle } from "./interactions.ts";
import {
  apiChannel,
  apiMember,
  apiMessage,
  type FakeAttachment,
  type FakeChannel,
  type FakeMessage,
  type FakeUser,
  newSnowflake,
  type Snowflake,
  type World,
} from "./world.ts";

export interface MessageInput {
  channelId: Snowflake;
  author: FakeUser;
  json: Record<string, unknown>;
  attachments: FakeAttachment[];
  visibleTo?: Snowflake | null;
  interactionId?: Snowflake | null;
  type?: number;
  extraFlags?: number;
}

export class FakeDiscordCore {
  readonly interactions = new Map<Snowflake, InteractionHandle>();
  /** http://127.0.0.1:PORT, set once the server listens */
  origin = "";

  constructor(
    readonly world: World,
    readonly gateway: FakeGateway,
  ) {}

  messageJson(message: FakeMessage): Record<string, unknown> {
    return apiMessage(this.world, message, this.origin);
  }

  /** A message as the gateway carries it (with guild_id and, for guild authors, member). */
  private gatewayMessage(message: FakeMessage): Record<string, unknown> {
    const json = this.messageJson(message);
    const guild = message.guildId ? this.world.guilds.get(message.guildId) : undefined;
    const member = guild?.members.get(message.author.id);
    if (guild && member && !message.interactionId) {
      const { user: _user, ...memberWithoutUser } = apiMember(this.world, member, guild.id);
      json.member = memberWithoutUser;
    }
    return json;
  }

  createMessage(input: MessageInput): FakeMessage {
    const channel = this.world.channel(input.channelId);
    const now = new Date().toISOString();
    const json = input.json;
    const flags = (typeof json.flags === "number" ? json.flags : 0) | (input.extraFlags ?? 0);
    const message: FakeMessage = {
      id: newSnowflake(),
      channelId: input.channelId,
      guildId: channel?.guildId ?? null,
      author: input.author,
      content: typeof json.content === "string" ? json.content : "",
      embeds: Array.isArray(json.embeds) ? json.embeds : [],
      components: Array.isArray(json.components) ? json.components : [],
      attachments: input.attachments,
      // Only these flags can be set by a sender.
      flags:
        flags &
        (MessageFlags.Ephemeral |
          MessageFlags.SuppressEmbeds |
          MessageFlags.Loading |
          MessageFlags.SuppressNotifications |
          MessageFlags.IsComponentsV2),
      type: input.type ?? 0,
      createdAt: now,
      editedAt: null,
      deleted: false,
      visibleTo: input.visibleTo ?? null,
      interactionId: input.interactionId ?? null,
      threadId: null,
      history: [],
    };
    message.history.push({
      content: message.content,
      embeds: message.embeds,
      components: message.components,
      at: now,
    });
    this.world.messages.set(message.id, message);
    if (channel && message.visibleTo === null) {
      channel.lastMessageId = message.id;
      if (this.world.isThread(channel)) channel.messageCount += 1;
    }
    this.world.emit("message", message);
    this.world.changed();
    if (message.visibleTo === null) {
      this.gateway.dispatch("MESSAGE_CREATE", this.gatewayMessage(message), GatewayIntentBits.GuildMessages);
    }
    return message;
  }

  editMessage(
    message: FakeMessage,
    json: Record<string, unknown>,
    attachments: FakeAttachment[],
  ): FakeMessage {
    const now = new Date().toISOString();
    if (typeof json.content === "string") message.content = json.content;
    else if (json.content === null) message.content = "";
    if (Array.isArray(json.embeds)) message.embeds = json.embeds;
    else if (json.embeds === null) message.embeds = [];
    if (Array.isArray(json.components)) message.components = json.components;
    else if (json.components === null) message.components = [];
    message.attachments = attachments;
    message.flags &= ~MessageFlags.Loading;
    message.editedAt = now;
    message.history.push({
      content: message.content,
      embeds: message.embeds,
      components: message.components,
      at: now,
    });
    this.world.emit("messageUpdate", message);
    this.world.changed();
    if (message.visibleTo === null) {
      this.gateway.dispatch("MESSAGE_UPDATE", this.gatewayMessage(message), GatewayIntentBits.GuildMessages);
    }
    return message;
  }

  deleteMessage(message: FakeMessage): void {
    message.deleted = true;
    this.world.emit("messageDelete", message);
    this.world.changed();
    if (message.visibleTo === null) {
      this.gateway.dispatch(
        "MESSAGE_DELETE",
        { id: message.id, channel_id: message.channelId, guild_id: message.guildId },
        GatewayIntentBits.GuildMessages,
      );
    }
  }

  /** Creates a thread (on a message: the thread takes the message's id, as on Discord). */
  createThread(
    parent: FakeChannel,
    options: {
      name: string;
      type: number;
      autoArchiveDuration: number;
      owner: FakeUser;
      starter?: FakeMessage;
    },
  ): FakeChannel {
    const thread: FakeChannel = {
      id: options.starter?.id ?? newSnowflake(),
      guildId: parent.guildId,
      name: options.name,
      type: options.type,
      parentId: parent.id,
      position: 0,
      overwrites: [],
      topic: null,
      lastMessageId: null,
      ownerId: options.owner.id,
      archived: false,
      locked: false,
      autoArchiveDuration: options.autoArchiveDuration,
      createdAt: new Date().toISOString(),
      messageCount: 0,
      memberIds: new Set([options.owner.id]),
    };
    this.world.channels.set(thread.id, thread);
    if (options.starter) options.starter.threadId = thread.id;
    this.world.emit("thread", thread);
    this.world.changed();
    this.gateway.dispatch("THREAD_CREATE", { ...apiChannel(this.world, thread), newly_created: true });
    return thread;
  }

  /** Tells connected clients that a channel changed (e.g. its permission overwrites). */
  channelUpdated(channel: FakeChannel): void {
    const event = this.world.isThread(channel) ? "THREAD_UPDATE" : "CHANNEL_UPDATE";
    this.gateway.dispatch(event, apiChannel(this.world, channel));
    this.world.changed();
  }

  /**
   * Deletes a channel or thread (as a moderator would): its messages go with it, REST answers 10003 Unknown
   * Channel for it from now on, and clients get THREAD_DELETE or CHANNEL_DELETE.
   */
  deleteChannel(channel: FakeChannel): void {
    const doomed = [channel.id];
    if (!this.world.isThread(channel)) {
      for (const other of this.world.channels.values())
        if (other.parentId === channel.id) doomed.push(other.id);
    }
    for (const id of doomed) {
      const gone = this.world.channels.get(id);
      if (!gone) continue;
      this.world.channels.delete(id);
      for (const message of this.world.messages.values())
        if (message.channelId === id) message.deleted = true;
      if (this.world.isThread(gone)) {
        this.gateway.dispatch("THREAD_DELETE", {
          id: gone.id,
          guild_id: gone.guildId,
          parent_id: gone.parentId,
          type: gone.type,
        });
      } else {
        this.gateway.dispatch("CHANNEL_DELETE", apiChannel(this.world, gone));
      }
    }
    this.world.changed();
  }

  channelCreated(channel: FakeChannel): void {
    this.gateway.dispatch("CHANNEL_CREATE", apiChannel(this.world, channel));
    this.world.changed();
  }
}

export const TEXT_CHANNEL_TYPES: ReadonlySet<number> = new Set([
  ChannelType.GuildText,
  ChannelType.GuildAnnouncement,
]);
