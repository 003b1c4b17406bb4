import { z } from "zod";
import { PROMPT_MAX_CHARS } from "../src/arena/prompt.ts";
import type { Command } from "./types.ts";

const input = z.object({ prompt: z.string().default("") });

export const battleCommand: Command<z.output<typeof input>> = {
  data: {
    name: "battle",
    description:
      "Start an anonymous battle: two random models answer your prompt, you vote for the better one",
    scope: "everyone",
    options: [
      {
        name: "prompt",
        description: "What to ask both models",
        type: "string",
        required: true,
        maxLength: PROMPT_MAX_CHARS,
        rest: true,
      },
    ],
  },
  input,
  // The prompt's own rules (empty, too long, naming a model) live in the engine, so every platform shares them.
  execute: (ctx, { prompt }, { arena }) => arena.startBattle(ctx, prompt),
};
