// What a model entry must look like, wherever it comes from: the models file, `/model add`, `arena models add`.
import { z } from "zod";

export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/+-]{0,63}$/;
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

const looksLikeAKey = (value: string) => /^(sk-|sk_|gsk_|xai-|AIza)|^[A-Za-z0-9_-]{40,}$/.test(value);

export const modelNameSchema = z
  .string()
  .trim()
  .regex(
    MODEL_NAME_PATTERN,
    "a model name is 1–64 letters, digits and . _ : / + - (starting with a letter or digit)",
  );

export const apiKeyEnvSchema = z
  .string()
  .trim()
  .refine((value) => !looksLikeAKey(value), {
    message:
      "apiKeyEnv is the NAME of an environment variable holding the key (e.g. ARENA_KEY_OPENAI), never the key itself",
  })
  .refine((value) => ENV_NAME_PATTERN.test(value), {
    message: "apiKeyEnv must be an environment variable name: letters, digits and underscores",
  });

export const aliasesSchema = z
  .array(z.string().trim().min(2, "an alias has at least 2 characters").max(64))
  .max(32);

export const modelInputSchema = z
  .object({
    name: modelNameSchema,
    baseUrl: z
      .string()
      .trim()
      .url("baseUrl must be a URL such as https://api.openai.com/v1")
      .refine((value) => /^https?:\/\//.test(value), {
        message: "baseUrl must start with http:// or https://",
      }),
    model: z.string().trim().min(1, "model (the provider's model id) is required").max(200),
    apiKeyEnv: apiKeyEnvSchema.nullable().default(null),
    aliases: aliasesSchema.default([]),
    weight: z.number().min(0).max(100).default(1),
    enabled: z.boolean().default(true),
    maxTokens: z.number().int().min(1).max(1_000_000).default(1024),
    temperature: z.number().min(0).max(2).default(0.7),
    systemPrompt: z.string().max(20_000).nullable().default(null),
  })
  .strict();

export type ModelInputFields = z.output<typeof modelInputSchema>;

/** One line per problem, naming the field: "models[2].baseUrl: baseUrl must be a URL …". */
export function describeIssues(error: z.ZodError, prefix = ""): string[] {
  return error.issues.map((issue) => {
    const path = issue.path
      .map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`))
      .join("");
    const where = `${prefix}${path}`.replace(/^\./, "");
    return where ? `${where}: ${issue.message}` : issue.message;
  });
}
