// Configuration: environment variables (a .env file is read if present) and the optional models file, validated
// with zod. A problem stops start-up with one line per problem; secret values are never echoed.
import { existsSync, readFileSync } from "node:fs";
import { z } from "zod";
import { describeIssues, modelInputSchema } from "./arena/model-input.ts";
import { createModelPolicy, isHostPattern } from "./arena/model-policy.ts";

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
  }
}

/** A comma list whose entries must pass `entry`. */
const commaList = (entry: z.ZodType<string, string>) =>
  z
    .string()
    .optional()
    .transform((text) =>
      (text ?? "")
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item !== ""),
    )
    .pipe(z.array(entry));

const idList = (what: string, pattern: RegExp) =>
  commaList(z.string().regex(pattern, `each entry must look like ${what}`));

/** "0,2-4" → [0, 2, 3, 4]: shard ids as single numbers or inclusive ranges. */
const shardList = z
  .string()
  .trim()
  .regex(
    /^\d+(-\d+)?(\s*,\s*\d+(-\d+)?)*$/,
    "must list shard ids such as 0,1 or 0-3 (numbers from 0, ranges inclusive)",
  )
  .transform((text) => {
    const ids = text.split(",").flatMap((item) => {
      const [from = 0, to = from] = item.split("-").map((bound) => Number(bound.trim()));
      return Array.from({ length: Math.max(0, to - from + 1) }, (_, offset) => from + offset);
    });
    return [...new Set(ids)].sort((x, y) => x - y);
  })
  .optional();

const optionalUrl = (example: string) =>
  z
    .string()
    .trim()
    .url(`must be a URL such as ${example}`)
    .optional()
    .or(z.literal("").transform(() => undefined));

/**
 * Which battles' prompts the web page shows: none ("off"), those of group chats and servers ("public"; never a
 * private chat's), or only those of the listed communities ("telegram:<chatId>", "discord:<guildId>").
 */
export type WebPrompts = "off" | "public" | readonly string[];

const envSchema = z.object({
  DATABASE_URL: z.string().trim().min(1).default("./data/arena.db"),
  ARENA_MODELS: z.string().trim().optional(),
  ARENA_MODERATORS: idList("discord:<userId> or telegram:<userId>", /^(discord|telegram):[0-9]+$/),
  ARENA_HOME: idList(
    "discord:<guildId> or telegram:<chatId> (a group's id is negative)",
    /^(discord:[0-9]+|telegram:-?[0-9]+)$/,
  ),
  ARENA_ALLOWED_HOSTS: commaList(
    z
      .string()
      .refine(
        isHostPattern,
        "each entry must be a host such as api.openai.com, *.example.org or 127.0.0.1:11434",
      ),
  ),
  ARENA_JUDGE_MODEL: z.string().trim().min(1).optional(),
  ARENA_JUDGE_VOTES: z
    .enum(["1", "0", "true", "false", "yes", "no", "on", "off"], {
      error: "must be true or false (1/0, yes/no, on/off)",
    })
    .transform((value) => ["1", "true", "yes", "on"].includes(value))
    .default(false),
  ARENA_JUDGE_REFERENCE: z.string().trim().min(1).optional(),
  ARENA_SECRET: z.string().min(16, "must be at least 16 characters (it keys the voter hashes)").optional(),
  DISCORD_TOKEN: z.string().trim().min(1).optional(),
  DISCORD_GUILD_IDS: idList("a Discord guild id (digits)", /^[0-9]{5,25}$/),
  DISCORD_API_URL: optionalUrl("http://127.0.0.1:3000/api"),
  DISCORD_SHARD_COUNT: z.coerce
    .number({ error: "must be a whole number of shards, 1 or more" })
    .int("must be a whole number of shards, 1 or more")
    .min(1, "must be a whole number of shards, 1 or more")
    .optional(),
  DISCORD_SHARDS: shardList,
  TELEGRAM_TOKEN: z
    .string()
    .trim()
    .regex(/^[0-9]+:[A-Za-z0-9_-]+$/, "must look like 123456:ABC-DEF… as BotFather gives it")
    .optional(),
  TELEGRAM_API_ROOT: optionalUrl("http://127.0.0.1:9000"),
  TELEGRAM_WEBHOOK_URL: optionalUrl("https://bot.example.org/telegram"),
  TELEGRAM_WEBHOOK_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,256}$/, "may contain only A-Z, a-z, 0-9, _ and - (Telegram's rule)")
    .optional(),
  ARENA_WEB_PORT: z.coerce
    .number()
    .int()
    .min(0, "must be a port number, 1-65535 (0 picks a free port)")
    .max(65535, "must be a port number, 1-65535 (0 picks a free port)")
    .optional(),
  ARENA_WEB_HOST: z.string().trim().min(1).default("127.0.0.1"),
  ARENA_WEB_COMMUNITIES: idList(
    "discord:<guildId> or telegram:<chatId> (a group's id is negative)",
    /^(discord:[0-9]+|telegram:-?[0-9]+)$/,
  ),
  ARENA_WEB_PROMPTS: z
    .string()
    .trim()
    .default("off")
    .transform((text): WebPrompts => {
      const lower = text.toLowerCase();
      if (lower === "off" || lower === "public") return lower;
      return text
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item !== "");
    })
    .pipe(
      z.union([
        z.enum(["off", "public"]),
        z.array(
          z
            .string()
            .regex(
              /^(discord:[0-9]+|telegram:-?[0-9]+)$/,
              "must be off, public, or a comma list of discord:<guildId> / telegram:<chatId>",
            ),
        ),
      ]),
    ),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type EnvConfig = z.output<typeof envSchema>;

