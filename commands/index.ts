// The one loader of commands: every definition is checked against Discord's and Telegram's rules at load time,
// and every call goes through `runCommand`: permission, option validation, one error boundary.
import { z } from "zod";
import { errorText, type Logger } from "../src/arena/logger.ts";
import { describeIssues } from "../src/arena/model-input.ts";
import { privateReply, refusal } from "../src/arena/texts.ts";
import { allows, scopeRefusalText } from "../src/arena/trust.ts";
import type { CommandContext, Reply } from "../src/arena/types.ts";
import { arenaCommand } from "./arena.ts";
import { battleCommand } from "./battle.ts";
import { leaderboardCommand } from "./leaderboard.ts";
import { modelCommand } from "./model.ts";
import type { Command, CommandData, CommandServices, RawOptions } from "./types.ts";

// Discord: names 1–32 lower-case characters, descriptions 1–100, ≤ 25 options; Telegram: names 1–32 [a-z0-9_].
const nameSchema = z.string().regex(/^[a-z0-9_]{1,32}$/);
const descriptionSchema = z.string().min(1).max(100);
const optionSchema = z.object({ name: nameSchema, description: descriptionSchema }).passthrough();
const commandDataSchema = z
  .object({
    name: nameSchema,
    description: descriptionSchema,
    scope: z.enum(["everyone", "community", "owner"]),
    options: z.array(optionSchema).max(25).optional(),
    subcommands: z
      .array(
        z.object({
          name: nameSchema,
          description: descriptionSchema,
          options: z.array(optionSchema).max(25),
        }),
      )
      .max(25)
      .optional(),
  })
  .refine((data) => !(data.options && data.subcommands), {
    message: "a command has options or subcommands, not both",
  });

function load(definitions: readonly Command<never>[]): ReadonlyMap<string, Command> {
  const byName = new Map<string, Command>();
  for (const definition of definitions) {
    commandDataSchema.parse(definition.data);
    if (byName.has(definition.data.name)) throw new Error(`two commands are named ${definition.data.name}`);
    byName.set(definition.data.name, definition as unknown as Command);
  }
  return byName;
}

export const commands = load([
  battleCommand,
  leaderboardCommand,
  modelCommand,
  arenaCommand,
] as Command<never>[]);

export const commandData: readonly CommandData[] = [...commands.values()].map((command) => command.data);

const SCOPE_HOLDER = { community: "a moderator of this community", owner: "an arena owner" } as const;

export interface CommandRunOptions {
  readonly services: CommandServices;
  readonly logger: Logger;
}

/** Runs one command for one user: the only entry point adapters use for commands. */
export async function runCommand(
  { services, logger }: CommandRunOptions,
  ctx: CommandContext,
  name: string,
  options: RawOptions,
): Promise<Reply> {
  const command = commands.get(name);
  if (!command) return refusal(`Unknown command /${name}. Try /battle, /leaderboard, /model or /arena.`);
  const action = `${name}.${String(options.subcommand ?? "")}`;
  const scope = command.data.scope;
  if (scope !== "everyone" && !allows(services.arena.settings.trust, scope, ctx)) {
    await services.arena.audit(ctx, action, null, { reason: `not ${SCOPE_HOLDER[scope]}` }, false);
    return refusal(scopeRefusalText(name, scope));
  }
  const unread = options[UNREAD_WORDS];
  if (typeof unread === "string") {
    const usage = usageOf(
      command.data,
      typeof options.subcommand === "string" ? options.subcommand : undefined,
    );
    return refusal(`That /${name} has words I could not place: “${unread}”.\nUsage: ${usage}`);
  }
  const parsed = command.input.safeParse(options);
  if (!parsed.success) {
    const problems = describeIssues(parsed.error);
    // Moderator and owner actions are audited, refused ones too; the problems name fields, never the values given.
    if (scope !== "everyone") {
      await services.arena.audit(ctx, action, null, { reason: "invalid input", problems }, false);
    }
    const usage = usageOf(
      command.data,
      typeof options.subcommand === "string" ? options.subcommand : undefined,
    );
    return refusal(`That /${name} needs fixing:\n• ${problems.join("\n• ")}\nUsage: ${usage}`);
  }
  try {
    return await command.execute(ctx, parsed.data, services);
  } catch (error) {
    logger.error({ command: name, err: errorText(error) }, "command failed");
    return privateReply(
      "Something went wrong on our side while running that command; it has been logged. Please try again.",
    );
  }
}

