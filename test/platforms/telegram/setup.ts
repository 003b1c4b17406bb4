// The world of the Telegram adapter tests: the Bot API emulator next to the shared arena world (../setup.ts),
// wired into a Config the way `arena start` reads it.
import { createServer } from "node:net";
import type { Logger } from "../../../src/arena/logger.ts";
import { type Config, loadConfig } from "../../../src/config.ts";
import type { ArenaRuntime, RuntimeOptions } from "../../../src/main.ts";
import {
  createTelegramAdapter,
  type TelegramAdapterDependencies,
} from "../../../src/platforms/telegram/index.ts";
import type { Pacing } from "../../../src/platforms/telegram/sender.ts";
import type { FakeOpenAI } from "../../fakes/openai/server.ts";
import {
  type BotMessage,
  startTelegramEmulator,
  type TelegramChat,
  type TelegramEmulator,
  type TelegramMessage,
  type TelegramUser,
} from "../../fakes/telegram/index.ts";
import { type RunningArena, startArenaWorld } from "../setup.ts";

export { buttonData } from "../../fakes/telegram/index.ts";
export { type RecordingLogger, recordingLogger } from "../setup.ts";

export const TOKEN = "424242:telegram-adapter-test-token";

/** Pacing that never makes a test wait, with the same 429 handling as in production. */
export const FAST_PACING: Pacing = {
  perChat: { count: 1000, intervalMs: 1000 },
  overall: { count: 1000, intervalMs: 1000 },
  attempts: 3,
  maxRetryAfterSeconds: 5,
};

export interface ArenaOptions extends Omit<RuntimeOptions, "env"> {
  readonly logger: Logger;
  /** Configuration variables on top of the world's. */
  readonly env?: Record<string, string>;
  /** The process environment the runtime sees (where model keys are looked up); default process.env. */
  readonly runtimeEnv?: NodeJS.ProcessEnv;
  /** Adapter options on top of the token and FAST_PACING. */
  readonly adapter?: Partial<Pick<TelegramAdapterDependencies, "onFatal" | "webhookHost">>;
}

export interface World {
  readonly telegram: TelegramEmulator;
  readonly openai: FakeOpenAI;
  /** The configuration `arena start` would read (a fresh database each call), with `extra` variables on top. */
  config(extra?: Record<string, string>): Config;
  /** The real runtime on `config(options.env)` with the Telegram adapter, both started (stopped by close). */
  startArena(options: ArenaOptions): Promise<RunningArena>;
  /** What `arena start` runs on `config()` (stopped by close). */
  startBot(options: RuntimeOptions): Promise<ArenaRuntime>;
  close(): Promise<void>;
}

/** Models: alpha and beta answer normally; leaky names itself and wordy writes thousands of characters
 * (both disabled until a test enables them). */
export async function startWorld(): Promise<World> {
  const [telegram, arenaWorld] = await Promise.all([
    startTelegramEmulator({ botToken: TOKEN }),
    startArenaWorld("telegram"),
  ]);
  const config = (extra: Record<string, string> = {}) =>
    loadConfig({
      ...arenaWorld.arenaEnvironment(),
      TELEGRAM_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      ...extra,
    });
  return {
    telegram,
    openai: arenaWorld.openai,
    config,
    startArena: ({ env, runtimeEnv, adapter, ...options }) =>
      arenaWorld.startArena(
        config(env),
        runtimeEnv ? { ...options, env: runtimeEnv } : options,
        (dependencies) =>
          createTelegramAdapter({ ...dependencies, token: TOKEN, pacing: FAST_PACING, ...adapter }),
      ),
    startBot: (options) => arenaWorld.startBot(config(), options),
    async close() {
      await arenaWorld.close();
      await telegram.close();
    },
  };
}

export interface BattleView {
  readonly command: TelegramMessage;
  /** The bot's first message of the battle (the prompt). */
  readonly root: BotMessage;
  /** Every bot message of the battle so far (root first). */
  messages(): BotMessage[];
  /** The message carrying the vote buttons. */
  readonly vote: BotMessage;
}

/** A /battle in a group or private chat (a reply chain): waits for the vote buttons, or for `until`. */
export async function battleInPlace(
  telegram: TelegramEmulator,
  user: TelegramUser,
  chat: TelegramChat,
  prompt: string,
  until: (message: BotMessage) => boolean = (message) => message.replyMarkup !== undefined,
): Promise<BattleView> {
  const command = await telegram.sendCommand(user, chat, `/battle ${prompt}`);
  const root = await telegram.waitFor(() =>
    telegram.botMessages(chat.id).find((message) => message.replyToMessageId === command.message_id),
  );
  const messages = () =>
    telegram
      .botMessages(chat.id)
      .filter(
        (message) => message.messageId === root.messageId || message.replyToMessageId === root.messageId,
      );
  const vote = await telegram.waitFor(() => messages().find(until), 10_000);
  return { command, root, messages, vote };
}

/** A port nobody listens on right now (the config needs the port before the adapter binds it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** The variables of webhook mode on a free port of 127.0.0.1. */
export async function webhookEnvironment(): Promise<Record<string, string>> {
  const port = await freePort();
  return {
    TELEGRAM_WEBHOOK_URL: `http://127.0.0.1:${port}/telegram/updates`,
    TELEGRAM_WEBHOOK_PORT: String(port),
  };
}
