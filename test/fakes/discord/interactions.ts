// Interactions as the fake's users create them, and the handle through which a test sees the bot's answers.
import { randomBytes } from "node:crypto";
import { ApplicationCommandOptionType, InteractionResponseType, MessageFlags } from "discord.js";
import { waitForChange } from "./wait.ts";
import type { FakeCommand, FakeMessage, FakeUser, Snowflake, World } from "./world.ts";

/** One thing the bot did in answer to an interaction, in order. */
export type InteractionRecord =
  | {
      kind: "callback";
      /** 4 reply, 5 deferred reply, 6 deferred update, 7 update message, 8 autocomplete result, 9 modal */
      type: number;
      data: Record<string, unknown>;
      ephemeral: boolean;
      /** the message the callback created or updated (types 4, 5, 7) */
      messageId: Snowflake | null;
    }
  | { kind: "followUp"; messageId: Snowflake; ephemeral: boolean }
  | { kind: "edit"; messageId: Snowflake; original: boolean }
  | { kind: "delete"; messageId: Snowflake; original: boolean };

export type CallbackRecord = Extract<InteractionRecord, { kind: "callback" }>;

export interface ShownModal {
  custom_id: string;
  title: string;
  components: Array<Record<string, unknown>>;
}

/**
 * An interaction sent to the bot. Its methods wait (bounded by `timeoutMs`) for what the bot answers: the
 * initial callback, the reply message as it ends up after edits, follow-ups, a modal, autocomplete choices.
 */
export class InteractionHandle {
  readonly token = randomBytes(24).toString("base64url");
  readonly createdAt = Date.now();
  readonly records: InteractionRecord[] = [];
  callback: CallbackRecord | null = null;
  /** the message `@original` refers to: the reply, or for 6/7 the message whose component was used */
  originalMessageId: Snowflake | null = null;
  readonly followUpIds: Snowflake[] = [];

  constructor(
    private readonly world: World,
    readonly id: Snowflake,
    /** 2 application command, 3 message component, 4 autocomplete, 5 modal submit */
    readonly type: number,
    readonly user: FakeUser,
    readonly channelId: Snowflake,
    readonly guildId: Snowflake,
    /** the payload dispatched in INTERACTION_CREATE */
    readonly payload: Record<string, unknown>,
    /** for component and modal interactions started from a message */
    readonly sourceMessageId: Snowflake | null,
  ) {}

  get acknowledged(): boolean {
    return this.callback !== null;
  }

  record(entry: InteractionRecord): void {
    this.records.push(entry);
    this.world.emit("interactionResponse", { interaction: this, record: entry });
    this.world.changed();
  }

  /** Waits for any value `pick` finds on this handle. */
  waitFor<T>(
    pick: (handle: InteractionHandle) => T | undefined | null | false,
    timeoutMs = 2000,
  ): Promise<T> {
    return waitForChange(this.world, () => pick(this), timeoutMs, `a response to interaction ${this.id}`);
  }

  /** The initial response (interaction callback). */
  waitForCallback(timeoutMs = 2000): Promise<CallbackRecord> {
    return this.waitFor((h) => h.callback, timeoutMs);
  }

  /**
   * The reply message once it has content (a deferred reply resolves after its first edit). For a component
   * interaction answered with an update (7) or a deferred update followed by an edit, the updated message.
   */
  waitForReply(timeoutMs = 2000): Promise<FakeMessage> {
    return this.waitFor((h) => {
      if (!h.callback || h.originalMessageId === null) return undefined;
      const message = h.world.messages.get(h.originalMessageId);
      if (!message || message.flags & MessageFlags.Loading) return undefined;
      if (h.callback.type === InteractionResponseType.DeferredMessageUpdate) {
        return h.records.some((r) => r.kind === "edit" && r.original) ? message : undefined;
      }
      return message;
    }, timeoutMs);
  }

  /** The n-th follow-up message (0 = first). */
  waitForFollowUp(index = 0, timeoutMs = 2000): Promise<FakeMessage> {
    return this.waitFor((h) => {
      const id = h.followUpIds[index];
      return id ? h.world.messages.get(id) : undefined;
    }, timeoutMs);
  }

  /** The modal the bot showed (callback type 9). */
  async waitForModal(timeoutMs = 2000): Promise<ShownModal> {
    const callback = await this.waitForCallback(timeoutMs);
    if (callback.type !== InteractionResponseType.Modal) {
      throw new Error(
        `fake Discord: interaction ${this.id} was answered with type ${callback.type}, not a modal`,
      );
    }
    return callback.data as unknown as ShownModal;
  }

