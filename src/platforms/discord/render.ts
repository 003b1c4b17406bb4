// The arena's platform-neutral replies as Discord message payloads: button rows, leaderboard embeds and charts,
// answers split at Discord's 2,000-character limit.
import {
  ActionRowBuilder,
  AttachmentBuilder,
  ButtonBuilder,
  ButtonStyle,
  EmbedBuilder,
  type MessageActionRowComponentBuilder,
} from "discord.js";
import type { Attachment, ButtonSpec, LeaderboardView, Reply, Side } from "../../arena/types.ts";
import { answerBody, answerHeading } from "../../render/battle-text.ts";
import { leaderboardPages, renderViewChart, splitMessage } from "../../render/index.ts";

export const DISCORD_MESSAGE_LIMIT = 2000;
/** The arena pages leaderboards by this many models; one embed page shows the same slice. */
const EMBED_PAGE_SIZE = 20;
const EMBED_COLOR = 0x5865f2;

const BUTTON_STYLES: Record<ButtonSpec["style"], ButtonStyle> = {
  primary: ButtonStyle.Primary,
  secondary: ButtonStyle.Secondary,
  success: ButtonStyle.Success,
  danger: ButtonStyle.Danger,
};

/** Rows of the arena's buttons as action rows; payloads go through unchanged as custom_id. */
export function buttonRows(
  rows: readonly (readonly ButtonSpec[])[] | undefined,
): ActionRowBuilder<MessageActionRowComponentBuilder>[] {
  return (rows ?? [])
    .filter((row) => row.length > 0)
    .map((row) =>
      new ActionRowBuilder<MessageActionRowComponentBuilder>().addComponents(
        row.map((button) =>
          new ButtonBuilder()
            .setCustomId(button.id)
            .setLabel(button.label)
            .setStyle(BUTTON_STYLES[button.style]),
        ),
      ),
    );
}

/** Text cut into messages of at most 2,000 characters, code fences kept whole. */
export function messageParts(text: string): string[] {
  return splitMessage(text, DISCORD_MESSAGE_LIMIT).filter((part) => part.trim() !== "");
}

/** "**Model A**" and the answer, split so that no part (the header included) passes the limit. */
export function answerParts(side: Side, turn: number, answer: string): string[] {
  return messageParts(`**${answerHeading(side, turn)}**\n${answerBody(answer)}`);
}

export interface LeaderboardPayload {
  readonly embeds: EmbedBuilder[];
  readonly files: AttachmentBuilder[];
}

/** One embed page (within 25 fields and 6,000 characters) and the chart the view asks for as a PNG attachment. */
export async function leaderboardPayload(view: LeaderboardView): Promise<LeaderboardPayload> {
  const pages = leaderboardPages(view.board, {
    pageSize: EMBED_PAGE_SIZE,
    category: view.categoryLabel,
    minBattles: view.minBattles,
  });
  const page = pages[Math.min(view.page, pages.length - 1)] ?? pages[0];
  const embed = new EmbedBuilder().setColor(EMBED_COLOR).setTimestamp(view.computedAt);
  if (page) {
    embed.setTitle(page.title).setDescription(page.description);
    if (page.fields.length > 0) embed.addFields(page.fields.map((field) => ({ ...field })));
    if (page.footer) embed.setFooter({ text: page.footer });
  }
  const chart = await renderViewChart(view);
  if (!chart) return { embeds: [embed], files: [] };
  embed.setImage(`attachment://${chart.name}`);
  return { embeds: [embed], files: attachmentFiles([chart]) };
}

/** The attachments a reply carries itself (besides a leaderboard chart). */
export function replyFiles(reply: Reply): AttachmentBuilder[] {
  return attachmentFiles(reply.attachments ?? []);
}

function attachmentFiles(attachments: readonly Attachment[]): AttachmentBuilder[] {
  return attachments.map(
    (attachment) =>
      new AttachmentBuilder(Buffer.from(attachment.data), {
        name: attachment.name,
        ...(attachment.description ? { description: attachment.description } : {}),
      }),
  );
}