/**
 * A models-file entry: a registry entry plus how to call it. `reasoning: true` (OpenAI o-series, gpt-5 and the
 * like) sends `max_completion_tokens` instead of `max_tokens` and no `temperature`, which such models refuse.
 */
export const modelsFileEntrySchema = modelInputSchema.extend({ reasoning: z.boolean().default(false) });

export type ModelsFileEntry = z.output<typeof modelsFileEntrySchema>;

export interface Config extends EnvConfig {
  readonly models: readonly ModelsFileEntry[];
}

/** Reads and validates the environment and the models file. Throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty variables count as unset, as in most deployment tools.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ""),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error));
  const config = parsed.data;
  const problems: string[] = [];
  if (!config.ARENA_JUDGE_MODEL && (config.ARENA_JUDGE_VOTES || config.ARENA_JUDGE_REFERENCE)) {
    problems.push("ARENA_JUDGE_MODEL: required with ARENA_JUDGE_VOTES and ARENA_JUDGE_REFERENCE (the judge)");
  }
  if (config.TELEGRAM_WEBHOOK_URL && !config.TELEGRAM_WEBHOOK_PORT) {
    problems.push("TELEGRAM_WEBHOOK_PORT: required with TELEGRAM_WEBHOOK_URL (the local port to listen on)");
  }
  const shardCount = config.DISCORD_SHARD_COUNT;
  if (config.DISCORD_SHARDS && shardCount === undefined) {
    problems.push(
      "DISCORD_SHARD_COUNT: required with DISCORD_SHARDS (the total number of shards over all processes)",
    );
  }
  const outOfRange =
    shardCount === undefined ? [] : (config.DISCORD_SHARDS ?? []).filter((id) => id >= shardCount);
  if (outOfRange.length > 0) {
    problems.push(
      `DISCORD_SHARDS: ${outOfRange.join(", ")} out of range: with DISCORD_SHARD_COUNT=${shardCount} the ids are 0-${(shardCount ?? 1) - 1}`,
    );
  }
  const models = config.ARENA_MODELS ? readModelsFile(config.ARENA_MODELS, problems) : [];
  const hosts = createModelPolicy({ allowedHosts: config.ARENA_ALLOWED_HOSTS });
  models.forEach((model, index) => {
    const problem = hosts.baseUrlProblem(model.baseUrl);
    if (problem) problems.push(`${config.ARENA_MODELS}[${index}].baseUrl: ${problem}`);
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...config, models };
}

function readModelsFile(path: string, problems: string[]): ModelsFileEntry[] {
  if (!existsSync(path)) {
    problems.push(`ARENA_MODELS: no file at ${path}`);
    return [];
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    problems.push(
      `ARENA_MODELS: ${path} is not valid JSON (${error instanceof Error ? error.message : String(error)})`,
    );
    return [];
  }
  const parsed = z
    .array(modelsFileEntrySchema)
    .superRefine((models, ctx) => {
      const seen = new Set<string>();
      models.forEach((model, index) => {
        if (seen.has(model.name))
          ctx.addIssue({ code: "custom", path: [index, "name"], message: `${model.name} appears twice` });
        seen.add(model.name);
      });
    })
    .safeParse(json);
  if (!parsed.success) {
    problems.push(
      ...describeIssues(parsed.error, "ARENA_MODELS").map((line) =>
        line.replace(/^ARENA_MODELS\[/, `${path}[`),
      ),
    );
    return [];
  }
  return parsed.data;
}
