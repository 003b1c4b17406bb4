// Who may do what. The bot joins many communities at once, so there are two roles:
// - arena owners (the deployment): everyone in ARENA_MODERATORS, and the administrators of the chats and guilds
//   listed in ARENA_HOME while they act there. They manage what every community shares: the model registry,
//   its endpoints, key names, weights and aliases.
// - community moderators: the administrators of one chat or guild (Telegram chat admins, Discord Manage
//   Server). They manage only their own community: its voting window, who may vote, its subscriptions and
//   closing its battles.
// The platform adapters only report what the platform says (`isCommunityAdmin`, for the place the action
// comes from); these rules decide what that allows.
import type { CommandContext, Place, PlatformName } from "./types.ts";

/** What a command (or a press) needs, declared by each command and enforced by the one dispatcher. */
export type Scope = "everyone" | "community" | "owner";

export interface TrustSettings {
  /** "discord:<userId>" / "telegram:<userId>": owners everywhere (ARENA_MODERATORS). */
  readonly owners: ReadonlySet<string>;
  /** "discord:<guildId>" / "telegram:<chatId>": whose administrators are owners while acting there (ARENA_HOME). */
  readonly homes: ReadonlySet<string>;
}

/** `ARENA_MODERATORS` entries look like "discord:1234"; `ARENA_HOME` entries like "telegram:-1001234". */
export function platformKey(platform: PlatformName, id: string): string {
  return `${platform}:${id}`;
}

export function isOwner(trust: TrustSettings, ctx: CommandContext): boolean {
  if (trust.owners.has(platformKey(ctx.actor.platform, ctx.actor.userId))) return true;
  return ctx.actor.isCommunityAdmin && trust.homes.has(platformKey(ctx.place.platform, ctx.place.community));
}

/** Whether the actor administers the community of `place`: `isCommunityAdmin` speaks only of `ctx.place`. */
export function moderatesCommunity(trust: TrustSettings, ctx: CommandContext, place: Place = ctx.place) {
  if (isOwner(trust, ctx)) return true;
  return ctx.actor.isCommunityAdmin && sameCommunity(ctx.place, place);
}

export function allows(trust: TrustSettings, scope: Scope, ctx: CommandContext): boolean {
  switch (scope) {
    case "everyone":
      return true;
    case "community":
      return moderatesCommunity(trust, ctx);
    case "owner":
      return isOwner(trust, ctx);
  }
}

export function sameCommunity(x: Place, y: Place): boolean {
  return x.platform === y.platform && x.community === y.community;
}

/**
 * Whether a press made at `pressed` may act on a battle held at `battle`: the same channel, and the same
 * thread where both name one. A payload replayed anywhere else (another channel, guild or group, or another
 * thread of the channel) is refused.
 */
export function samePlaceForPress(pressed: Place, battle: Place): boolean {
  if (!sameCommunity(pressed, battle) || pressed.channel !== battle.channel) return false;
  return pressed.thread === undefined || battle.thread === undefined || pressed.thread === battle.thread;
}

/** The refusal of a command whose scope the actor lacks. */
export function scopeRefusalText(command: string, scope: Exclude<Scope, "everyone">): string {
  return scope === "owner"
    ? `/${command} changes what every community of this arena shares, so only the arena's owners may use it (the people in ARENA_MODERATORS, or the administrators of its home chats in ARENA_HOME).`
    : `/${command} is for this community's moderators: people who can manage this server (Discord) or administer this chat (Telegram).`;
}