/** "/model add <name> <base_url> <model> [api_key_env] [weight] [aliases…]" */
export function usageOf(data: CommandData, subcommand?: string): string {
  const format = (options: CommandData["options"]) =>
    (options ?? []).map((option) => {
      const label = option.rest ? `${option.name}…` : option.name;
      return option.required ? `<${label}>` : `[${label}]`;
    });
  if (data.subcommands) {
    const chosen = data.subcommands.filter((sub) => subcommand === undefined || sub.name === subcommand);
    const list = chosen.length > 0 ? chosen : data.subcommands;
    return list.map((sub) => [`/${data.name}`, sub.name, ...format(sub.options)].join(" ")).join(" | ");
  }
  return [`/${data.name}`, ...format(data.options)].join(" ");
}

/** Words of a text command that fill no option: `runCommand` refuses them and says which. */
export const UNREAD_WORDS = "_unread";

/**
 * Text form of a command, for Telegram, the sandbox and the command line: "/model weight gpt-4o 2" →
 * { subcommand: "weight", name: "gpt-4o", weight: 2 }. Leading `name=value` words set the command's own options
 * by name (only names it has, so "x=5" in a prompt stays text); the other words fill the options in order; an
 * option marked `rest` takes the rest of the text verbatim (line breaks and spacing kept). Words left over are
 * reported under UNREAD_WORDS. Numbers are converted for number/integer options.
 */
export function parseTextOptions(data: CommandData, text: string): RawOptions {
  const raw: Record<string, unknown> = {};
  let rest = text.trim();
  let options = data.options ?? [];
  if (data.subcommands) {
    const first = nextWord(rest);
    const sub = data.subcommands.find((candidate) => candidate.name === first?.word.toLowerCase());
    if (!first || !sub) return { subcommand: first?.word ?? "" };
    raw.subcommand = sub.name;
    options = sub.options;
    rest = first.after;
  }
  for (let next = nextWord(rest); next; next = nextWord(rest)) {
    const named = /^([a-z_]+)=(.*)$/s.exec(next.word);
    const option = named && options.find((candidate) => candidate.name === named[1]);
    // A `rest` option is never named: its text is taken as it is (a prompt may well contain "x=5").
    if (!named || !option || option.rest || option.name in raw) break;
    raw[option.name] = convert(option.type, named[2] ?? "");
    rest = next.after;
  }
  for (const option of options.filter((candidate) => !(candidate.name in raw))) {
    if (rest === "") break;
    if (option.rest) {
      raw[option.name] = rest;
      rest = "";
      break;
    }
    const next = nextWord(rest);
    if (!next) break;
    raw[option.name] = convert(option.type, next.word);
    rest = next.after;
  }
  if (rest !== "") raw[UNREAD_WORDS] = rest;
  return raw;
}

function nextWord(text: string): { readonly word: string; readonly after: string } | null {
  const match = /^\s*(\S+)\s*/.exec(text);
  return match?.[1] === undefined ? null : { word: match[1], after: text.slice(match[0].length) };
}

function convert(type: string, value: string): unknown {
  if (type === "number" || type === "integer") {
    const number = Number(value);
    return Number.isFinite(number) ? number : value;
  }
  if (type === "boolean") return ["true", "yes", "on", "1"].includes(value.toLowerCase());
  return value;
}

export type { Command, CommandData, CommandServices, RawOptions } from "./types.ts";
