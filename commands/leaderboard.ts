import { z } from "zod";
import { refusal } from "../src/arena/texts.ts";
import { categoryInput, categoryKey, UNKNOWN_CATEGORY } from "./options.ts";
import type { Command } from "./types.ts";

const input = z.object({
  category: categoryInput,
  chart: z.enum(["ratings", "winfraction", "counts"]).default("ratings"),
  view: z.enum(["default", "style", "judge"]).default("default"),
  dedup: z.number().min(0).max(1).optional(),
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
      {
        name: "view",
        description:
          "Which board: human votes, human votes with style controlled, or the judge model's votes",
        type: "string",
        required: false,
        choices: [
          { name: "Human votes", value: "default" },
          { name: "Style controlled (length and markdown held equal)", value: "style" },
          { name: "Judge model's votes", value: "judge" },
        ],
      },
      {
        name: "dedup",
        description:
          "Down-sample frequent prompts: keep at most this quantile's count per prompt (e.g. 0.99)",
        type: "number",
        required: false,
        minValue: 0,
        maxValue: 1,
      },
    ],
  },
  input,
  execute: async (ctx, { category, chart, view, dedup }, { arena }) => {
    const key = categoryKey(category, ctx.place);
    if (key === null) return refusal(UNKNOWN_CATEGORY);
    if (view === "judge" && dedup !== undefined) {
      return refusal("Deduplication applies to the human boards; leave out dedup for the judge board.");
    }
    return arena.leaderboard(ctx, key, chart, 0, {
      ...(view === "default" ? {} : { variant: view }),
      ...(dedup === undefined ? {} : { dedup }),
    });
  },
};
