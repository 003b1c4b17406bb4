import { z } from "zod";
import { refusal } from "../src/arena/texts.ts";
import { categoryInput, categoryKey, UNKNOWN_CATEGORY } from "./options.ts";
import type { Command } from "./types.ts";

const input = z.object({
  category: categoryInput,
  chart: z.enum(["ratings", "winfraction", "counts"]).default("ratings"),
});

export const leaderboardCommand: Command<z.output<typeof input>> = {
  data: {
    name: "leaderboard",
    description: "Show the model leaderboard (Bradley–Terry ratings with 95% intervals)",
    scope: "everyone",
    options: [
      {
        name: "category",
        description: "overall (default), coding, long, multiturn, community, French, …",
        type: "string",
        required: false,
        autocomplete: "category",
      },
      {
        name: "chart",
        description: "Which chart to attach",
        type: "string",
        required: false,
        choices: [
          { name: "Ratings with intervals", value: "ratings" },
          { name: "Win-fraction heat map", value: "winfraction" },
          { name: "Battle counts", value: "counts" },
        ],
      },
    ],
  },
  input,
  execute: async (ctx, { category, chart }, { arena }) => {
    const key = categoryKey(category, ctx.place);
    return key === null ? refusal(UNKNOWN_CATEGORY) : arena.leaderboard(ctx, key, chart, 0);
  },
};
