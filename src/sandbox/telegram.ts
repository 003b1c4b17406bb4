// The sandbox on the project's Telegram Bot API emulator (test/fakes/telegram, reusable by design): members write
// commands in a forum supergroup where the bot may open topics, press inline buttons and reply to continue a
// battle; everything the bot sends, edits and answers is printed as it happens.
import { randomBytes, randomInt } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type BotMessage,
  type EmulatorEvent,
  startTelegramEmulator,
  type TelegramChat,
  type TelegramEmulator,
  type TelegramMessage,
  type TelegramUser,
} from "../../test/fakes/telegram/index.ts";
import type { ArenaEvent, Place } from "../arena/types.ts";
import { block, type Output } from "./output.ts";
import { type SandboxPlatform, SandboxProblem } from "./platform.ts";

/** The bot's direct answer; Telegram's flood limits (5 messages per 5 s in a chat) make a battle take seconds. */
const REPLY_TIMEOUT_MS = 60_000;
const CHAT_TITLE = "Arena Club";

export async function startTelegramSandbox(out: Output, filesDirectory: string): Promise<SandboxPlatform> {
  // A token shaped as BotFather issues them; it only ever travels to the emulator on 127.0.0.1.
  const token = `${randomInt(100_000_000, 999_999_999)}:${randomBytes(24).toString("base64url")}`;
  const emulator = await startTelegramEmulator({
    botToken: token,
    botUsername: "arena_sandbox_bot",
    botName: "Arena",
  });
  return new TelegramSandbox(emulator, token, out, filesDirectory);
}

class TelegramSandbox implements SandboxPlatform {
  readonly platform = "telegram";
  readonly firstUser = "alice";
  readonly botEnv: Readonly<Record<string, string>>;
  readonly urls: readonly string[];
  readonly moderatorKey: string;
  private readonly users = new Map<string, TelegramUser>();
  private readonly chat: TelegramChat;
  private readonly printer: TelegramPrinter;
  private readonly stopPrinting: () => void;

  constructor(
    private readonly emulator: TelegramEmulator,
    token: string,
    out: Output,
    filesDirectory: string,
  ) {
    this.botEnv = { TELEGRAM_TOKEN: token, TELEGRAM_API_ROOT: emulator.apiRoot };
    this.urls = [emulator.apiRoot];
    // A forum where the bot is an administrator who may manage topics: each battle gets its own topic.
    this.chat = emulator.chat({
      title: CHAT_TITLE,
      kind: "forum",
      bot: { status: "administrator", canManageTopics: true },
    });
    const first = this.userNamed(this.firstUser);
    this.moderatorKey = `telegram:${first.id}`;
    // The moderator has started a private chat with the bot, where the bot shows them the moderator commands.
    emulator.privateChat(first);
    this.printer = new TelegramPrinter(emulator, this.chat, this.users, out, filesDirectory);
    this.stopPrinting = emulator.subscribe((event) => this.printer.print(event));
  }

  addUser(name: string): void {
    this.userNamed(name);
  }

  async command(userName: string, name: string, text: string): Promise<{ battlePlace?: string }> {
    const user = this.userNamed(userName);
    const topicsBefore = new Set(this.emulator.topics(this.chat.id).keys());
    const privateBefore = this.privateMessages(user).length;
    const sent = await this.emulator.sendCommand(
      user,
      this.chat,
      text === "" ? `/${name}` : `/${name} ${text}`,
    );
    const answer = await this.answerTo(sent, user, privateBefore);
    if (name === "leaderboard" && !answer.photo && /\n#\s/.test(answer.text ?? "")) {
      // A table (its header row starts with "#") comes first, then its chart once rendered. Waiting only keeps
      // the printout in order: whatever comes later is printed when it comes.
      await this.emulator
        .waitFor(
          () =>
            this.emulator
              .botMessages(this.chat.id)
              .some((message) => message.messageId > sent.message_id && message.photo),
          REPLY_TIMEOUT_MS,
        )
        .catch(() => undefined);
    }
    if (name !== "battle") return {};
    const topic = [...this.emulator.topics(this.chat.id).keys()].find((id) => !topicsBefore.has(id));
    return topic === undefined ? {} : { battlePlace: String(topic) };
  }

