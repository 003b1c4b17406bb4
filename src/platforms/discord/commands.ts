// Discord's view of the platform-neutral command definitions: registration JSON from `commandData`, and raw
// options read back from a slash command interaction.
import {
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandOption,
  ApplicationCommandOptionType,
  type ChatInputCommandInteraction,
  type CommandInteractionOption,
  PermissionFlagsBits,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from "discord.js";
import type { CommandData, RawOptions } from "../../../commands/index.ts";
import type { OptionData } from "../../../commands/types.ts";

/** Discord's ceiling for a string option's max_length. */
const DISCORD_MAX_STRING_LENGTH = 6000;

const OPTION_TYPES = {
  string: ApplicationCommandOptionType.String,
  integer: ApplicationCommandOptionType.Integer,
  boolean: ApplicationCommandOptionType.Boolean,
  number: ApplicationCommandOptionType.Number,
} as const;

function toDiscordOption(option: OptionData): APIApplicationCommandBasicOption {
  const base = {
    name: option.name,
    description: option.description,
    required: option.required,
  };
  switch (option.type) {
    case "boolean":
      return { ...base, type: OPTION_TYPES.boolean };
    case "string":
      return {
        ...base,
        type: OPTION_TYPES.string,
        ...(option.maxLength !== undefined
          ? { max_length: Math.min(option.maxLength, DISCORD_MAX_STRING_LENGTH) }
          : {}),
        ...choicesOrAutocomplete(option),
      };
    case "integer":
    case "number":
      return {
        ...base,
        type: OPTION_TYPES[option.type],
        ...(option.minValue !== undefined ? { min_value: option.minValue } : {}),
        ...(option.maxValue !== undefined ? { max_value: option.maxValue } : {}),
        ...choicesOrAutocomplete(option),
      } as APIApplicationCommandBasicOption;
  }
}

// Discord refuses an option that has both choices and autocomplete.
function choicesOrAutocomplete(option: OptionData) {
  if (option.choices && option.choices.length > 0) {
    return { choices: option.choices.map((choice) => ({ name: choice.name, value: choice.value })) };
  }
  return option.autocomplete ? { autocomplete: true as const } : {};
}

// Discord requires required options before optional ones; the order is otherwise kept.
function toDiscordOptions(options: readonly OptionData[]): APIApplicationCommandBasicOption[] {
  return [...options.filter((o) => o.required), ...options.filter((o) => !o.required)].map(toDiscordOption);
}

/** The registration body of every command (PUT /applications/:id[/guilds/:id]/commands). */
export function discordCommandBodies(
  data: readonly CommandData[],
): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return data.map((command) => {
    const options: APIApplicationCommandOption[] = command.subcommands
      ? command.subcommands.map((sub) => ({
          type: ApplicationCommandOptionType.Subcommand,
          name: sub.name,
          description: sub.description,
          options: toDiscordOptions(sub.options),
        }))
      : toDiscordOptions(command.options ?? []);
    return {
      name: command.name,
      description: command.description,
      options,
      // Hides moderator and owner commands from members without Manage Server; the dispatcher still checks
      // every call (an owner command also needs ARENA_MODERATORS or a home guild there).
      default_member_permissions:
        command.scope === "everyone" ? null : PermissionFlagsBits.ManageGuild.toString(),
    };
  });
}

/** The interaction's options as `runCommand` takes them: `{ subcommand?, name: value, … }`. */
export function rawOptionsOf(interaction: ChatInputCommandInteraction): RawOptions {
  const raw: Record<string, unknown> = {};
  const collect = (options: readonly CommandInteractionOption[]) => {
    for (const option of options) {
      if (option.type === ApplicationCommandOptionType.Subcommand) {
        raw.subcommand = option.name;
        collect(option.options ?? []);
      } else if (option.type === ApplicationCommandOptionType.SubcommandGroup) {
        collect(option.options ?? []);
      } else if (option.value !== undefined) {
        raw[option.name] = option.value;
      }
    }
  };
  collect(interaction.options.data);
  return raw;
}

/** The definition of the option being typed in, to know what to suggest. */
export function optionDefinition(
  data: readonly CommandData[],
  commandName: string,
  subcommand: string | null,
  optionName: string,
): OptionData | undefined {
  const command = data.find((candidate) => candidate.name === commandName);
  const options = subcommand
    ? command?.subcommands?.find((sub) => sub.name === subcommand)?.options
    : command?.options;
  return options?.find((option) => option.name === optionName);
}
