// What the Discord and Telegram adapter tests share: the scripted fake OpenAI server, a models file of fake
// personas, temp SQLite files, and the real arena runtime started on them (with an adapter, or as `arena start`
// runs it). Each platform's setup.ts adds its own fake of the platform and its configuration variables.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import type { Logger } from "../../src/arena/logger.ts";
import type { Config } from "../../src/config.ts";
import { type ArenaRuntime, createRuntime, type RuntimeOptions, startBot } from "../../src/main.ts";
import type { AdapterDependencies, PlatformAdapter } from "../../src/platforms/adapter.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai/server.ts";

export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly details: object;
}

export type RecordingLogger = Logger & { readonly lines: LogLine[] };

/** A logger that keeps every line, so tests can check what was logged (and that no secret was). */
export function recordingLogger(): RecordingLogger {
  const lines: LogLine[] = [];
  const at = (level: string) => (details: object, message: string) =>
    void lines.push({ level, message, details });
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** What an adapter needs of the runtime it runs on. */
export type RuntimeDependencies = AdapterDependencies & { readonly config: Config };

export interface RunningArena {
  readonly runtime: ArenaRuntime;
  /** Stops the adapter and starts a new one on the same runtime, as a restart of the bot process would. */
  restartAdapter(): Promise<void>;
}

export interface ArenaWorld {
  readonly openai: FakeOpenAI;
  readonly directory: string;
  /** The variables `arena start` reads for the models and the database: a fresh database file each call. */
  arenaEnvironment(): Record<string, string>;
  /** The real runtime on `config` and the adapter `newAdapter` makes for it, both started (stopped by close). */
  startArena(
    config: Config,
    options: RuntimeOptions & { readonly logger: Logger },
    newAdapter: (dependencies: RuntimeDependencies) => PlatformAdapter,
  ): Promise<RunningArena>;
  /** What `arena start` runs (stopped by close). */
  startBot(config: Config, options: RuntimeOptions): Promise<ArenaRuntime>;
  /** Stops every adapter and runtime started on this world, the fake model server, and removes the files. */
  close(): Promise<void>;
}

/** Models: alpha and beta answer normally; leaky names itself and wordy writes thousands of characters
 * (both disabled until a test enables them). `platform` names the temp directory and the voter secret. */
export async function startArenaWorld(platform: string): Promise<ArenaWorld> {
  const openai = await startFakeOpenAI();
  const directory = mkdtempSync(join(tmpdir(), `arena-${platform}-`));
  const model = (name: string, persona: string, enabled: boolean) => ({
    name,
    baseUrl: openai.url,
    model: persona,
    enabled,
    maxTokens: 512,
  });
  const modelsFile = join(directory, "models.json");
  writeFileSync(
    modelsFile,
    JSON.stringify([
      model("alpha", "fake-terse", true),
      model("beta", "fake-pirate", true),
      model("leaky", "fake-leaky", false),
      model("wordy", "fake-long", false),
    ]),
  );
  let databases = 0;
  // Stopped last-started first: adapters before the runtime they run on.
  const stops: Array<() => Promise<void>> = [];
  return {
    openai,
    directory,
    arenaEnvironment: () => ({
      DATABASE_URL: join(directory, `arena-${++databases}.db`),
      ARENA_MODELS: modelsFile,
      ARENA_SECRET: `${platform}-adapter-test-secret`,
      LOG_LEVEL: "silent",
    }),
    async startArena(config, options, newAdapter) {
      const runtime = await createRuntime(config, options);
      stops.push(() => runtime.stop());
      const dependencies = {
        arena: runtime.arena,
        services: runtime.services,
        logger: options.logger,
        config,
      };
      let adapter = newAdapter(dependencies);
      stops.push(() => adapter.stop());
      await runtime.arena.start();
      await adapter.start();
      return {
        runtime,
        async restartAdapter() {
          await adapter.stop();
          adapter = newAdapter(dependencies);
          await adapter.start();
        },
      };
    },
    async startBot(config, options) {
      const bot = await startBot(config, options);
      stops.push(() => bot.stop());
      return bot;
    },
    async close() {
      for (const stop of stops.reverse()) await stop();
      await openai.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export interface BotUnderTest<W> {
  readonly world: W;
  /** What `startBot` returned. */
  readonly bot: ArenaRuntime;
  readonly logger: RecordingLogger;
}

/** `arena start` on a world of `startWorld`, started before the enclosing describe's tests and closed after
 * them; read its fields inside the tests. */
export function startBotBeforeAll<
  W extends { startBot(options: RuntimeOptions): Promise<ArenaRuntime>; close(): Promise<void> },
>(startWorld: () => Promise<W>): BotUnderTest<W> {
  const logger = recordingLogger();
  let world: W | undefined;
  let bot: ArenaRuntime | undefined;
  beforeAll(async () => {
    world = await startWorld();
    bot = await world.startBot({ logger });
  });
  afterAll(() => world?.close());
  return {
    get world() {
      if (!world) throw new Error("the world is not started (read it inside a test)");
      return world;
    },
    get bot() {
      if (!bot) throw new Error("the bot is not started (read it inside a test)");
      return bot;
    },
    logger,
  };
}
