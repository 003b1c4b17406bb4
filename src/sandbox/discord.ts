// The sandbox on the project's fake Discord (test/fakes/discord, reusable by design): members run slash commands
// in #general, press buttons, fill the Continue modal; every message the bot posts or edits is printed.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InteractionResponseType, MessageFlags } from "discord.js";
import { commandData, parseTextOptions, usageOf } from "../../commands/index.ts";
import {
  type FakeDiscord,
  type FakeMessage,
  type FakeUser,
  type InteractionHandle,
  type OptionValues,
  startFakeDiscord,
} from "../../test/fakes/discord/index.ts";
import type { ArenaEvent, Place } from "../arena/types.ts";
import { block, type Output } from "./output.ts";
import { type SandboxPlatform, SandboxProblem } from "./platform.ts";

/** The bot's direct answer to a command or press: a chart can take a few seconds on a busy machine. */
const REPLY_TIMEOUT_MS = 60_000;
const THREAD_TIMEOUT_MS = 15_000;
const CHANNEL = "general";
const LIVE_PRINT_DELAY_MS = 100;

interface Component {
  type?: number;
  custom_id?: string;
  label?: string;
  disabled?: boolean;
  components?: Component[];
}

interface Embed {
  title?: string;
  description?: string;
  fields?: Array<{ name: string; value: string }>;
  footer?: { text?: string };
}

export async function startDiscordSandbox(out: Output, filesDirectory: string): Promise<SandboxPlatform> {
  const fake = await startFakeDiscord({ botUsername: "Arena" });
  return new DiscordSandbox(fake, out, filesDirectory);
}

class DiscordSandbox implements SandboxPlatform {
  readonly platform = "discord";
  readonly firstUser = "alice";
  readonly botEnv: Readonly<Record<string, string>>;
  readonly urls: readonly string[];
  readonly moderatorKey: string;
  private readonly users = new Map<string, FakeUser>();
  private readonly channelId: string;
  private readonly printer: DiscordPrinter;
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly scheduleFlush = () => {
    // What happens on its own (a voting window ending) is printed too, once the burst of changes is over.
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(() => this.flush(), LIVE_PRINT_DELAY_MS);
  };

  constructor(
    private readonly fake: FakeDiscord,
    out: Output,
    filesDirectory: string,
  ) {
    this.channelId = fake.channelId(CHANNEL);
    this.botEnv = {
      DISCORD_TOKEN: fake.botToken,
      DISCORD_API_URL: fake.apiUrl,
      // Guild registration is instant on Discord; the fake accepts both.
      DISCORD_GUILD_IDS: fake.guild.id,
    };
    this.urls = [fake.apiUrl, fake.gatewayUrl];
    const first = this.userNamed(this.firstUser);
    this.moderatorKey = `discord:${first.id}`;
    this.printer = new DiscordPrinter(fake, out, filesDirectory);
    fake.events.on("change", this.scheduleFlush);
  }

  addUser(name: string): void {
    this.userNamed(name);
  }

  async command(userName: string, name: string, text: string): Promise<{ battlePlace?: string }> {
    const data = commandData.find((command) => command.name === name);
    if (!data) throw new SandboxProblem(`the bot has no /${name}`);
    const user = this.userNamed(userName);
    const raw = parseTextOptions(data, text);
    const options = discordOptions(raw);
    let handle: InteractionHandle;
    try {
      handle = this.fake.slashCommand(user, this.channelId, name, options);
    } catch (error) {
      // What Discord's client would refuse to send (a missing required option, an unknown subcommand).
      const subcommand = typeof raw.subcommand === "string" ? raw.subcommand : undefined;
      throw new SandboxProblem(
        `Discord would not send that: ${messageOf(error)}. Usage: ${usageOf(data, subcommand)}`,
      );
    }
    const reply = await this.replyTo(handle);
    if (name !== "battle" || reply.visibleTo !== null) return {};
    // A public reply to /battle means the battle started: the bot opens a thread on it (same id as the message).
    const thread = await this.fake
      .waitFor(() => this.fake.channel(reply.id), THREAD_TIMEOUT_MS, "the battle's thread")
      .catch(() => undefined);
    return thread ? { battlePlace: thread.id } : {};
  }

