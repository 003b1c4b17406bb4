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

/**
 * Text form of a command, for Telegram and the sandbox: "/model weight gpt-4o 2" → { subcommand: "weight",
 * name: "gpt-4o", weight: 2 }. Words fill the options in order; an option marked `rest` takes the rest of the
 * line; `name=value` sets an option by name. Numbers are converted for number/integer options.
 */
export function parseTextOptions(data: CommandData, text: string): RawOptions {
  let words = text.trim() === "" ? [] : text.trim().split(/\s+/);
  const raw: Record<string, unknown> = {};
  let options = data.options ?? [];
  if (data.subcommands) {
    const [first, ...others] = words;
    const sub = data.subcommands.find((candidate) => candidate.name === first?.toLowerCase());
    if (!sub) return { subcommand: first ?? "" };
    raw.subcommand = sub.name;
    options = sub.options;
    words = others;
  }
  const positional = options.filter((option) => !words.some((word) => word.startsWith(`${option.name}=`)));
  for (const word of words.filter((candidate) => /^[a-z_]+=/.test(candidate))) {
    const [key, ...value] = word.split("=");
    const option = options.find((candidate) => candidate.name === key);
    if (option) raw[option.name] = convert(option.type, value.join("="));
  }
  const free = words.filter((word) => !/^[a-z_]+=/.test(word));
  for (const option of positional) {
    if (free.length === 0) break;
    if (option.rest) {
      raw[option.name] = free.join(" ");
      free.length = 0;
      break;
    }
    raw[option.name] = convert(option.type, free.shift() ?? "");
  }
  return raw;
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