  async press(userName: string, battlePlace: string, payload: string): Promise<void> {
    const user = this.userNamed(userName);
    const message = this.messagesIn(battlePlace)
      .filter((candidate) =>
        (candidate.replyMarkup?.inline_keyboard.flat() ?? []).some(
          (button) => button.callback_data === payload,
        ),
      )
      .at(-1);
    if (!message) throw new SandboxProblem("that button is not on the battle (any more)");
    try {
      await this.emulator.pressButton(user, this.chat, message.messageId, payload, {
        timeoutMs: REPLY_TIMEOUT_MS,
      });
    } catch (error) {
      throw new SandboxProblem(`the bot did not answer the button: ${messageOf(error)}`);
    }
  }

  /** On Telegram a follow-up is a reply to one of the battle's messages: here its newest vote message. */
  async continueBattle(userName: string, battlePlace: string, payload: string, text: string): Promise<void> {
    const user = this.userNamed(userName);
    const voteMessage = this.printer.carriersOf(payload).at(-1);
    if (voteMessage === undefined) throw new SandboxProblem("the battle has no message to reply to yet");
    this.printer.note(`  (${userName} replies to the battle's vote message)`);
    const privateBefore = this.privateMessages(user).length;
    const sent = await this.emulator.reply(user, this.chat, voteMessage, text, {
      threadId: Number(battlePlace),
    });
    await this.answerTo(sent, user, privateBefore);
  }

  placeKey(place: Place): string {
    return place.thread ?? place.channel;
  }

  rendered(event: ArenaEvent): boolean {
    if (event.type === "battle.turn") {
      // Every turn posts a new vote message with the same buttons (the previous one loses them).
      return this.printer.carriersOf(event.buttons[0]?.[0]?.id ?? "").length >= event.turn;
    }
    const firstLine = event.text.split("\n")[0] ?? "";
    return this.messagesIn(this.placeKey(event.place)).some((message) => message.text?.includes(firstLine));
  }

  onChange(listener: () => void): () => void {
    return this.emulator.subscribe(() => listener());
  }

  flush(): void {}

  async close(): Promise<void> {
    this.stopPrinting();
    await this.emulator.close();
  }

  private userNamed(name: string): TelegramUser {
    let user = this.users.get(name);
    if (!user) {
      user = this.emulator.user({ firstName: name, username: name });
      this.emulator.setMember(this.chat, user, "member");
      this.users.set(name, user);
    }
    return user;
  }

  /** The bot's messages in a battle's topic (or the whole chat for other places). */
  private messagesIn(place: string): BotMessage[] {
    const topic = Number(place);
    return this.emulator.botMessages(this.chat.id, Number.isInteger(topic) ? topic : undefined);
  }

  private repliesTo(message: TelegramMessage): BotMessage[] {
    return this.emulator
      .botMessages(this.chat.id)
      .filter((candidate) => candidate.replyToMessageId === message.message_id);
  }

  /** What the bot sent to this user's private chat (private replies go there when it can write to them). */
  private privateMessages(user: TelegramUser): BotMessage[] {
    return this.emulator.botMessages(user.id);
  }

  /** The bot's first answer to a user's message: a reply in the group, or a new message in their private chat. */
  private async answerTo(
    message: TelegramMessage,
    user: TelegramUser,
    privateBefore: number,
  ): Promise<BotMessage> {
    try {
      return await this.emulator.waitFor(
        () => this.repliesTo(message)[0] ?? this.privateMessages(user)[privateBefore],
        REPLY_TIMEOUT_MS,
      );
    } catch (error) {
      throw new SandboxProblem(`the bot did not answer: ${messageOf(error)}`);
    }
  }
}

