// The world of the Discord adapter tests: the fake Discord, the scripted fake OpenAI server, a models file
// and a temp SQLite database, wired into a Config the way `arena start` reads it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "../../../src/arena/logger.ts";
import { type Config, loadConfig } from "../../../src/config.ts";
import { type FakeDiscord, type FakeMessage, startFakeDiscord } from "../../fakes/discord/index.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../../fakes/openai/server.ts";

export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly details: object;
}

/** A logger that keeps every line, so tests can check what was logged (and that no secret was). */
export function recordingLogger(): Logger & { readonly lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (details: object, message: string) =>
    void lines.push({ level, message, details });
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

export interface World {
  readonly discord: FakeDiscord;
  readonly openai: FakeOpenAI;
  readonly config: Config;
  readonly directory: string;
  close(): Promise<void>;
}

/** Models: alpha and beta answer normally; leaky names itself, wordy writes several thousand characters. */
export async function startWorld(): Promise<World> {
  const [discord, openai] = await Promise.all([startFakeDiscord(), startFakeOpenAI()]);
  const directory = mkdtempSync(join(tmpdir(), "arena-discord-"));
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
  const config = loadConfig({
    DATABASE_URL: join(directory, "arena.db"),
    ARENA_MODELS: modelsFile,
    ARENA_SECRET: "discord-adapter-test-secret",
    DISCORD_TOKEN: discord.botToken,
    DISCORD_API_URL: discord.apiUrl,
    DISCORD_GUILD_IDS: discord.guild.id,
    LOG_LEVEL: "silent",
  });
  return {
    discord,
    openai,
    config,
    directory,
    async close() {
      await Promise.all([discord.close(), openai.close()]);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Message texts of a channel or thread, oldest first. */
export function contents(discord: FakeDiscord, channelId: string): string[] {
  return discord.messages(channelId).map((message) => message.content);
}

/** The custom ids of a message's buttons, row by row. */
export function buttonIds(message: FakeMessage | undefined): string[][] {
  const rows = (message?.components ?? []) as Array<{ components?: Array<{ custom_id?: string }> }>;
  return rows.map((row) => (row.components ?? []).map((button) => button.custom_id ?? ""));
}

export function buttonLabels(message: FakeMessage | undefined): string[] {
  const rows = (message?.components ?? []) as Array<{ components?: Array<{ label?: string }> }>;
  return rows.flatMap((row) => (row.components ?? []).map((button) => button.label ?? ""));
}

/** The custom id of the button whose label contains `label`. */
export function buttonId(message: FakeMessage | undefined, label: string): string {
  const rows = (message?.components ?? []) as Array<{
    components?: Array<{ custom_id?: string; label?: string }>;
  }>;
  const found = rows.flatMap((row) => row.components ?? []).find((button) => button.label?.includes(label));
  if (!found?.custom_id) throw new Error(`no button labelled "${label}" on message ${message?.id}`);
  return found.custom_id;
}
