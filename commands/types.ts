// A command is { data, input, execute }: data describes it to the platforms (registration, menus, help),
// input is the zod schema its options must pass, execute is the platform-neutral handler.
import type { z } from "zod";
import type { Arena } from "../src/arena/engine.ts";
import type { Registry } from "../src/arena/registry.ts";
import type { Scope } from "../src/arena/trust.ts";
import type { CommandContext, Reply } from "../src/arena/types.ts";

export type OptionType = "string" | "integer" | "number" | "boolean";

export interface OptionData {
  readonly name: string;
  readonly description: string;
  readonly type: OptionType;
  readonly required: boolean;
  readonly choices?: readonly { readonly name: string; readonly value: string }[];
  /** What the platform should suggest while typing. */
  readonly autocomplete?: "model" | "category";
  readonly minValue?: number;
  readonly maxValue?: number;
  readonly maxLength?: number;
  /** In text form (Telegram, the sandbox) this option takes the rest of the line. */
  readonly rest?: boolean;
}

export interface SubcommandData {
  readonly name: string;
  readonly description: string;
  readonly options: readonly OptionData[];
}

export interface CommandData {
  readonly name: string;
  readonly description: string;
  /** Who may run it (src/arena/trust.ts), checked by the dispatcher on every call; platforms also hide
   * commands from those who may not run them where they can. */
  readonly scope: Scope;
  readonly options?: readonly OptionData[];
  readonly subcommands?: readonly SubcommandData[];
}

export interface CommandServices {
  readonly arena: Arena;
  readonly registry: Registry;
}

/** Raw options as a platform hands them over: `{ subcommand?: "add", name: "…", … }`. */
export type RawOptions = Readonly<Record<string, unknown>>;

export interface Command<Input = unknown> {
  readonly data: CommandData;
  readonly input: z.ZodType<Input>;
  execute(ctx: CommandContext, input: Input, services: CommandServices): Promise<Reply>;
}
