// The state of the fake Discord: guilds, roles, channels, users, members, messages, commands, interactions.
// Everything here is plain data plus the JSON shapes Discord puts on the wire (snake_case).
import { EventEmitter } from "node:events";
import { ChannelType, MessageFlags, PermissionFlagsBits, SnowflakeUtil } from "discord.js";

export type Snowflake = string;

export function newSnowflake(): Snowflake {
  return SnowflakeUtil.generate().toString();
}

export interface FakeUser {
  id: Snowflake;
  username: string;
  globalName: string | null;
  bot: boolean;
}

export interface FakeRole {
  id: Snowflake;
  name: string;
  permissions: bigint;
  position: number;
}

export interface FakeMember {
  user: FakeUser;
  roleIds: Snowflake[];
  joinedAt: string;
  nick: string | null;
}

export interface PermissionOverwrite {
  id: Snowflake;
  /** 0 = role, 1 = member */
  type: 0 | 1;
  allow: bigint;
  deny: bigint;
}

export interface FakeChannel {
  id: Snowflake;
  guildId: Snowflake;
  name: string;
  /** a Discord channel type: 0 text, 4 category, 5 announcement, 11 public thread, 12 private thread, 15 forum */
  type: number;
  parentId: Snowflake | null;
  position: number;
  overwrites: PermissionOverwrite[];
  topic: string | null;
  lastMessageId: Snowflake | null;
  /** threads only */
  ownerId: Snowflake | null;
  archived: boolean;
  locked: boolean;
  autoArchiveDuration: number;
  createdAt: string;
  messageCount: number;
  memberIds: Set<Snowflake>;
}

export interface FakeGuild {
  id: Snowflake;
  name: string;
  ownerId: Snowflake;
  roles: Map<Snowflake, FakeRole>;
  members: Map<Snowflake, FakeMember>;
  /** a role holding Manage Server, handed out by addUser({ moderator: true }) */
  moderatorRoleId: Snowflake;
}

export interface FakeAttachment {
  id: Snowflake;
  filename: string;
  description: string | null;
  contentType: string | null;
  data: Buffer;
}

export interface FakeMessage {
  id: Snowflake;
  channelId: Snowflake;
  guildId: Snowflake | null;
  author: FakeUser;
  content: string;
  embeds: unknown[];
  components: unknown[];
  attachments: FakeAttachment[];
  flags: number;
  /** 0 default, 19 reply, 20 chat input command */
  type: number;
  createdAt: string;
  editedAt: string | null;
  deleted: boolean;
  /** Ephemeral messages are seen only by this user; null for everyone. */
  visibleTo: Snowflake | null;
  /** Set when the message answers an interaction (reply, deferred reply, follow-up). */
  interactionId: Snowflake | null;
  /** The id of the thread started on this message, if any. */
  threadId: Snowflake | null;
  /** Every version of the message, oldest first (the current one is the last). */
  history: Array<{ content: string; embeds: unknown[]; components: unknown[]; at: string }>;
}

export interface FakeCommand {
  id: Snowflake;
  guildId: Snowflake | null;
  name: string;
  type: number;
  description: string;
  options: unknown[];
  defaultMemberPermissions: string | null;
  version: Snowflake;
  raw: Record<string, unknown>;
}

export const ALL_PERMISSIONS = Object.values(PermissionFlagsBits).reduce((all, bit) => all | bit, 0n);

/** What @everyone may do in a fresh fake guild: see, talk, use threads and commands; no moderation. */
export const EVERYONE_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.SendMessagesInThreads |
  PermissionFlagsBits.CreatePublicThreads |
  PermissionFlagsBits.CreatePrivateThreads |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.AddReactions |
  PermissionFlagsBits.UseApplicationCommands |
  PermissionFlagsBits.UseExternalEmojis;

export const THREAD_TYPES: ReadonlySet<number> = new Set([
  ChannelType.PublicThread,
  ChannelType.PrivateThread,
  ChannelType.AnnouncementThread,
]);

/** The state of the fake, and an emitter of "change" after each mutation (used by waitFor). */
export class World extends EventEmitter {
  readonly users = new Map<Snowflake, FakeUser>();
  readonly guilds = new Map<Snowflake, FakeGuild>();
  readonly channels = new Map<Snowflake, FakeChannel>();
  readonly messages = new Map<Snowflake, FakeMessage>();
  /** key: guild id or "global" */
  readonly commands = new Map<string, FakeCommand[]>();

  constructor(
    readonly applicationId: Snowflake,
    readonly botUser: FakeUser,
  ) {
    super();
    this.users.set(botUser.id, botUser);
  }

  changed(): void {
    this.emit("change");
  }

  channel(id: Snowflake): FakeChannel | undefined {
    return this.channels.get(id);
  }

  isThread(channel: FakeChannel): boolean {
    return THREAD_TYPES.has(channel.type);
  }

  /** Permissions of a member in a channel, computed as Discord documents it (base, then overwrites). */
  permissionsIn(userId: Snowflake, channelId: Snowflake): bigint {
    const channel = this.channels.get(channelId);
    if (!channel) return 0n;
    const guild = this.guilds.get(channel.guildId);
    const member = guild?.members.get(userId);
    if (!guild || !member) return 0n;
    if (guild.ownerId === userId) return ALL_PERMISSIONS;
    let permissions = guild.roles.get(guild.id)?.permissions ?? 0n;
    for (const roleId of member.roleIds) permissions |= guild.roles.get(roleId)?.permissions ?? 0n;
    if (permissions & PermissionFlagsBits.Administrator) return ALL_PERMISSIONS;
    // Threads take their permissions from their parent channel.
    const source = this.isThread(channel) && channel.parentId ? this.channels.get(channel.parentId) : channel;
    const overwrites = source?.overwrites ?? [];
    const everyone = overwrites.find((o) => o.type === 0 && o.id === guild.id);
    if (everyone) permissions = (permissions & ~everyone.deny) | everyone.allow;
    let roleAllow = 0n;
    let roleDeny = 0n;
    for (const o of overwrites) {
      if (o.type === 0 && member.roleIds.includes(o.id)) {
        roleAllow |= o.allow;
        roleDeny |= o.deny;
      }
    }
    permissions = (permissions & ~roleDeny) | roleAllow;
    const own = overwrites.find((o) => o.type === 1 && o.id === userId);
    if (own) permissions = (permissions & ~own.deny) | own.allow;
    return permissions;
  }

