// The arena's command definitions in Telegram's terms: the command menus per scope, and the command line of
// a message ("/battle@arena_bot what is 2+2?") split into a name and the text after it.
import type { CommandData } from "../../../commands/index.ts";
import { truncateText } from "../../render/graphemes.ts";

export interface BotCommand {
  readonly command: string;
  readonly description: string;
}

/** Telegram: command names 1–32 of [a-z0-9_], descriptions 3–256 characters. */
export function menuEntry(data: CommandData): BotCommand {
  const description = data.description.length >= 3 ? data.description : `/${data.name} command`;
  return {
    command: data.name.toLowerCase().slice(0, 32),
    description: truncateText(description, 256),
  };
}

/** The menus by scope: everyone's commands; with the community moderators' commands; every command. */
export function commandMenus(commands: readonly CommandData[]): {
  everyone: BotCommand[];
  communityModerators: BotCommand[];
  owners: BotCommand[];
} {
  return {
    everyone: commands.filter((data) => data.scope === "everyone").map(menuEntry),
    communityModerators: commands.filter((data) => data.scope !== "owner").map(menuEntry),
    owners: commands.map(menuEntry),
  };
}

export interface CommandLine {
  /** Lower-case command name, without "/" and "@bot". */
  readonly name: string;
  /** Whether the command names a bot explicitly ("/battle@arena_bot"). */
  readonly addressed: boolean;
  /** The text after the command, trimmed. */
  readonly text: string;
}

interface Entity {
  readonly type: string;
  readonly offset: number;
  readonly length: number;
}

/**
 * The command a message starts with, or null when it starts with none or names another bot. Telegram marks
 * commands with a bot_command entity at offset 0.
 */
export function commandLineOf(
  text: string,
  entities: readonly Entity[] | undefined,
  botUsername: string,
): CommandLine | null {
  const entity = entities?.find((candidate) => candidate.type === "bot_command" && candidate.offset === 0);
  if (!entity) return null;
  const [command = "", mention] = text.slice(1, entity.length).split("@");
  if (mention !== undefined && mention.toLowerCase() !== botUsername.toLowerCase()) return null;
  return {
    name: command.toLowerCase(),
    addressed: mention !== undefined,
    text: text.slice(entity.length).trim(),
  };
}