/** Prints the bot's messages, edits and button answers as the emulator reports them. */
class TelegramPrinter {
  private readonly shown = new Map<number, { text: string; keyboard: string }>();
  private readonly topicsShown = new Set<number>();
  /** Button payload → ids of the messages that carried it at some point. */
  private readonly carriers = new Map<string, Set<number>>();
  private files = 0;

  constructor(
    private readonly emulator: TelegramEmulator,
    private readonly chat: TelegramChat,
    private readonly users: ReadonlyMap<string, TelegramUser>,
    private readonly out: Output,
    private readonly filesDirectory: string,
  ) {}

  note(text: string): void {
    this.out.line(text, "dim");
  }

  /** Ids of the messages that carried this button at some point, oldest first. */
  carriersOf(payload: string): number[] {
    return [...(this.carriers.get(payload) ?? [])].sort((x, y) => x - y);
  }

  print(event: EmulatorEvent): void {
    switch (event.type) {
      case "sent":
      case "edited":
        this.printMessage(event.type, event.message);
        return;
      case "deleted":
        this.out.line(`  (a message in ${this.where(undefined)} was deleted)`, "dim");
        return;
      case "callbackAnswer": {
        const who = this.nameOf(event.answer.fromUserId);
        if (event.answer.text === undefined) return;
        const kind = event.answer.showAlert ? "alert" : "notice";
        this.out.line(block(`🔒 ${kind} only ${who} sees:`, event.answer.text), "private");
        return;
      }
    }
  }

  private printMessage(type: "sent" | "edited", message: BotMessage): void {
    const keyboard = message.replyMarkup?.inline_keyboard ?? [];
    for (const button of keyboard.flat()) {
      if (!button.callback_data) continue;
      const carriers = this.carriers.get(button.callback_data) ?? new Set<number>();
      carriers.add(message.messageId);
      this.carriers.set(button.callback_data, carriers);
    }
    const text = message.text ?? "";
    const before = this.shown.get(message.messageId);
    this.shown.set(message.messageId, { text, keyboard: JSON.stringify(keyboard) });
    if (type === "edited" && before?.text === text && keyboard.length === 0) {
      this.out.line(`  (buttons removed from a message in ${this.where(message.threadId)})`, "dim");
      return;
    }
    const topic = message.threadId;
    if (topic !== undefined && !this.topicsShown.has(topic)) {
      this.topicsShown.add(topic);
      const name = this.emulator.topics(this.chat.id).get(topic);
      if (name !== undefined) this.out.line(`🧵 new topic "${name}" in ${CHAT_TITLE}`, "bot");
    }
    const parts: string[] = [];
    if (text !== "") parts.push(text);
    if (message.photo?.bytes) {
      const filename = message.photo.filename ?? "photo.png";
      const path = join(this.filesDirectory, `${++this.files}-${filename}`);
      mkdirSync(this.filesDirectory, { recursive: true });
      writeFileSync(path, message.photo.bytes);
      parts.push(`📎 ${filename} written to ${path}`);
    }
    for (const row of keyboard) parts.push(row.map((button) => `[${button.text}]`).join(" "));
    const replied = message.wire.reply_to_message;
    const to = replied && !replied.from.is_bot ? ` ↪ to ${replied.from.first_name}` : "";
    const bot = this.emulator.bot.first_name;
    const where =
      message.chatId === this.chat.id
        ? this.where(message.threadId)
        : `🔒 private chat with ${this.nameOf(message.chatId)}`;
    const header = `${type === "edited" ? "✏️ edited: " : ""}${where} · ${bot}${to}:`;
    this.out.line(block(header, parts.join("\n")), "bot");
  }

  private where(topic: number | undefined): string {
    const name = topic === undefined ? undefined : this.emulator.topics(this.chat.id).get(topic);
    return name === undefined ? `💬 ${CHAT_TITLE}` : `🧵 ${shorten(name, 40)}`;
  }

  private nameOf(userId: number): string {
    for (const [name, user] of this.users) if (user.id === userId) return name;
    return String(userId);
  }
}

function shorten(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
