import { z } from "zod";
import { privateReply } from "../src/arena/engine.ts";
import { categoryInput as category } from "./options.ts";
import type { Command } from "./types.ts";

const input = z.discriminatedUnion("subcommand", [
  z.object({
    subcommand: z.literal("subscribe"),
    category,
    every: z.number().int().min(1).max(100_000).optional(),
  }),
  z.object({ subcommand: z.literal("unsubscribe"), category }),
  z.object({
    subcommand: z.literal("window"),
    minutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60),
  }),
  z.object({ subcommand: z.literal("voters"), who: z.enum(["everyone", "moderators"]) }),
]);

export const arenaCommand: Command<z.output<typeof input>> = {
  data: {
    name: "arena",
    description: "Arena settings for this channel (moderators)",
    permission: "moderator",
    subcommands: [
      {
        name: "subscribe",
        description: "Post leaderboard updates in this channel",
        options: [
          {
            name: "category",
            description: "Which leaderboard (default overall)",
            type: "string",
            required: false,
            autocomplete: "category",
          },
          {
            name: "every",
            description: "Also post every N counted battles",
            type: "integer",
            required: false,
            minValue: 1,
          },
        ],
      },
      {
        name: "unsubscribe",
        description: "Stop leaderboard updates in this channel",
        options: [
          {
            name: "category",
            description: "Which leaderboard (default overall)",
            type: "string",
            required: false,
          },
        ],
      },
      {
        name: "window",
        description: "How long new battles in this channel take votes",
        options: [
          {
            name: "minutes",
            description: "1 to 10080",
            type: "integer",
            required: true,
            minValue: 1,
            maxValue: 10080,
          },
        ],
      },
      {
        name: "voters",
        description: "Who may vote in this channel",
        options: [
          {
            name: "who",
            description: "everyone or moderators",
            type: "string",
            required: true,
            choices: [
              { name: "Everyone", value: "everyone" },
              { name: "Moderators only", value: "moderators" },
            ],
          },
        ],
      },
    ],
  },
  input,
  execute: async (ctx, options, { arena }) => {
    switch (options.subcommand) {
      case "subscribe": {
        const every = options.every ?? arena.settings.publishEveryBattles;
        const subscription = await arena.store.subscribe(ctx.place, options.category, every, new Date());
        await arena.audit(ctx, "arena.subscribe", ctx.place.channel, { category: options.category, every });
        return privateReply(
          `This channel now gets ${subscription.category} leaderboard updates when the top 10 changes or every ${every} counted battles.`,
        );
      }
      case "unsubscribe": {
        const removed = await arena.store.unsubscribe(ctx.place, options.category);
        await arena.audit(
          ctx,
          "arena.unsubscribe",
          ctx.place.channel,
          { category: options.category },
          removed,
        );
        return privateReply(
          removed
            ? `No more ${options.category} updates here.`
            : `This channel had no ${options.category} subscription.`,
        );
      }
      case "window":
        return arena.votingWindow(ctx, options.minutes);
      case "voters":
        return arena.whoMayVote(ctx, options.who);
    }
  },
};
