// Answers one interaction with arena Replies, within Discord's 3-second acknowledgement window: replies directly
// when the work is fast, defers when it is not, and keeps private replies ephemeral whatever happened before.
import {
  type AttachmentBuilder,
  type EmbedBuilder,
  type Message,
  MessageFlags,
  type RepliableInteraction,
} from "discord.js";
import type { Reply } from "../../arena/types.ts";
import { buttonRows, leaderboardPayload, messageParts, replyFiles } from "./render.ts";

type Visibility = Reply["visibility"];

/** Past this, an interaction is deferred (Discord drops unanswered interactions after 3 s). */
export const DEFER_AFTER_MS = 2000;

export interface MessageBody {
  content: string;
  embeds?: EmbedBuilder[];
  files?: AttachmentBuilder[];
  components?: ReturnType<typeof buttonRows>;
}

/** A reply as Discord messages: text parts of ≤ 2,000 characters, the embed, files and buttons on the last. */
export async function messageBodies(reply: Reply): Promise<MessageBody[]> {
  const leaderboard = reply.leaderboard ? await leaderboardPayload(reply.leaderboard) : null;
  const parts = messageParts(reply.text);
  if (parts.length === 0) parts.push("…");
  const extras: Omit<MessageBody, "content"> = {
    ...(leaderboard ? { embeds: leaderboard.embeds } : {}),
    files: [...replyFiles(reply), ...(leaderboard?.files ?? [])],
    components: buttonRows(reply.buttons),
  };
  return parts.map((content, index) => (index === parts.length - 1 ? { content, ...extras } : { content }));
}

export function flagsOf(visibility: Visibility): MessageFlags.Ephemeral | undefined {
  return visibility === "private" ? MessageFlags.Ephemeral : undefined;
}

export class Responder {
  private deferredAs: Visibility | null = null;
  private deferring: Promise<unknown> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private answered = false;

  constructor(readonly interaction: RepliableInteraction) {}

  /** Defers if nothing was sent within `ms`; `visibility` is the best guess of the coming reply's. */
  deferAfter(visibility: Visibility, ms = DEFER_AFTER_MS): void {
    this.timer = setTimeout(() => {
      this.defer(visibility).catch(() => {
        // The send that follows reports the failure through the handler's error boundary.
      });
    }, ms);
  }

  defer(visibility: Visibility): Promise<unknown> {
    this.cancelTimer();
    if (!this.deferring) {
      this.deferredAs = visibility;
      const flags = flagsOf(visibility);
      this.deferring = this.interaction.deferReply(flags ? { flags } : {});
    }
    return this.deferring;
  }

  cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** True once Discord has had an initial response (a reply, a defer, a modal, an update). */
  get acknowledged(): boolean {
    return this.deferring !== null || this.interaction.replied || this.interaction.deferred;
  }

  /** Sends the reply; returns the first message posted (the one a battle's thread is opened on). */
  async send(reply: Reply): Promise<Message | null> {
    return this.sendBodies(await messageBodies(reply), reply.visibility);
  }

  async sendBodies(bodies: readonly MessageBody[], visibility: Visibility): Promise<Message | null> {
    this.cancelTimer();
    if (this.deferring) await this.deferring;
    const flags = flagsOf(visibility);
    const interaction = this.interaction;
    let first: Message | null = null;
    for (const body of bodies) {
      let message: Message | null;
      if (!interaction.deferred && !interaction.replied) {
        const response = await interaction.reply({
          ...body,
          ...(flags ? { flags } : {}),
          withResponse: true,
        });
        message = response.resource?.message ?? null;
      } else if (!this.answered && this.deferredAs === visibility) {
        message = await interaction.editReply(body);
      } else {
        if (!this.answered && this.deferredAs !== null) {
          // Deferred as public but the answer is private (or the reverse): drop the placeholder.
          await interaction.deleteReply().catch(() => {});
        }
        message = await interaction.followUp({ ...body, ...(flags ? { flags } : {}) });
      }
      this.answered = true;
      first ??= message;
    }
    return first;
  }

  /** One private line, however far the interaction got (the error boundary's message). */
  async tellPrivately(text: string): Promise<void> {
    await this.sendBodies([{ content: text }], "private");
  }
}
