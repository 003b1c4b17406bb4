// The world of the Discord adapter tests: the fake Discord next to the shared arena world (../setup.ts), wired
// into a Config the way `arena start` reads it.
import type { Logger } from "../../../src/arena/logger.ts";
import { type Config, loadConfig } from "../../../src/config.ts";
import type { ArenaRuntime, RuntimeOptions } from "../../../src/main.ts";
import { createDiscordAdapter } from "../../../src/platforms/discord/index.ts";
import {
  type FakeDiscord,
  type FakeDiscordOptions,
  type FakeMessage,
  startFakeDiscord,
} from "../../fakes/discord/index.ts";
import type { FakeOpenAI } from "../../fakes/openai/server.ts";
import { type RunningArena, startArenaWorld } from "../setup.ts";

export { type RecordingLogger, recordingLogger } from "../setup.ts";

export interface World {
  readonly discord: FakeDiscord;
  readonly openai: FakeOpenAI;
  readonly config: Config;
  /** The real runtime on `config` with the Discord adapter, both started (stopped by close). */
  startArena(options: RuntimeOptions & { readonly logger: Logger }): Promise<RunningArena>;
  /** What `arena start` runs on `config` (stopped by close). */
  startBot(options: RuntimeOptions): Promise<ArenaRuntime>;
  close(): Promise<void>;
}

/**
 * Models: alpha and beta answer normally; leaky names itself, wordy writes several thousand characters.
 * Commands are registered in the test guild (DISCORD_GUILD_IDS) unless `global` asks for global registration.
 */
export async function startWorld(
  options: {
    readonly global?: boolean;
    /** Fake Discord's guilds and required shard count; extra environment (DISCORD_SHARD_COUNT…). */
    readonly discord?: FakeDiscordOptions;
    readonly env?: NodeJS.ProcessEnv;
  } = {},
): Promise<World> {
  const [discord, arenaWorld] = await Promise.all([
    startFakeDiscord(options.discord),
    startArenaWorld("discord"),
  ]);
  const config = loadConfig({
    ...options.env,
    ...arenaWorld.arenaEnvironment(),
    DISCORD_TOKEN: discord.botToken,
    DISCORD_API_URL: discord.apiUrl,
    ...(options.global ? {} : { DISCORD_GUILD_IDS: discord.guild.id }),
    // The first guild is the arena's home: its members with Manage Server own the arena while there.
    ARENA_HOME: `discord:${discord.guild.id}`,
  });
  const token = config.DISCORD_TOKEN ?? "";
  return {
    discord,
    openai: arenaWorld.openai,
    config,
    startArena: (options) =>
      arenaWorld.startArena(config, options, (dependencies) =>
        createDiscordAdapter({ ...dependencies, token }),
      ),
    startBot: (options) => arenaWorld.startBot(config, options),
    async close() {
      await arenaWorld.close();
      await discord.close();
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