  async press(userName: string, battlePlace: string, payload: string): Promise<void> {
    const handle = this.click(userName, battlePlace, payload);
    await this.replyTo(handle);
  }

  async continueBattle(userName: string, battlePlace: string, payload: string, text: string): Promise<void> {
    const handle = this.click(userName, battlePlace, payload);
    const callback = await handle.waitForCallback(REPLY_TIMEOUT_MS).catch((error: unknown) => {
      throw new SandboxProblem(`the bot did not answer the Continue button: ${messageOf(error)}`);
    });
    if (callback.type !== InteractionResponseType.Modal) {
      await this.replyTo(handle); // a refusal, printed
      return;
    }
    const modal = await handle.waitForModal();
    const field = firstTextInput(modal.components);
    if (!field) throw new SandboxProblem("the Continue form has no text field");
    this.printer.note(`  (${userName} fills the form "${modal.title}" and submits it)`);
    await this.replyTo(this.fake.submitModal(handle, { [field]: text }));
  }

  placeKey(place: Place): string {
    return place.thread ?? place.channel;
  }

  rendered(event: ArenaEvent): boolean {
    const messages = this.fake.messages(this.placeKey(event.place));
    if (event.type === "battle.turn") {
      // Every turn posts a new vote message with the same buttons (the previous one loses them).
      const buttonId = event.buttons[0]?.[0]?.id;
      const voteMessages = messages.filter((message) =>
        message.history.some((version) => componentIds(version.components).includes(buttonId ?? "")),
      );
      return voteMessages.length >= event.turn;
    }
    const firstLine = event.text.split("\n")[0] ?? "";
    return messages.some((message) => message.content.includes(firstLine));
  }

  onChange(listener: () => void): () => void {
    this.fake.events.on("change", listener);
    return () => this.fake.events.off("change", listener);
  }

  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.printer.flush();
  }

  async close(): Promise<void> {
    this.flush();
    this.fake.events.off("change", this.scheduleFlush);
    await this.fake.close();
  }

  private userNamed(name: string): FakeUser {
    let user = this.users.get(name);
    if (!user) {
      user = this.fake.addUser({ username: name });
      this.users.set(name, user);
    }
    return user;
  }

  /** Presses a button as a member would: on the newest message they can see that carries it. */
  private click(userName: string, place: string, payload: string): InteractionHandle {
    const user = this.userNamed(userName);
    const message = this.fake
      .messages(place, { viewer: user.id })
      .filter((candidate) => enabledButton(candidate.components, payload))
      .at(-1);
    if (!message) throw new SandboxProblem("that button is not on the battle (any more)");
    return this.fake.clickButton(user, message.id, payload);
  }

  private async replyTo(handle: InteractionHandle): Promise<FakeMessage> {
    try {
      return await handle.waitForReply(REPLY_TIMEOUT_MS);
    } catch (error) {
      throw new SandboxProblem(`the bot did not answer: ${messageOf(error)}`);
    }
  }
}

/** Prints what the bot did on the fake Discord since the last flush, in the order it happened. */
class DiscordPrinter {
  private readonly printed = new Map<string, string>();
  private readonly threadsSeen = new Set<string>();
  private files = 0;

  constructor(
    private readonly fake: FakeDiscord,
    private readonly out: Output,
    private readonly filesDirectory: string,
  ) {}

  note(text: string): void {
    this.out.line(text, "dim");
  }

