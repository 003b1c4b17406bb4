// The sandbox's default models: the fake OpenAI server's personas, registered under names that look like
// model names. Names and aliases avoid ordinary words ("long", "pirate") because the arena refuses prompts and
// discards battles that name a model; the leaky one's aliases make its "As Claude…" a visible leak.
import { writeFileSync } from "node:fs";
import type { z } from "zod";
import type { modelInputSchema } from "../arena/model-input.ts";

export interface SandboxModel {
  readonly name: string;
  readonly persona: string;
  readonly aliases: readonly string[];
}

export const SANDBOX_MODELS: readonly SandboxModel[] = [
  { name: "terse-7b", persona: "fake-terse", aliases: ["TerseBot"] },
  { name: "thorough-13b", persona: "fake-thorough", aliases: ["ThoroughBot"] },
  { name: "pirate-70b", persona: "fake-pirate", aliases: ["PirateBot"] },
  { name: "wordy-8b", persona: "fake-long", aliases: ["WordyBot"] },
  { name: "leaky-3b", persona: "fake-leaky", aliases: ["Claude", "Anthropic"] },
];

/** Writes the models file (ARENA_MODELS format) pointing every persona at the fake server. */
export function writeSandboxModels(path: string, baseUrl: string): void {
  const entries = SANDBOX_MODELS.map(
    (model): z.input<typeof modelInputSchema> => ({
      name: model.name,
      baseUrl,
      model: model.persona,
      aliases: [...model.aliases],
      maxTokens: 1024,
    }),
  );
  writeFileSync(path, `${JSON.stringify(entries, null, 2)}\n`);
}
