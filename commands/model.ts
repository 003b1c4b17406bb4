import { z } from "zod";
import {
  aliasesSchema,
  apiKeyEnvSchema,
  modelInputSchema,
  modelNameSchema,
} from "../src/arena/model-input.ts";
import type { Command, OptionData } from "./types.ts";

const nameOption: OptionData = {
  name: "name",
  description: "The model's registry name",
  type: "string",
  required: true,
  autocomplete: "model",
};

/** Comma-separated in chat: "GPT-4o, ChatGPT, OpenAI". */
const aliasList = z
  .string()
  .default("")
  .transform((text) =>
    text
      .split(",")
      .map((alias) => alias.trim())
      .filter((alias) => alias !== ""),
  )
  .pipe(aliasesSchema);

const input = z.discriminatedUnion("subcommand", [
  z.object({ subcommand: z.literal("list") }),
  z.object({
    subcommand: z.literal("add"),
    name: modelNameSchema,
    base_url: modelInputSchema.shape.baseUrl,
    model: modelInputSchema.shape.model,
    api_key_env: apiKeyEnvSchema.optional(),
    aliases: aliasList,
    weight: z.number().min(0).max(100).default(1),
  }),
  z.object({ subcommand: z.literal("enable"), name: modelNameSchema }),
  z.object({ subcommand: z.literal("disable"), name: modelNameSchema }),
  z.object({ subcommand: z.literal("remove"), name: modelNameSchema }),
  z.object({ subcommand: z.literal("weight"), name: modelNameSchema, weight: z.number().min(0).max(100) }),
  z.object({ subcommand: z.literal("aliases"), name: modelNameSchema, aliases: aliasList }),
]);

export const modelCommand: Command<z.output<typeof input>> = {
  data: {
    name: "model",
    description: "Manage the models every community of this arena shares (arena owners)",
    scope: "owner",
    subcommands: [
      { name: "list", description: "List the registered models", options: [] },
      {
        name: "add",
        description: "Register an OpenAI-compatible model",
        options: [
          { name: "name", description: "Registry name, e.g. gpt-4o-mini", type: "string", required: true },
          {
            name: "base_url",
            description: "API base URL, e.g. https://api.openai.com/v1",
            type: "string",
            required: true,
          },
          { name: "model", description: "The provider's model id", type: "string", required: true },
          {
            name: "api_key_env",
            description: "NAME of the environment variable that holds the API key (never the key)",
            type: "string",
            required: false,
          },
          {
            name: "weight",
            description: "Pairing weight (default 1)",
            type: "number",
            required: false,
            minValue: 0,
            maxValue: 100,
          },
          {
            name: "aliases",
            description: "Other names that reveal it, comma-separated",
            type: "string",
            required: false,
            rest: true,
          },
        ],
      },
      { name: "enable", description: "Let a model take part in battles again", options: [nameOption] },
      { name: "disable", description: "Stop pairing a model (its ratings stay)", options: [nameOption] },
      {
        name: "remove",
        description: "Remove a model from the registry (its past battles stay)",
        options: [nameOption],
      },
      {
        name: "weight",
        description: "Set how often a model is drawn",
        options: [
          nameOption,
          {
            name: "weight",
            description: "0–100",
            type: "number",
            required: true,
            minValue: 0,
            maxValue: 100,
          },
        ],
      },
      {
        name: "aliases",
        description: "Set the other names that reveal a model (comma-separated)",
        options: [
          nameOption,
          {
            name: "aliases",
            description: "e.g. GPT-4o, ChatGPT",
            type: "string",
            required: false,
            rest: true,
          },
        ],
      },
    ],
  },
  input,
  execute: async (ctx, options, { registry }) => {
    switch (options.subcommand) {
      case "list":
        return registry.list();
      case "add":
        return registry.add(
          ctx,
          modelInputSchema.parse({
            name: options.name,
            baseUrl: options.base_url,
            model: options.model,
            apiKeyEnv: options.api_key_env ?? null,
            aliases: options.aliases,
            weight: options.weight,
          }),
        );
      case "enable":
      case "disable":
        return registry.toggle(ctx, options.name, options.subcommand);
      case "remove":
        return registry.remove(ctx, options.name);
      case "weight":
        return registry.weight(ctx, options.name, options.weight);
      case "aliases":
        return registry.aliases(ctx, options.name, options.aliases);
    }
  },
};