  /** The autocomplete choices the bot answered (callback type 8). */
  async waitForChoices(timeoutMs = 2000): Promise<Array<{ name: string; value: string | number }>> {
    const callback = await this.waitForCallback(timeoutMs);
    if (callback.type !== InteractionResponseType.ApplicationCommandAutocompleteResult) {
      throw new Error(
        `fake Discord: interaction ${this.id} was answered with type ${callback.type}, not choices`,
      );
    }
    return (callback.data.choices ?? []) as Array<{ name: string; value: string | number }>;
  }

  /** The messages this interaction produced (reply, then follow-ups), as they are now. */
  messages(): FakeMessage[] {
    const ids = [this.callbackCreatedMessage(), ...this.followUpIds].filter(
      (id): id is Snowflake => id !== null,
    );
    return ids.map((id) => this.world.messages.get(id)).filter((m): m is FakeMessage => m !== undefined);
  }

  private callbackCreatedMessage(): Snowflake | null {
    const type = this.callback?.type;
    return type === InteractionResponseType.ChannelMessageWithSource ||
      type === InteractionResponseType.DeferredChannelMessageWithSource
      ? this.originalMessageId
      : null;
  }
}

export type OptionValue = string | number | boolean | FakeUser | { [name: string]: OptionValue };
export type OptionValues = Record<string, OptionValue>;

interface OptionDefinition {
  type: number;
  name: string;
  required?: boolean;
  options?: OptionDefinition[];
}

export interface ResolvedCollector {
  users: Record<string, unknown>;
  members: Record<string, unknown>;
  channels: Record<string, unknown>;
  roles: Record<string, unknown>;
}

/**
 * Turns `{ prompt: "hi" }` or `{ subscribe: { channel: "123" } }` into Discord's typed option list, following
 * the registered command's definition (as Discord's client does). Throws on options the command does not have
 * or missing required options: a real user could not send them.
 */
export function buildOptions(
  command: string,
  definitions: OptionDefinition[],
  values: OptionValues,
  resolve: (type: number, value: OptionValue, resolved: ResolvedCollector) => string,
  resolved: ResolvedCollector,
  focused: string | null,
): Array<Record<string, unknown>> {
  const result: Array<Record<string, unknown>> = [];
  for (const [name, value] of Object.entries(values)) {
    const definition = definitions.find((d) => d.name === name);
    if (!definition) throw new Error(`fake Discord: /${command} has no option or subcommand "${name}"`);
    if (
      definition.type === ApplicationCommandOptionType.Subcommand ||
      definition.type === ApplicationCommandOptionType.SubcommandGroup
    ) {
      if (typeof value !== "object" || value === null || "username" in value) {
        throw new Error(`fake Discord: subcommand "${name}" of /${command} takes an object of options`);
      }
      const inner = buildOptions(
        `${command} ${name}`,
        definition.options ?? [],
        value as OptionValues,
        resolve,
        resolved,
        focused,
      );
      result.push({ type: definition.type, name, options: inner });
      continue;
    }
    const option: Record<string, unknown> = {
      type: definition.type,
      name,
      value: resolve(definition.type, value, resolved),
    };
    if (
      definition.type === ApplicationCommandOptionType.Integer ||
      definition.type === ApplicationCommandOptionType.Number
    ) {
      option.value = focused === name ? String(value) : Number(value);
    } else if (definition.type === ApplicationCommandOptionType.Boolean) {
      option.value = value === true || value === "true";
    }
    if (focused === name) option.focused = true;
    result.push(option);
  }
  const isLeaf = !definitions.some(
    (d) =>
      d.type === ApplicationCommandOptionType.Subcommand ||
      d.type === ApplicationCommandOptionType.SubcommandGroup,
  );
  if (isLeaf && focused === null) {
    for (const definition of definitions) {
      if (definition.required && !(definition.name in values)) {
        throw new Error(`fake Discord: /${command} requires option "${definition.name}"`);
      }
    }
  }
  if (!isLeaf && result.length !== 1) {
    throw new Error(`fake Discord: /${command} needs exactly one subcommand`);
  }
  return result;
}

export function findCommand(world: World, guildId: Snowflake, name: string): FakeCommand | undefined {
  const chatInput = (c: FakeCommand) => c.name === name && c.type === 1;
  return world.commands.get(guildId)?.find(chatInput) ?? world.commands.get("global")?.find(chatInput);
}

/** Every object with a custom_id in a message's components (rows, containers, sections…). */
export function findComponent(components: unknown, customId: string): Record<string, unknown> | undefined {
  if (Array.isArray(components)) {
    for (const child of components) {
      const found = findComponent(child, customId);
      if (found) return found;
    }
    return undefined;
  }
  if (components === null || typeof components !== "object") return undefined;
  const node = components as Record<string, unknown>;
  if (node.custom_id === customId) return node;
  return (
    findComponent(node.components, customId) ??
    findComponent(node.component, customId) ??
    findComponent(node.accessory, customId)
  );
}
