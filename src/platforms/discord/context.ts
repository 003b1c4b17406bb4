// Who acts and where, as the arena sees it, from a Discord interaction.
import { type Channel, type Interaction, PermissionFlagsBits } from "discord.js";
import type { CommandContext, Place } from "../../arena/types.ts";

export const PLATFORM = "discord";

/** The interaction's channel, from the cache or, when the client has not seen it yet, from the API. */
export async function channelOf(interaction: Interaction): Promise<Channel | null> {
  if (interaction.channel) return interaction.channel;
  if (!interaction.channelId) return null;
  return interaction.client.channels.fetch(interaction.channelId).catch(() => null);
}

export async function contextOf(interaction: Interaction): Promise<CommandContext> {
  const channel = await channelOf(interaction);
  const userId = interaction.user.id;
  const community = interaction.guildId ?? `dm:${userId}`;
  const channelId = interaction.channelId ?? `dm:${userId}`;
  // Inside a thread the arena's channel is the parent: channel settings and subscriptions belong to it.
  const place: Place =
    channel?.isThread() && channel.parentId
      ? { platform: PLATFORM, community, channel: channel.parentId, thread: channel.id }
      : { platform: PLATFORM, community, channel: channelId };
  const member = interaction.member;
  const displayName =
    member && "displayName" in member
      ? member.displayName
      : (member?.nick ?? interaction.user.globalName ?? interaction.user.username);
  return {
    actor: {
      platform: PLATFORM,
      userId,
      displayName,
      // The arena decides what this allows; the adapter only reports what Discord says.
      isCommunityAdmin: interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false,
    },
    place,
  };
}

/** Where to post for a place: its thread when it has one, else its channel. */
export function targetChannelId(place: Place): string {
  return place.thread ?? place.channel;
}