  /** Guild-level permissions (no channel overwrites), as in a member object. */
  guildPermissions(userId: Snowflake, guildId: Snowflake): bigint {
    const guild = this.guilds.get(guildId);
    const member = guild?.members.get(userId);
    if (!guild || !member) return 0n;
    if (guild.ownerId === userId) return ALL_PERMISSIONS;
    let permissions = guild.roles.get(guild.id)?.permissions ?? 0n;
    for (const roleId of member.roleIds) permissions |= guild.roles.get(roleId)?.permissions ?? 0n;
    return permissions & PermissionFlagsBits.Administrator ? ALL_PERMISSIONS : permissions;
  }

  /** Messages of a channel in order, optionally with the ephemeral ones seen by a user. */
  channelMessages(channelId: Snowflake, options: { includeDeleted?: boolean; viewer?: Snowflake } = {}) {
    return [...this.messages.values()].filter(
      (m) =>
        m.channelId === channelId &&
        (options.includeDeleted || !m.deleted) &&
        (m.visibleTo === null || m.visibleTo === options.viewer),
    );
  }
}

export function apiUser(user: FakeUser) {
  return {
    id: user.id,
    username: user.username,
    global_name: user.globalName,
    discriminator: "0",
    avatar: null,
    bot: user.bot,
    system: false,
    public_flags: 0,
    flags: 0,
  };
}

export function apiRole(role: FakeRole) {
  return {
    id: role.id,
    name: role.name,
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position: role.position,
    permissions: role.permissions.toString(),
    managed: false,
    mentionable: false,
    flags: 0,
  };
}

/** A guild object as the REST API returns it; GUILD_CREATE adds the members, channels and the rest. */
export function apiGuild(guild: FakeGuild) {
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: guild.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    mfa_level: 0,
    nsfw_level: 0,
    premium_tier: 0,
    premium_subscription_count: 0,
    premium_progress_bar_enabled: false,
    preferred_locale: "en-US",
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    safety_alerts_channel_id: null,
    vanity_url_code: null,
    application_id: null,
    max_members: 500_000,
    features: [],
    roles: [...guild.roles.values()].map(apiRole),
    emojis: [],
    stickers: [],
  };
}

export function apiMember(world: World, member: FakeMember, guildId: Snowflake) {
  return {
    user: apiUser(member.user),
    nick: member.nick,
    avatar: null,
    roles: member.roleIds,
    joined_at: member.joinedAt,
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0,
    pending: false,
    communication_disabled_until: null,
    permissions: world.guildPermissions(member.user.id, guildId).toString(),
  };
}

export function apiChannel(world: World, channel: FakeChannel) {
  const base = {
    id: channel.id,
    type: channel.type,
    guild_id: channel.guildId,
    name: channel.name,
    parent_id: channel.parentId,
    last_message_id: channel.lastMessageId,
    rate_limit_per_user: 0,
    flags: 0,
  };
  if (world.isThread(channel)) {
    return {
      ...base,
      owner_id: channel.ownerId,
      message_count: channel.messageCount,
      total_message_sent: channel.messageCount,
      member_count: channel.memberIds.size,
      thread_metadata: {
        archived: channel.archived,
        auto_archive_duration: channel.autoArchiveDuration,
        archive_timestamp: channel.createdAt,
        locked: channel.locked,
        create_timestamp: channel.createdAt,
      },
    };
  }
  return {
    ...base,
    position: channel.position,
    topic: channel.topic,
    nsfw: false,
    permission_overwrites: channel.overwrites.map((o) => ({
      id: o.id,
      type: o.type,
      allow: o.allow.toString(),
      deny: o.deny.toString(),
    })),
  };
}

export function apiAttachment(attachment: FakeAttachment, origin: string, channelId: Snowflake) {
  const url = `${origin}/attachments/${channelId}/${attachment.id}/${encodeURIComponent(attachment.filename)}`;
  return {
    id: attachment.id,
    filename: attachment.filename,
    description: attachment.description ?? undefined,
    content_type: attachment.contentType ?? undefined,
    size: attachment.data.length,
    url,
    proxy_url: url,
  };
}

/** A message as Discord returns it; `origin` (http://127.0.0.1:PORT) serves its attachments. */
export function apiMessage(world: World, message: FakeMessage, origin: string) {
  const thread = message.threadId ? world.channel(message.threadId) : undefined;
  return {
    id: message.id,
    channel_id: message.channelId,
    ...(message.guildId ? { guild_id: message.guildId } : {}),
    author: apiUser(message.author),
    content: message.content,
    timestamp: message.createdAt,
    edited_timestamp: message.editedAt,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: message.attachments.map((a) => apiAttachment(a, origin, message.channelId)),
    embeds: message.embeds,
    components: message.components,
    pinned: false,
    type: message.type,
    flags: message.flags | (message.threadId ? MessageFlags.HasThread : 0),
    ...(message.interactionId
      ? { webhook_id: world.applicationId, application_id: world.applicationId }
      : {}),
    ...(thread ? { thread: apiChannel(world, thread) } : {}),
  };
}
