import { z } from "zod";
import { refusal } from "../src/arena/texts.ts";
import { categoryInput as category, categoryKey, UNKNOWN_CATEGORY } from "./options.ts";
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
    description: "Arena settings for this channel (this community's moderators)",
    scope: "community",
    subcommands: [
      {
        name: "subscribe",
        description: "Post leaderboard updates in this channel",
        options: [
          {
            name: "category",
            description: "overall (default), coding, community, French, …",
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
            description: "overall (default), coding, community, French, …",
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
      case "subscribe":
      case "unsubscribe": {
        const key = categoryKey(options.category, ctx.place);
        if (key === null) return refusal(UNKNOWN_CATEGORY);
        return options.subcommand === "subscribe"
          ? arena.subscribe(ctx, key, options.every ?? arena.settings.publishEveryBattles)
          : arena.unsubscribe(ctx, key);
      }
      case "window":
        return arena.votingWindow(ctx, options.minutes);
      case "voters":
        return arena.whoMayVote(ctx, options.who);
    }
  },
};