  flush(): void {
    for (const thread of this.fake.threads()) {
      if (this.threadsSeen.has(thread.id)) continue;
      this.threadsSeen.add(thread.id);
      const parent = thread.parentId ? this.fake.channel(thread.parentId)?.name : undefined;
      this.out.line(`🧵 new thread "${thread.name}"${parent ? ` in #${parent}` : ""}`, "bot");
    }
    for (const message of this.fake.allMessages()) {
      if (message.author.id !== this.fake.botUserId) continue;
      if (message.flags & MessageFlags.Loading) continue; // "Arena is thinking…": printed once it has content
      const signature = JSON.stringify([
        message.content,
        message.embeds,
        message.components,
        message.deleted,
      ]);
      const before = this.printed.get(message.id);
      if (before === signature) continue;
      this.printed.set(message.id, signature);
      if (before === undefined) {
        if (!message.deleted) this.printMessage(message, "");
      } else if (message.deleted) {
        this.out.line(`  (a message in ${this.where(message)} was deleted)`, "dim");
      } else if (onlyButtonsRemoved(before, message)) {
        this.out.line(`  (buttons removed from a message in ${this.where(message)})`, "dim");
      } else {
        this.printMessage(message, "✏️ edited: ");
      }
    }
  }

  private printMessage(message: FakeMessage, prefix: string): void {
    const parts: string[] = [];
    if (message.content !== "") parts.push(this.out.markdown(message.content));
    for (const embed of message.embeds as Embed[]) parts.push(this.embedText(embed));
    for (const attachment of message.attachments) {
      const path = join(this.filesDirectory, `${++this.files}-${attachment.filename}`);
      mkdirSync(this.filesDirectory, { recursive: true });
      writeFileSync(path, attachment.data);
      parts.push(`📎 ${attachment.filename} written to ${path}`);
    }
    const rows = buttonRows(message.components);
    if (rows.length > 0) parts.push(...rows);
    const privately = message.visibleTo !== null;
    const header = `${prefix}${this.where(message)} · Arena${privately ? " (private)" : ""}:`;
    this.out.line(block(header, parts.join("\n")), privately ? "private" : "bot");
  }

  private where(message: FakeMessage): string {
    const channel = this.fake.channel(message.channelId);
    const place = !channel ? "?" : channel.parentId ? `🧵 ${shorten(channel.name, 40)}` : `#${channel.name}`;
    if (message.visibleTo === null) return place;
    const viewer = this.fake.users.get(message.visibleTo)?.username ?? message.visibleTo;
    return `🔒 only ${viewer} sees, in ${place}`;
  }

  private embedText(embed: Embed): string {
    const lines: string[] = [];
    if (embed.title) lines.push(this.out.paint(embed.title, "bold"));
    if (embed.description) lines.push(this.out.markdown(embed.description));
    for (const field of embed.fields ?? []) {
      lines.push(`${this.out.markdown(field.name)}  ${this.out.markdown(field.value)}`);
    }
    if (embed.footer?.text) lines.push(this.out.paint(embed.footer.text, "dim"));
    return lines.join("\n");
  }
}

/** `{ subcommand: "add", name: "x" }` (the arena's raw options) → `{ add: { name: "x" } }` (the fake's form). */
function discordOptions(raw: Readonly<Record<string, unknown>>): OptionValues {
  const { subcommand, ...rest } = raw;
  const values: OptionValues = {};
  for (const [name, value] of Object.entries(rest)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
      values[name] = value;
  }
  return typeof subcommand === "string" ? { [subcommand]: values } : values;
}

function flatComponents(components: unknown): Component[] {
  if (!Array.isArray(components)) return [];
  return (components as Component[]).flatMap((component) => [
    component,
    ...flatComponents(component.components),
  ]);
}

function componentIds(components: unknown): string[] {
  return flatComponents(components)
    .map((component) => component.custom_id)
    .filter((id): id is string => id !== undefined);
}

function enabledButton(components: unknown, customId: string): boolean {
  return flatComponents(components).some(
    (component) => component.type === 2 && component.custom_id === customId && component.disabled !== true,
  );
}

/** Buttons as "[👈 A is better] [👉 B is better] …", one line per row. */
function buttonRows(components: unknown): string[] {
  if (!Array.isArray(components)) return [];
  return (components as Component[])
    .map((row) =>
      (row.components ?? [])
        .filter((component) => component.type === 2)
        .map((button) => `[${button.label ?? "?"}]${button.disabled ? " (disabled)" : ""}`)
        .join(" "),
    )
    .filter((line) => line !== "");
}

function onlyButtonsRemoved(before: string, message: FakeMessage): boolean {
  const [content, embeds] = JSON.parse(before) as [string, unknown];
  return (
    content === message.content &&
    JSON.stringify(embeds) === JSON.stringify(message.embeds) &&
    message.components.length === 0
  );
}

function firstTextInput(components: unknown): string | undefined {
  const inputs = flatComponents(components);
  // Modals nest the text input in an action row (or a label's `component`).
  for (const top of components as Array<Component & { component?: Component }>) {
    if (top.component?.custom_id) inputs.push(top.component);
  }
  return inputs.find((component) => component.type === 4)?.custom_id;
}

function shorten(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/^fake Discord: /, "");
}
