// Wiring: configuration → store → model client → arena → platform adapters.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import pino from "pino";
import type { CommandServices } from "../commands/index.ts";
import { Arena, DEFAULT_SETTINGS } from "./arena/engine.ts";
import type { JudgeSettings } from "./arena/judge.ts";
import type { Logger } from "./arena/logger.ts";
import type { ModelClient } from "./arena/model-client.ts";
import { createModelPolicy } from "./arena/model-policy.ts";
import { Registry } from "./arena/registry.ts";
import { createRedactor } from "./arena/secrets.ts";
import type { ArenaStore } from "./arena/store.ts";
import { type Config, ConfigError } from "./config.ts";
import type { PlatformAdapter } from "./platforms/adapter.ts";
import { createOpenAIModelClient } from "./providers/openai-client.ts";
import { databaseFilename, isPostgresUrl, openStore } from "./store/index.ts";
import type { WebServer } from "./web/server.ts";

/**
 * The bot's logger: JSON lines on stdout, or on `destination` (the sandbox writes them to a file). Every line is
 * passed through the redactor of `secrets` (their URL-encoded, base64, split and prefix forms too).
 */
export function createLogger(
  level: string,
  destination?: pino.DestinationStream,
  secrets: Iterable<string | undefined> = [],
): pino.Logger {
  const redact = createRedactor(secrets);
  const options: pino.LoggerOptions = {
    level,
    hooks: { streamWrite: redact },
    // Tokens and keys never reach a log line, whatever a library puts in an error object.
    redact: {
      paths: [
        "token",
        "apiKey",
        "authorization",
        "*.token",
        "*.apiKey",
        "*.authorization",
        "headers.authorization",
      ],
      censor: "[secret]",
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Every secret of this deployment: platform tokens, the webhook and voter secrets, the models' API keys. */
export function deploymentSecrets(config: Config, env: NodeJS.ProcessEnv): string[] {
  const keys = config.models.flatMap((model) => (model.apiKeyEnv === null ? [] : [env[model.apiKeyEnv]]));
  return [
    config.DISCORD_TOKEN,
    config.TELEGRAM_TOKEN,
    config.TELEGRAM_WEBHOOK_SECRET,
    config.ARENA_SECRET,
    ...keys,
  ].filter((secret): secret is string => secret !== undefined && secret.trim() !== "");
}

/**
 * The voter-hash key: ARENA_SECRET, else a random key kept beside the database (created once, mode 0600). On
 * PostgreSQL the processes sharing the database may run on several machines and must hash voters alike (or one
 * voter could vote twice through two processes): ARENA_SECRET is required there.
 */
export function voterKey(config: Config): string {
  if (config.ARENA_SECRET) return config.ARENA_SECRET;
  if (isPostgresUrl(config.DATABASE_URL)) {
    throw new ConfigError([
      "ARENA_SECRET: required with a PostgreSQL DATABASE_URL (every process must hash voters with the same key)",
    ]);
  }
  const filename = databaseFilename(config.DATABASE_URL);
  if (filename === ":memory:") return randomBytes(32).toString("base64url");
  const keyFile = join(dirname(filename), "arena.secret");
  if (existsSync(keyFile)) return readFileSync(keyFile, "utf8").trim();
  mkdirSync(dirname(keyFile), { recursive: true });
  writeFileSync(keyFile, randomBytes(32).toString("base64url"), { mode: 0o600 });
  chmodSync(keyFile, 0o600);
  return readFileSync(keyFile, "utf8").trim();
}

/**
 * The judge model's settings, or undefined without ARENA_JUDGE_MODEL. The judge and the reference must be
 * registered models (the judge's endpoint and key are those of its registry entry): otherwise start-up stops.
 */
export async function judgeSettings(store: ArenaStore, config: Config): Promise<JudgeSettings | undefined> {
  if (!config.ARENA_JUDGE_MODEL) return undefined;
  const registered = (await store.listModels()).map((model) => model.name);
  const problems: string[] = [];
  const known = registered.length > 0 ? registered.join(", ") : "none";
  for (const [variable, name] of [
    ["ARENA_JUDGE_MODEL", config.ARENA_JUDGE_MODEL],
    ["ARENA_JUDGE_REFERENCE", config.ARENA_JUDGE_REFERENCE],
  ] as const) {
    if (name !== undefined && !registered.includes(name)) {
      problems.push(`${variable}: no registered model is named "${name}" (registered: ${known})`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    model: config.ARENA_JUDGE_MODEL,
    votes: config.ARENA_JUDGE_VOTES,
    reference: config.ARENA_JUDGE_REFERENCE ?? null,
  };
}

/** Upserts the models file into the registry; returns how many entries it had. */
export async function upsertConfiguredModels(store: ArenaStore, config: Config): Promise<number> {
  // How a model is called (reasoning) is the models file's alone; the registry keeps what battles need.
  for (const { reasoning: _howToCall, ...model } of config.models) await store.upsertModel(model, "config");
  return config.models.length;
}

export interface BotRuntime extends ArenaRuntime {
  /** Resolves when an adapter can no longer work (e.g. Telegram refused polling): the process should stop. */
  readonly fatal: Promise<Error>;
  /** The public leaderboard page, when ARENA_WEB_PORT is set. */
  readonly web: WebServer | null;
}

export interface ArenaRuntime {
  readonly arena: Arena;
  readonly services: CommandServices;
  readonly store: ArenaStore;
  readonly logger: Logger;
  stop(): Promise<void>;
}

export interface RuntimeOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly logger?: Logger;
  readonly modelClient?: ModelClient;
  readonly tickMilliseconds?: number;
  /** Owners on top of ARENA_MODERATORS, e.g. "cli:<user>" for whoever runs the command line. */
  readonly owners?: readonly string[];
}

/** Opens the store, upserts configured models and builds the arena; no platform is started. */
export async function createRuntime(config: Config, options: RuntimeOptions = {}): Promise<ArenaRuntime> {
  const env = options.env ?? process.env;
  const logger = options.logger ?? createLogger(config.LOG_LEVEL, undefined, deploymentSecrets(config, env));
  const hashKey = voterKey(config);
  const store = await openStore(config.DATABASE_URL, {
    logger: { info: (message) => logger.info({}, message) },
  });
  await upsertConfiguredModels(store, config);
  let judge: JudgeSettings | undefined;
  try {
    judge = await judgeSettings(store, config);
  } catch (error) {
    await store.close();
    throw error;
  }
  const arena = new Arena({
    ...(judge ? { judge } : {}),
    store,
    models:
      options.modelClient ??
      createOpenAIModelClient({
        env,
        logger,
        reasoningModels: new Set(config.models.filter((model) => model.reasoning).map((model) => model.name)),
      }),
    logger,
    settings: {
      ...DEFAULT_SETTINGS,
      ...(options.tickMilliseconds ? { tickMilliseconds: options.tickMilliseconds } : {}),
      trust: {
        owners: new Set([...config.ARENA_MODERATORS, ...(options.owners ?? [])]),
        homes: new Set(config.ARENA_HOME),
      },
      voterKey: hashKey,
    },
    modelPolicy: createModelPolicy({
      declaredKeyNames: config.models.flatMap((model) => (model.apiKeyEnv === null ? [] : [model.apiKeyEnv])),
      allowedHosts: config.ARENA_ALLOWED_HOSTS,
    }),
  });
  for (const model of await store.listModels()) {
    const refused = arena.endpointRefusal(model);
    if (refused)
      logger.warn({ model: model.name, problem: refused }, "a registered model will never be called");
  }
  const services: CommandServices = { arena, registry: new Registry(arena, env) };
  return {
    arena,
    services,
    store,
    logger,
    async stop() {
      await arena.stop();
      await store.close();
    },
  };
}

/** The read-only leaderboard site on ARENA_WEB_HOST:ARENA_WEB_PORT; null when no port is configured. */
export async function startConfiguredWeb(config: Config, runtime: ArenaRuntime): Promise<WebServer | null> {
  if (config.ARENA_WEB_PORT === undefined) return null;
  const { startWebServer } = await import("./web/server.ts");
  return startWebServer({
    host: config.ARENA_WEB_HOST,
    port: config.ARENA_WEB_PORT,
    source: runtime.arena,
    policy: { prompts: config.ARENA_WEB_PROMPTS, communities: config.ARENA_WEB_COMMUNITIES },
    logger: runtime.logger,
  });
}

/** `arena start`: every platform whose token is set, and the web page when ARENA_WEB_PORT is set. */
export async function startBot(config: Config, options: RuntimeOptions = {}): Promise<BotRuntime> {
  if (!config.DISCORD_TOKEN && !config.TELEGRAM_TOKEN) {
    throw new ConfigError([
      "No platform is configured: set DISCORD_TOKEN (a Discord bot token) and/or TELEGRAM_TOKEN (from @BotFather), then start again.",
    ]);
  }
  const runtime = await createRuntime(config, options);
  const adapters: PlatformAdapter[] = [];
  let web: WebServer | null = null;
  let reportFatal: (error: Error) => void = () => {};
  const fatal = new Promise<Error>((resolve) => {
    reportFatal = resolve;
  });
  const dependencies = {
    arena: runtime.arena,
    services: runtime.services,
    logger: runtime.logger,
    onFatal: (error: Error) => reportFatal(error),
  };
  try {
    if (config.DISCORD_TOKEN) {
      const { createDiscordAdapter } = await import("./platforms/discord/index.ts");
      adapters.push(createDiscordAdapter({ ...dependencies, config, token: config.DISCORD_TOKEN }));
    }
    if (config.TELEGRAM_TOKEN) {
      const { createTelegramAdapter } = await import("./platforms/telegram/index.ts");
      adapters.push(createTelegramAdapter({ ...dependencies, config, token: config.TELEGRAM_TOKEN }));
    }
    // Interrupted battles are found before any update is taken (a backlog may start new ones at once), and
    // their threads are told once the adapters are listening.
    await runtime.arena.recover(adapters.map((adapter) => adapter.platform));
    for (const adapter of adapters) await adapter.start();
    await runtime.arena.start();
    web = await startConfiguredWeb(config, runtime);
  } catch (error) {
    await web?.close().catch(() => {});
    for (const adapter of adapters) await adapter.stop().catch(() => {});
    await runtime.stop();
    throw error;
  }
  runtime.logger.info({ platforms: adapters.map((adapter) => adapter.platform) }, "arena bot started");
  return {
    ...runtime,
    fatal,
    web,
    async stop() {
      // The page first (it only reads); then the arena: answers still being generated are posted while the
      // adapters are connected.
      await web?.close().catch(() => {});
      await runtime.arena.stop();
      for (const adapter of adapters) await adapter.stop().catch(() => {});
      await runtime.stop();
    },
  };
}
