// The Telegram adapter end to end: real telegraf against the Bot API emulator, the real arena on a temp SQLite
// file, the real openai SDK against the scripted fake model server.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { BattleRecord } from "../../../src/arena/store.ts";
import { VOTE_PROMPT } from "../../../src/arena/texts.ts";
import type { ArenaRuntime } from "../../../src/main.ts";
import { findPersona } from "../../fakes/openai/personas.ts";
import {
  type BotMessage,
  parseTelegramHtml,
  type TelegramChat,
  type TelegramEmulator,
  type TelegramMessage,
  type TelegramUser,
} from "../../fakes/telegram/index.ts";
import { battleInPlace, buttonData, recordingLogger, startWorld, TOKEN, type World } from "./setup.ts";

const NAMES = /Model A is (alpha|beta), Model B is (alpha|beta)/;

describe("Telegram adapter (long polling)", () => {
  let world: World;
  let telegram: TelegramEmulator;
  let runtime: ArenaRuntime;
  const logger = recordingLogger();
  let cleo: TelegramUser;
  let adam: TelegramUser;
  let mia: TelegramUser;
  let vic: TelegramUser;
  let group: TelegramChat;
  let forum: TelegramChat;
  let newsroom: TelegramChat;

  beforeAll(async () => {
    world = await startWorld();
    telegram = world.telegram;
    cleo = telegram.user({ firstName: "Cleo" });
    adam = telegram.user({ firstName: "Adam" });
    mia = telegram.user({ firstName: "Mia" });
    vic = telegram.user({ firstName: "Vic" });
    const members = [
      [cleo, "creator"],
      [adam, "administrator"],
      [mia, "member"],
      [vic, "member"],
    ] as const;
    group = telegram.chat({ title: "Arena group", kind: "supergroup", members });
    forum = telegram.chat({ title: "Arena forum", kind: "forum", members, bot: { status: "administrator" } });
    newsroom = telegram.chat({ title: "Newsroom", kind: "group", members });
    // The group is the arena's home: its administrators own the arena (manage the models) while there.
    const env = { ARENA_HOME: `telegram:${group.id}` };
    ({ runtime } = await world.startArena({ logger, tickMilliseconds: 200, env }));
  });

  afterAll(async () => {
    await world?.close();
    expect(JSON.stringify(logger.lines)).not.toContain(TOKEN.split(":")[1]);
  });

  /** The bot's reply to a user's message (Telegram's stand-in for a private reply in a group). */
  function replyTo(chat: TelegramChat, message: TelegramMessage): Promise<BotMessage> {
    return telegram.waitFor(() =>
      telegram.botMessages(chat.id).find((candidate) => candidate.replyToMessageId === message.message_id),
    );
  }

  /** The bot's messages in a user's private chat with it. */
  function privateMessages(user: TelegramUser): BotMessage[] {
    return telegram.botMessages(telegram.privateChat(user).id);
  }

  /** The errored battle of this prompt, once the arena has errored it. */
  function erroredBattle(prompt: string): Promise<BattleRecord> {
    return vi.waitFor(
      async () => {
        const errored = await runtime.store.battlesInState("errored");
        const found = errored.find((record) => record.turns.some((turn) => turn.userContent === prompt));
        if (!found) throw new Error(`the battle "${prompt}" is not errored (yet)`);
        return found;
      },
      { timeout: 10_000, interval: 20 },
    );
  }

  async function moderate(commandLine: string): Promise<string> {
    const command = await telegram.sendCommand(adam, group, commandLine);
    return (await replyTo(group, command)).text ?? "";
  }

  it("sets the command menu: everyone's commands by default, community ones for chat administrators, all in the home chat", () => {
    const everyone = telegram.commands({ type: "default" })?.map((entry) => entry.command);
    const admins = telegram.commands({ type: "all_chat_administrators" })?.map((entry) => entry.command);
    const home = telegram.commands({ type: "chat_administrators", chat_id: group.id });
    expect(everyone).toEqual(["battle", "leaderboard"]);
    expect(admins).toEqual(["battle", "leaderboard", "arena"]);
    expect(home?.map((entry) => entry.command)).toEqual(["battle", "leaderboard", "model", "arena"]);
    expect(telegram.menuFor(mia, group).map((entry) => entry.command)).not.toContain("model");
    expect(telegram.menuFor(adam, group).map((entry) => entry.command)).toContain("model");
    expect(telegram.menuFor(adam, newsroom).map((entry) => entry.command)).toEqual(admins);
    for (const entry of telegram.commands({ type: "all_chat_administrators" }) ?? []) {
      expect(entry.description.length).toBeGreaterThanOrEqual(3);
    }
  });

  it("runs a battle as a reply chain: two members vote, a second press is refused, the creator closes it", async () => {
    const battle = await battleInPlace(telegram, mia, group, "What is the capital of France?");
    expect(battle.root.text).toContain("Battle started by Mia");
    expect(battle.root.replyToMessageId).toBe(battle.command.message_id);
    const texts = battle.messages().map((message) => message.text ?? "");
    expect(texts.slice(1, 3).map((text) => text.split("\n")[0])).toEqual(["Model A", "Model B"]);
    const header = battle.messages()[1]?.entities[0];
    expect(header).toEqual({ type: "bold", offset: 0, length: "Model A".length });
    expect(battle.vote.replyMarkup?.inline_keyboard.flat().map((button) => button.text)).toEqual([
      "👈 A is better",
      "👉 B is better",
      "🤝 Tie",
      "👎 Both are bad",
      "💬 Continue",
      "🔒 Close voting",
    ]);
    expect(battle.vote.text).toBe(VOTE_PROMPT);
    for (const button of battle.vote.replyMarkup?.inline_keyboard.flat() ?? []) {
      expect(Buffer.byteLength(button.callback_data ?? "")).toBeLessThanOrEqual(64);
      expect(button.callback_data).not.toMatch(/alpha|beta/);
    }

    const first = await telegram.pressButton(
      mia,
      group,
      battle.vote.messageId,
      buttonData(battle.vote, "A is better"),
    );
    expect(first.showAlert).toBe(true);
    expect(first.text).toMatch(/You voted: A is better/);
    expect(first.text).toMatch(NAMES);
    const second = await telegram.pressButton(
      vic,
      group,
      battle.vote.messageId,
      buttonData(battle.vote, "Tie"),
    );
    expect(second.text).toMatch(/You voted: Tie/);
    expect(second.text).toMatch(NAMES);
    const again = await telegram.pressButton(
      mia,
      group,
      battle.vote.messageId,
      buttonData(battle.vote, "B is better"),
    );
    expect(again.text).toMatch(/already voted/);

    const close = await telegram.pressButton(
      mia,
      group,
      battle.vote.messageId,
      buttonData(battle.vote, "Close"),
    );
    expect(close.text).toMatch(/Voting closed/);
    const reveal = await telegram.waitFor(() =>
      battle.messages().find((message) => message.text?.startsWith("🔓 Voting closed")),
    );
    expect(reveal.text).toMatch(/Model A was (alpha|beta), Model B was (alpha|beta)/);
    expect(reveal.text).toContain("A is better 1 · B is better 0 · Tie 1 · Both are bad 0");
    const stripped = await telegram.waitFor(() =>
      telegram
        .botMessages(group.id)
        .find((message) => message.messageId === battle.vote.messageId && message.edited),
    );
    expect(stripped.replyMarkup).toBeUndefined();
    // A stale client still showing the buttons gets the reason, privately.
    const late = await telegram.pressButton(
      vic,
      group,
      battle.vote.messageId,
      buttonData(battle.vote, "Tie"),
      {
        evenIfAbsent: true,
      },
    );
    expect(late.text).toMatch(/Voting on this battle has closed/);
    // Every press was answered exactly once.
    const presses = telegram.callbackAnswers().map((answer) => answer.queryId);
    expect(new Set(presses).size).toBe(presses.length);
  });

  it("continues a battle when its creator replies to it; others are refused; Continue explains how", async () => {
    const battle = await battleInPlace(telegram, mia, group, "Name a prime number");
    const hint = await telegram.pressButton(
      mia,
      group,
      battle.vote.messageId,
      buttonData(battle.vote, "Continue"),
    );
    expect(hint.text).toMatch(/reply to one of its messages/);
    const modelB = battle.messages().find((message) => message.text?.startsWith("Model B"));
    if (!modelB) throw new Error("no Model B message");

    // Someone else's reply is refused privately: in their private chat with the bot…
    const ned = telegram.user({ firstName: "Ned" });
    telegram.setMember(group, ned, "member");
    telegram.privateChat(ned);
    const nedsReply = await telegram.reply(ned, group, modelB.messageId, "And a bigger one?");
    const refusal = await telegram.waitFor(() => privateMessages(ned)[0]);
    expect(refusal.text).toMatch(/^In “Arena group”:\nOnly the person who started this battle/);
    // …or, when the bot may not write to them (they never started it), not at all: never in the group.
    const intruder = await telegram.reply(vic, group, modelB.messageId, "And a bigger one?");
    await telegram.waitFor(() =>
      telegram
        .calls("sendMessage")
        .find((call) => call.params.chat_id === vic.id && call.error?.error_code === 403),
    );
    await vi.waitFor(() =>
      expect(logger.lines.map((line) => line.message)).toContain(
        "telegram: a private reply was dropped (the user has not started a chat with the bot)",
      ),
    );
    const repliesInGroup = telegram
      .botMessages(group.id)
      .filter((message) =>
        [nedsReply.message_id, intruder.message_id].includes(message.replyToMessageId ?? 0),
      );
    expect(repliesInGroup).toEqual([]);

    const followUp = await telegram.reply(mia, group, modelB.messageId, "And a bigger one?");
    expect((await replyTo(group, followUp)).text).toMatch(/Both models are answering/);
    const secondVote = await telegram.waitFor(() =>
      battle.messages().find((message) => message.replyMarkup && message.messageId !== battle.vote.messageId),
    );
    const texts = battle.messages().map((message) => message.text?.split("\n")[0]);
    expect(texts).toContain("Model A · turn 2");
    expect(texts).toContain("Model B · turn 2");
    const firstVote = telegram
      .botMessages(group.id)
      .find((message) => message.messageId === battle.vote.messageId);
    expect(firstVote?.replyMarkup).toBeUndefined();
    // Both models saw the whole conversation.
    const lastTwo = world.openai.requests.slice(-2);
    for (const request of lastTwo) {
      expect(
        request.messages.filter((message) => message.role === "user").map((message) => message.content),
      ).toEqual(["Name a prime number", "And a bigger one?"]);
    }
    // A reply to the second turn's vote message maps to the same battle.
    const vote = await telegram.pressButton(
      vic,
      group,
      secondVote.messageId,
      buttonData(secondVote, "B is better"),
    );
    expect(vote.text).toMatch(NAMES);
  });

  it("refuses a moderator command to a member as a group reply when the bot may not write to them", async () => {
    const command = await telegram.sendCommand(mia, group, "/model list");
    const refused = await replyTo(group, command);
    expect(refused.text).toMatch(/\/model changes what every community of this arena shares/);
    expect(refused.text).not.toMatch(/^In “/);
    const attempt = telegram.calls("sendMessage").find((call) => call.params.chat_id === mia.id);
    expect(attempt?.error?.error_code).toBe(403);
    expect(await moderate("/model list")).toMatch(/alpha/);
  });

  it("sends a private reply to a command in a group to the user's private chat when it can", async () => {
    const rae = telegram.user({ firstName: "Rae" });
    telegram.setMember(group, rae, "member");
    telegram.privateChat(rae);
    const command = await telegram.sendCommand(rae, group, "/model list");
    const refused = await telegram.waitFor(() => privateMessages(rae)[0]);
    expect(refused.text).toMatch(/^In “Arena group”:\n\/model changes what every community/);
    expect(telegram.botMessages(group.id).filter((m) => m.replyToMessageId === command.message_id)).toEqual(
      [],
    );
  });

  it("asks Telegram afresh for moderator commands: a demoted administrator is refused at once", async () => {
    expect(await moderate("/model list")).toMatch(/alpha/);
    telegram.setMember(group, adam, "member");
    try {
      expect(await moderate("/model list")).toMatch(
        /\/model changes what every community of this arena shares/,
      );
    } finally {
      telegram.setMember(group, adam, "administrator");
    }
    expect(await moderate("/model list")).toMatch(/alpha/);
    // Commands for everyone keep using the cached status.
    const lookups = telegram.calls("getChatMember").length;
    const board = await telegram.sendCommand(adam, group, "/leaderboard");
    await replyTo(group, board);
    expect(telegram.calls("getChatMember")).toHaveLength(lookups);
  });

  it("errors a battle whose answers cannot be posted; votes on it are refused", async () => {
    const prompt = "Will this reach the group?";
    // Fail the answers' first message: the models are asked only once the battle's first message is up.
    let armed = true;
    world.openai.script("fake-terse", {
      text: (messages) => {
        if (armed)
          telegram.failNext("sendMessage", { error_code: 400, description: "Bad Request: TOPIC_CLOSED" });
        armed = false;
        return findPersona("fake-terse")?.answer(messages) ?? "";
      },
    });
    const battle = await battleInPlace(telegram, cleo, group, prompt, (message) =>
      Boolean(message.text?.includes("could not finish")),
    );
    expect(battle.vote.text).toMatch(/could not be posted \(Telegram refused: Bad Request: TOPIC_CLOSED\)/);
    const errored = await erroredBattle(prompt);
    expect(battle.messages().some((message) => message.replyMarkup !== undefined)).toBe(false);
    const actor = {
      platform: "telegram",
      userId: String(vic.id),
      displayName: "Vic",
      isCommunityAdmin: false,
    };
    const vote = await runtime.arena.vote({ actor, place: errored.place }, errored.id, "a");
    expect(vote.refused).toBe(true);
  });

  describe("a group that no longer lets the bot post", () => {
    /** A group of its own: what is done to the bot here must not reach the other tests' groups. */
    function refusingGroup(title: string): TelegramChat {
      return telegram.chat({
        title,
        kind: "supergroup",
        members: [
          [cleo, "creator"],
          [mia, "member"],
        ],
      });
    }

    /** While the models answer the battle of `prompt`, `act` happens to the group (once). */
    function whileAnswering(prompt: string, act: () => void): void {
      world.openai.script("fake-terse", {
        text: (messages) => {
          if (messages.some((message) => message.content === prompt)) act();
          return findPersona("fake-terse")?.answer(messages) ?? "";
        },
      });
    }

    async function creatorToldPrivately(pattern: RegExp): Promise<BotMessage> {
      return telegram.waitFor(() =>
        privateMessages(cleo).find((message) => pattern.test(message.text ?? "")),
      );
    }

    function warnings(pattern: RegExp): string[] {
      return logger.lines
        .filter((line) => line.level === "warn" && pattern.test(line.message))
        .map((line) => line.message);
    }

    it("errors the battle when its right to send messages is taken mid-battle, tells the creator, keeps serving", async () => {
      telegram.privateChat(cleo); // Cleo has started a chat with the bot: it may write to her
      const muted = refusingGroup("Muted group");
      const prompt = "Will the answers get through the mute?";
      whileAnswering(prompt, () => telegram.muteBot(muted));
      await telegram.sendCommand(cleo, muted, `/battle ${prompt}`);
      const errored = await erroredBattle(prompt);
      expect(errored.reason).toMatch(
        /Telegram refused: Bad Request: not enough rights to send text messages/,
      );
      const note = await creatorToldPrivately(/post your battle's answers/);
      expect(note.text).toMatch(/in “Muted group”: I do not have the right to send messages there/);
      expect(warnings(/answers could not be posted: battle errored: the bot may not post/)).toHaveLength(1);
      await vi.waitFor(() =>
        expect(warnings(/arena event could not be shown: the bot may not post/)).toHaveLength(1),
      );
      const refusedErrors = logger.lines.filter(
        (line) => line.level === "error" && JSON.stringify(line.details).includes(String(muted.id)),
      );
      expect(refusedErrors).toEqual([]);

      // Told once; other groups go on.
      expect(
        privateMessages(cleo).filter((message) => /post your battle/.test(message.text ?? "")),
      ).toHaveLength(1);
      world.openai.script("fake-terse", {
        text: (messages) => findPersona("fake-terse")?.answer(messages) ?? "",
      });
      const elsewhere = await battleInPlace(telegram, mia, group, "Does the other group still work?");
      expect(elsewhere.vote.replyMarkup).toBeDefined();
    });

    it("refuses /battle in a group where it may not send, privately and without leaving a battle behind", async () => {
      telegram.privateChat(cleo);
      const muted = refusingGroup("Read-only group");
      telegram.muteBot(muted);
      const prompt = "Can a muted bot start a battle?";
      await telegram.sendCommand(cleo, muted, `/battle ${prompt}`);
      const note = await creatorToldPrivately(/start your battle in “Read-only group”/);
      expect(note.text).toMatch(/I do not have the right to send messages there/);
      const errored = await erroredBattle(prompt);
      expect(errored.reason).toMatch(/could not be posted/);
      expect(await runtime.store.battlesInState("generating")).toEqual([]);
      expect(warnings(/a battle could not be started: the bot may not post/)).toHaveLength(1);
    });

    it("errors the battle when the bot is removed from the group mid-battle (403), and tells the creator", async () => {
      telegram.privateChat(cleo);
      const left = refusingGroup("Group that removed the bot");
      const prompt = "Is the bot still a member here?";
      whileAnswering(prompt, () => telegram.setMember(left, telegram.bot, "kicked"));
      await telegram.sendCommand(cleo, left, `/battle ${prompt}`);
      const errored = await erroredBattle(prompt);
      expect(errored.reason).toMatch(/Telegram refused: Forbidden: bot is not a member/);
      const note = await creatorToldPrivately(/post your battle's answers in “Group that removed the bot”/);
      expect(note.text).toMatch(/I am no longer a member there/);
    });
  });

  it("discards a battle in which a model names itself, and shows a notice with the names", async () => {
    expect(await moderate("/model disable beta")).toMatch(/beta/);
    expect(await moderate("/model enable leaky")).toMatch(/leaky/);
    const battle = await battleInPlace(telegram, mia, group, "Be honest: is Pluto a planet?", (message) =>
      Boolean(message.text?.includes("discarded")),
    );
    expect(battle.vote.text).toMatch(/Model A was (alpha|leaky), Model B was (alpha|leaky)/);
    expect(battle.messages().some((message) => message.replyMarkup !== undefined)).toBe(false);
    await moderate("/model disable leaky");
    await moderate("/model enable beta");
  });

  it("splits a long answer into HTML parts of at most 4,096 characters with whole code blocks", async () => {
    await moderate("/model disable beta");
    await moderate("/model enable wordy");
    const battle = await battleInPlace(telegram, mia, group, "Tell me everything about loops");
    await moderate("/model disable wordy");
    await moderate("/model enable beta");

    const answers = battle.messages().filter((message) => message.text?.startsWith("Model "));
    expect(answers.length).toBeGreaterThan(2);
    expect(answers.some((message) => /^Model [AB] \(2\/\d\)/.test(message.text ?? ""))).toBe(true);
    for (const part of answers) {
      expect(part.parseMode).toBe("HTML");
      expect(part.text?.length).toBeLessThanOrEqual(4096);
    }
    for (const call of telegram.calls("sendMessage")) {
      expect(String(call.params.text).length).toBeLessThanOrEqual(4096);
      if (call.params.parse_mode === "HTML")
        expect(() => parseTelegramHtml(String(call.params.text))).not.toThrow();
    }
    const code = answers.flatMap((message) =>
      message.entities
        .filter((entity) => entity.type === "pre")
        .map((entity) => ({
          entity,
          text: (message.text ?? "").slice(entity.offset, entity.offset + entity.length),
        })),
    );
    expect(code.length).toBeGreaterThan(0);
    expect(code.every(({ entity }) => (entity as { language?: string }).language === "js")).toBe(true);
    const allCode = code.map(({ text }) => text).join("\n");
    for (let line = 0; line < 20; line++) expect(allCode).toContain(`console.log(${line});`);
    expect(answers.map((message) => message.text).join("\n")).toContain(
      'Paragraph 12 about "Tell me everything about loops"',
    );
  });

  it("opens a forum topic for a battle in a forum and posts everything there", async () => {
    const command = await telegram.sendCommand(mia, forum, "/battle Describe a sunset in one line");
    const pointer = await replyTo(forum, command);
    const [threadId, name] = [...telegram.topics(forum.id).entries()][0] ?? [];
    if (threadId === undefined) throw new Error("no topic was created");
    expect(name).toBe("⚔️ Describe a sunset in one line");
    expect(pointer.text).toContain(name);
    const inTopic = await telegram.waitFor(() => {
      const messages = telegram.botMessages(forum.id, threadId);
      return messages.some((message) => message.replyMarkup) && messages;
    });
    expect(inTopic.map((message) => message.text?.split("\n")[0])).toEqual([
      "⚔️ Battle started by Mia. Two anonymous models are answering:",
      "Model A",
      "Model B",
      expect.stringMatching(/^Which answer is better/),
    ]);
    const vote = inTopic[3];
    const answer = await telegram.pressButton(
      vic,
      forum,
      vote?.messageId ?? 0,
      buttonData(vote, "Both are bad"),
    );
    expect(answer.text).toMatch(NAMES);
  });

  it("answers as a reply chain inside the topic when the bot may not open topics", async () => {
    const plainForum = telegram.chat({
      title: "Forum without rights",
      kind: "forum",
      members: [[mia, "member"]],
    });
    const topicId = telegram.createTopic(plainForum, mia, "Questions");
    const command = await telegram.sendCommand(mia, plainForum, "/battle Suggest a name for a cat", {
      threadId: topicId,
    });
    const root = await replyTo(plainForum, command);
    const vote = await telegram.waitFor(() =>
      telegram.botMessages(plainForum.id, topicId).find((message) => message.replyMarkup),
    );
    expect([...telegram.topics(plainForum.id).keys()]).toEqual([topicId]);
    const inTopic = telegram.botMessages(plainForum.id, topicId);
    expect(inTopic.map((message) => message.text?.split("\n")[0]).slice(1, 3)).toEqual([
      "Model A",
      "Model B",
    ]);
    expect(inTopic.slice(1).every((message) => message.replyToMessageId === root.messageId)).toBe(true);
    expect(
      telegram.calls("createForumTopic").filter((call) => call.params.chat_id === plainForum.id),
    ).toEqual([]);
    const answer = await telegram.pressButton(mia, plainForum, vote.messageId, buttonData(vote, "Tie"));
    expect(answer.text).toMatch(NAMES);
  });

  it("takes the prompt of a bare /battle from the message it replies to", async () => {
    const question = await telegram.sendText(vic, group, "Why is the sky blue?");
    const command = await telegram.sendCommand(mia, group, "/battle", { replyTo: question.message_id });
    const root = await replyTo(group, command);
    expect(root.text).toMatch(/Battle started by Mia[\s\S]*Why is the sky blue\?$/);
  });

  it("answers /leaderboard with a monospace table in one message and the chart as a photo", async () => {
    const command = await telegram.sendCommand(vic, group, "/leaderboard");
    const table = await replyTo(group, command);
    expect(table.text).toMatch(/Leaderboard/);
    expect(table.text).toMatch(/alpha|beta/);
    expect(table.entities.some((entity) => entity.type === "pre")).toBe(true);
    const photo = await telegram.waitFor(() =>
      telegram.botMessages(group.id).find((message) => message.photo),
    );
    expect(photo.photo?.filename).toBe("leaderboard-ratings.png");
    expect(photo.photo?.bytes?.subarray(1, 4).toString()).toBe("PNG");
  });

  it("takes the leaderboard's view and dedup as name=value words", async () => {
    const command = await telegram.sendCommand(vic, group, "/leaderboard view=style dedup=0.5");
    const table = await replyTo(group, command);
    expect(table.text).toMatch(/Overall · style controlled · deduplicated/);
    expect(table.text).toMatch(/Style coefficients/);
  });

  it("posts leaderboard updates in a subscribed chat when a battle with a counted vote closes", async () => {
    const subscribe = await telegram.sendCommand(adam, newsroom, "/arena subscribe");
    expect((await replyTo(newsroom, subscribe)).text).toMatch(/leaderboard updates/);
    const battle = await battleInPlace(telegram, mia, group, "Is water wet?");
    const voted = await telegram.pressButton(
      mia,
      group,
      battle.vote.messageId,
      buttonData(battle.vote, "B is better"),
    );
    expect(voted.text).toMatch(/You voted/);
    const isUpdate = (message: { text?: string | undefined }) =>
      message.text?.startsWith("📈 Leaderboard update") ?? false;
    expect(telegram.botMessages(newsroom.id).filter(isUpdate)).toEqual([]);
    const reveals = () =>
      telegram.botMessages(group.id).filter((message) => message.text?.includes("Voting closed")).length;
    const revealsBefore = reveals();
    await telegram.pressButton(mia, group, battle.vote.messageId, buttonData(battle.vote, "Close"));
    const update = await telegram.waitFor(() =>
      telegram.botMessages(newsroom.id).find((message) => message.text?.startsWith("📈 Leaderboard update")),
    );
    expect(update.entities.some((entity) => entity.type === "pre")).toBe(true);
    expect(update.text).toMatch(/alpha/);
    await telegram.waitFor(() => telegram.botMessages(newsroom.id).find((message) => message.photo));
    await telegram.waitFor(() => reveals() > revealsBefore || undefined);
  });

  it("waits the retry_after of a 429 and sends again", async () => {
    const before = logger.lines.length;
    const callsBefore = telegram.calls("sendMessage").length;
    telegram.failNext("sendMessage", { error_code: 429, retry_after: 1 });
    const command = await telegram.sendCommand(vic, telegram.privateChat(vic), "/help");
    const help = await replyTo(telegram.privateChat(vic), command);
    expect(help.text).toContain("/battle");
    const attempts = telegram.calls("sendMessage").slice(callsBefore);
    expect(attempts.map((call) => call.error?.error_code ?? 200)).toEqual([429, 200]);
    expect(logger.lines.slice(before).filter((line) => line.level === "warn")).toHaveLength(1);
  });

  it("resends as plain text when Telegram cannot parse the HTML", async () => {
    telegram.failNext("sendMessage", {
      error_code: 400,
      description: "Bad Request: can't parse entities: test",
    });
    const command = await telegram.sendCommand(mia, telegram.privateChat(mia), "/battle");
    const answer = await replyTo(telegram.privateChat(mia), command);
    expect(answer.parseMode).toBeUndefined();
    expect(answer.text).toMatch(/Write a prompt after \/battle/);
  });

  it("ends a failed update in one private message and one log line", async () => {
    const before = logger.lines.length;
    telegram.failNext("getChatMember", { error_code: 500, description: "Internal Server Error" });
    await telegram.sendCommand(vic, newsroom, "/leaderboard");
    // Vic has started the bot (an earlier test): the message goes to his private chat.
    const notice = await telegram.waitFor(() =>
      privateMessages(vic).find((message) => message.text?.includes("Something went wrong")),
    );
    expect(notice.text).toMatch(/^In “Newsroom”:/);
    const errors = logger.lines.slice(before).filter((line) => line.level === "error");
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(errors)).toContain("Internal Server Error");
  });
});
