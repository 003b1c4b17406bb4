// The world of the Telegram adapter tests: the Bot API emulator, the scripted fake OpenAI server, a models file
// and a temp SQLite database, wired into a Config the way `arena start` reads it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "../../../src/arena/logger.ts";
import { type Config, loadConfig } from "../../../src/config.ts";
import type { Pacing } from "../../../src/platforms/telegram/sender.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../../fakes/openai/server.ts";
import {
  type BotMessage,
  startTelegramEmulator,
  type TelegramChat,
  type TelegramEmulator,
  type TelegramMessage,
  type TelegramUser,
} from "../../fakes/telegram/index.ts";

export const TOKEN = "424242:telegram-adapter-test-token";

/** Pacing that never makes a test wait, with the same 429 handling as in production. */
export const FAST_PACING: Pacing = {
  perChat: { count: 1000, intervalMs: 1000 },
  overall: { count: 1000, intervalMs: 1000 },
  attempts: 3,
  maxRetryAfterSeconds: 5,
};

export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly details: object;
}

export function recordingLogger(): Logger & { readonly lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (details: object, message: string) =>
    void lines.push({ level, message, details });
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

export interface World {
  readonly telegram: TelegramEmulator;
  readonly openai: FakeOpenAI;
  readonly directory: string;
  /** The configuration `arena start` would read, with `extra` variables on top. */
  config(extra?: Record<string, string>): Config;
  close(): Promise<void>;
}

/** Models: alpha and beta answer normally; leaky names itself and wordy writes thousands of characters
 * (both disabled until a test enables them). */
export async function startWorld(): Promise<World> {
  const [telegram, openai] = await Promise.all([
    startTelegramEmulator({ botToken: TOKEN }),
    startFakeOpenAI(),
  ]);
  const directory = mkdtempSync(join(tmpdir(), "arena-telegram-"));
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
  return {
    telegram,
    openai,
    directory,
    config: (extra = {}) =>
      loadConfig({
        DATABASE_URL: join(directory, `arena-${++databases}.db`),
        ARENA_MODELS: modelsFile,
        ARENA_SECRET: "telegram-adapter-test-secret",
        TELEGRAM_TOKEN: TOKEN,
        TELEGRAM_API_ROOT: telegram.apiRoot,
        LOG_LEVEL: "silent",
        ...extra,
      }),
    async close() {
      await Promise.all([telegram.close(), openai.close()]);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** The callback_data of the button whose label contains `label`. */
export function buttonData(message: BotMessage | undefined, label: string): string {
  const button = message?.replyMarkup?.inline_keyboard
    .flat()
    .find((candidate) => candidate.text.includes(label));
  if (!button?.callback_data)
    throw new Error(`no button labelled "${label}" on message ${message?.messageId}`);
  return button.callback_data;
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
