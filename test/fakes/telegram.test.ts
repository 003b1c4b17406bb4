import http from "node:http";
import type { AddressInfo } from "node:net";
import { Telegraf, TelegramError } from "telegraf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EntityParseError,
  parseTelegramHtml,
  startTelegramEmulator,
  type TelegramChat,
  type TelegramEmulator,
  type TelegramUser,
} from "./telegram/index.ts";

const TOKEN = "123456:TEST-polling-token";
const VOTE_KEYBOARD = {
  inline_keyboard: [
    [
      { text: "A is better", callback_data: "b1:a" },
      { text: "B is better", callback_data: "b1:b" },
    ],
    [
      { text: "Tie", callback_data: "b1:tie" },
      { text: "Both are bad", callback_data: "b1:bad" },
    ],
  ],
};

/** A header-only PNG of 2×3 pixels: enough for the emulator to read its size, as Telegram would. */
function tinyPng(): Buffer {
  const png = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(png, 0);
  png.writeUInt32BE(13, 8);
  png.write("IHDR", 12, "ascii");
  png.writeUInt32BE(2, 16);
  png.writeUInt32BE(3, 20);
  return png;
}

/** A small bot written directly with telegraf, exercising each Bot API method the arena adapter will use. */
function buildBot(apiRoot: string, token: string, seen: string[]): Telegraf {
  const bot = new Telegraf(token, { telegram: { apiRoot } });
  bot.catch((error) => {
    seen.push(`error: ${(error as Error).message}`);
  });
  bot.command("battle", async (ctx) => {
    seen.push(`battle: ${ctx.payload}`);
    const prompt = ctx.payload.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
    await ctx.reply(`<b>Prompt</b>: ${prompt}`, {
      parse_mode: "HTML",
      reply_parameters: { message_id: ctx.message.message_id },
      reply_markup: VOTE_KEYBOARD,
    });
  });
  bot.command("mod", async (ctx) => {
    const member = await ctx.getChatMember(ctx.from.id);
    const allowed = member.status === "creator" || member.status === "administrator";
    await ctx.reply(allowed ? `allowed (${member.status})` : `refused (${member.status})`);
  });
  bot.command("topic", async (ctx) => {
    const topic = await ctx.telegram.createForumTopic(ctx.chat.id, ctx.payload);
    await ctx.telegram.sendMessage(ctx.chat.id, `inside ${topic.name}`, {
      message_thread_id: topic.message_thread_id,
    });
  });
  bot.command("here", (ctx) => ctx.reply("answered in place"));
  bot.command("close", async (ctx) => {
    const sent = await ctx.reply("Voting open", { reply_markup: VOTE_KEYBOARD });
    // Editing the text without reply_markup also removes the keyboard, as on Telegram.
    await ctx.telegram.editMessageText(ctx.chat.id, sent.message_id, undefined, "<i>Closed</i>: A 2 · B 1", {
      parse_mode: "HTML",
    });
  });
  bot.command("chart", (ctx) =>
    ctx.replyWithPhoto({ source: tinyPng(), filename: "chart.png" }, { caption: "Leaderboard" }),
  );
  bot.action(/^b1:(.+)$/, async (ctx) => {
    await ctx.answerCbQuery(`You voted ${ctx.match[1]}: A was model-x, B was model-y`, { show_alert: true });
    await ctx.editMessageReplyMarkup(undefined);
  });
  bot.on("text", (ctx) => {
    seen.push(`text: ${ctx.message.text} (reply to ${ctx.message.reply_to_message?.message_id})`);
  });
  return bot;
}

describe("Telegram emulator driven by telegraf (long polling)", () => {
  let telegram: TelegramEmulator;
  let bot: Telegraf;
  let polling: Promise<void>;
  const seen: string[] = [];
  let creator: TelegramUser;
  let admin: TelegramUser;
  let member: TelegramUser;
  let group: TelegramChat;
  let forum: TelegramChat;

  beforeAll(async () => {
    telegram = await startTelegramEmulator({ botToken: TOKEN });
    creator = telegram.user({ firstName: "Cleo", username: "cleo" });
    admin = telegram.user({ firstName: "Adam" });
    member = telegram.user({ firstName: "Mia" });
    const members = [
      [creator, "creator"],
      [admin, "administrator"],
      [member, "member"],
    ] as const;
    group = telegram.chat({ title: "Arena group", kind: "supergroup", members });
    forum = telegram.chat({ title: "Arena forum", kind: "forum", members, bot: { status: "administrator" } });
    bot = buildBot(telegram.apiRoot, TOKEN, seen);
    await new Promise<void>((launched) => {
      polling = bot.launch(() => launched());
    });
  });

  afterAll(async () => {
    bot.stop("test end");
    await polling;
    await telegram.close();
  });

  it("delivers a command and shows the HTML reply with its keyboard, replying to the command", async () => {
    const command = await telegram.sendCommand(member, group, "/battle is 2 < 3 & why?");
    const [reply] = await telegram.waitFor(() => {
      const messages = telegram.botMessages(group.id);
      return messages.length > 0 && messages;
    });
    expect(seen).toContain("battle: is 2 < 3 & why?");
    expect(reply?.text).toBe("Prompt: is 2 < 3 & why?");
    expect(reply?.entities).toEqual([{ type: "bold", offset: 0, length: 6 }]);
    expect(reply?.parseMode).toBe("HTML");
    expect(reply?.replyToMessageId).toBe(command.message_id);
    expect(reply?.replyMarkup?.inline_keyboard.flat().map((button) => button.text)).toEqual([
      "A is better",
      "B is better",
      "Tie",
      "Both are bad",
    ]);
  });

  it("keeps group privacy: plain text is not delivered, a reply to the bot is", async () => {
    const botMessage = telegram.botMessages(group.id)[0];
    if (!botMessage) throw new Error("the previous test left no bot message");
    await telegram.sendText(member, group, "just chatting");
    const reply = await telegram.reply(creator, group, botMessage.messageId, "a follow-up");
    await telegram.waitFor(() => seen.some((line) => line.startsWith("text: a follow-up")));
    expect(seen).toContain(`text: a follow-up (reply to ${botMessage.messageId})`);
    expect(seen.some((line) => line.includes("just chatting"))).toBe(false);
    expect(reply.reply_to_message?.from.id).toBe(telegram.bot.id);
  });

  it("answers a button press with an alert, then the keyboard is removed and the query can't be answered again", async () => {
    await telegram.sendCommand(creator, group, "/battle vote on me");
    const message = await telegram.waitFor(() =>
      telegram.botMessages(group.id).find((m) => m.text === "Prompt: vote on me"),
    );
    const answer = await telegram.pressButton(admin, group, message.messageId, "b1:tie");
    expect(answer).toMatchObject({ fromUserId: admin.id, data: "b1:tie", showAlert: true });
    expect(answer.text).toBe("You voted tie: A was model-x, B was model-y");
    const edited = await telegram.waitFor(() =>
      telegram.botMessages(group.id).find((m) => m.messageId === message.messageId && m.edited),
    );
    expect(edited.replyMarkup).toBeUndefined();
    await expect(telegram.pressButton(member, group, message.messageId, "b1:a")).rejects.toThrow(/no button/);
    await expect(bot.telegram.answerCbQuery(answer.queryId, "again")).rejects.toMatchObject({
      code: 400,
      description: "Bad Request: query is too old and response timeout expired or query ID is invalid",
    });
  });

  it("applies editMessageText (keyboard dropped) and refuses an edit that changes nothing", async () => {
    const chat = telegram.privateChat(creator);
    const events: string[] = [];
    const unsubscribe = telegram.subscribe((event) => {
      if (event.type === "sent" || event.type === "edited")
        events.push(`${event.type} ${event.message.text}`);
    });
    await telegram.sendCommand(creator, chat, "/close");
    const closed = await telegram.waitFor(() => telegram.botMessages(chat.id).find((m) => m.edited));
    unsubscribe();
    expect(closed).toMatchObject({ text: "Closed: A 2 · B 1", parseMode: "HTML", replyMarkup: undefined });
    expect(closed.entities).toEqual([{ type: "italic", offset: 0, length: 6 }]);
    expect(events).toEqual(["sent Voting open", "edited Closed: A 2 · B 1"]);
    await expect(
      bot.telegram.editMessageText(chat.id, closed.messageId, undefined, "<i>Closed</i>: A 2 · B 1", {
        parse_mode: "HTML",
      }),
    ).rejects.toMatchObject({ description: expect.stringContaining("message is not modified") });
  });

  it("records setMyCommands per scope and resolves each user's menu", async () => {
    await bot.telegram.setMyCommands([
      { command: "battle", description: "Start a battle" },
      { command: "leaderboard", description: "Show the leaderboard" },
    ]);
    await bot.telegram.setMyCommands(
      [
        { command: "battle", description: "Start a battle" },
        { command: "models", description: "Manage models" },
      ],
      { scope: { type: "all_chat_administrators" } },
    );
    expect(telegram.commands({ type: "all_chat_administrators" })?.map((c) => c.command)).toEqual([
      "battle",
      "models",
    ]);
    expect(telegram.menuFor(admin, group).map((c) => c.command)).toContain("models");
    expect(telegram.menuFor(member, group).map((c) => c.command)).toEqual(["battle", "leaderboard"]);
    const fetched = await bot.telegram.getMyCommands({ scope: { type: "all_chat_administrators" } });
    expect(fetched.map((c) => c.command)).toEqual(["battle", "models"]);
    await expect(
      bot.telegram.setMyCommands([{ command: "Bad-Name", description: "x" }]),
    ).rejects.toMatchObject({
      code: 400,
    });
  });

  it("answers getChatMember with creator, administrator or member", async () => {
    await telegram.sendCommand(admin, group, "/mod");
    await telegram.sendCommand(member, group, "/mod");
    await telegram.sendCommand(creator, group, "/mod@arena_test_bot", {});
    const texts = await telegram.waitFor(() => {
      const replies = telegram.botMessages(group.id).filter((m) => /^(allowed|refused)/.test(m.text ?? ""));
      return replies.length === 3 && replies.map((m) => m.text);
    });
    expect(texts).toEqual(["allowed (administrator)", "refused (member)", "allowed (creator)"]);
  });

  it("creates a forum topic, posts into it, and replies in place to a command sent inside it", async () => {
    await telegram.sendCommand(member, forum, "/topic Battle #1");
    const [threadId] = await telegram.waitFor(() => {
      const topics = [...telegram.topics(forum.id).keys()];
      return telegram.botMessages(forum.id).length > 0 && topics;
    });
    if (threadId === undefined) throw new Error("no topic was created");
    expect(telegram.topics(forum.id).get(threadId)).toBe("Battle #1");
    const [inside] = telegram.botMessages(forum.id, threadId);
    expect(inside?.text).toBe("inside Battle #1");
    expect(inside?.wire).toMatchObject({ message_thread_id: threadId, is_topic_message: true });

    await telegram.sendCommand(member, forum, "/here", { threadId });
    const replies = await telegram.waitFor(() => {
      const messages = telegram.botMessages(forum.id, threadId);
      return messages.length === 2 && messages;
    });
    expect(replies[1]?.text).toBe("answered in place");
    await expect(bot.telegram.createForumTopic(group.id, "not a forum")).rejects.toMatchObject({
      description: "Bad Request: the chat is not a forum",
    });
    const forumWithoutRights = telegram.chat({
      title: "Other forum",
      kind: "forum",
      members: [[member, "member"]],
    });
    await expect(bot.telegram.createForumTopic(forumWithoutRights.id, "no rights")).rejects.toMatchObject({
      description: "Bad Request: not enough rights to create a topic",
    });
    expect(await bot.telegram.getChat(forum.id)).toMatchObject({ type: "supergroup", is_forum: true });
  });

  it("records the bytes of an uploaded photo", async () => {
    await telegram.sendCommand(member, telegram.privateChat(member), "/chart");
    const photo = await telegram.waitFor(() => telegram.botMessages(member.id).find((m) => m.photo));
    expect(photo.photo?.bytes?.equals(tinyPng())).toBe(true);
    expect(photo.photo?.filename).toBe("chart.png");
    expect(photo.text).toBe("Leaderboard");
    expect(photo.wire.photo?.[0]).toMatchObject({ width: 2, height: 3 });
  });

  it("fails the next call with 429 and retry_after in Telegram's error format", async () => {
    telegram.failNext("sendMessage", { error_code: 429, retry_after: 1 });
    const error = await bot.telegram.sendMessage(group.id, "flood").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TelegramError);
    expect(error).toMatchObject({
      code: 429,
      description: "Too Many Requests: retry after 1",
      parameters: { retry_after: 1 },
    });
    const sent = await bot.telegram.sendMessage(group.id, "after the flood");
    expect(sent.text).toBe("after the flood");
  });

  it("refuses callback_data over 64 bytes, text over 4096 characters and malformed HTML", async () => {
    const keyboard = (data: string) => ({
      reply_markup: { inline_keyboard: [[{ text: "x", callback_data: data }]] },
    });
    await expect(bot.telegram.sendMessage(group.id, "ok", keyboard("é".repeat(32)))).resolves.toBeDefined();
    await expect(bot.telegram.sendMessage(group.id, "no", keyboard("é".repeat(33)))).rejects.toMatchObject({
      code: 400,
      description: "Bad Request: BUTTON_DATA_INVALID",
    });
    await expect(bot.telegram.sendMessage(group.id, "x".repeat(4096))).resolves.toBeDefined();
    await expect(bot.telegram.sendMessage(group.id, "x".repeat(4097))).rejects.toMatchObject({
      description: "Bad Request: message is too long",
    });
    await expect(
      bot.telegram.sendMessage(group.id, "<b>unclosed", { parse_mode: "HTML" }),
    ).rejects.toMatchObject({ code: 400, description: expect.stringContaining("can't parse entities") });
  });

  it("answers 403 in a chat the bot was removed from", async () => {
    const gone = telegram.chat({ title: "Left behind", kind: "group", members: [[member, "member"]] });
    telegram.setMember(gone, telegram.bot, "kicked");
    await expect(bot.telegram.sendMessage(gone.id, "hello?")).rejects.toMatchObject({
      code: 403,
      description: "Forbidden: bot is not a member of the group chat",
    });
  });

  it("answers an unknown method with 404 and a wrong token with 401", async () => {
    await expect(bot.telegram.callApi("getStickerSet" as "getMe", {})).rejects.toMatchObject({ code: 404 });
    const stranger = new Telegraf("999:wrong", { telegram: { apiRoot: telegram.apiRoot } });
    await expect(stranger.telegram.getMe()).rejects.toMatchObject({ code: 401, description: "Unauthorized" });
  });
});

describe("parseTelegramHtml", () => {
  it("turns nested tags into entities with UTF-16 offsets and decodes entities", () => {
    const parsed = parseTelegramHtml(
      '🎲 <b>A <i>&amp; B</i></b> <a href="https://x.test/?a=1&amp;b=2">link</a>',
    );
    expect(parsed.text).toBe("🎲 A & B link");
    expect(parsed.entities).toEqual([
      { type: "bold", offset: 3, length: 5 },
      { type: "italic", offset: 5, length: 3 },
      { type: "text_link", offset: 9, length: 4, url: "https://x.test/?a=1&b=2" },
    ]);
  });

  it("reads the language of a code block and refuses what Telegram refuses", () => {
    const parsed = parseTelegramHtml('<pre><code class="language-ts">let x = 1 &lt; 2;</code></pre>');
    expect(parsed).toEqual({
      text: "let x = 1 < 2;",
      entities: [{ type: "pre", offset: 0, length: 14, language: "ts" }],
    });
    expect(() => parseTelegramHtml("<div>x</div>")).toThrow(EntityParseError);
    expect(() => parseTelegramHtml("<b>x</i>")).toThrow(/Unmatched end tag/);
    expect(() => parseTelegramHtml("1 < 2")).toThrow(EntityParseError);
  });
});

describe("Telegram emulator driven by telegraf (webhook)", () => {
  const token = "654321:TEST-webhook-token";
  const secret = "right-secret";
  let telegram: TelegramEmulator;
  let bot: Telegraf;
  let hookServer: http.Server;
  const seen: string[] = [];

  beforeAll(async () => {
    telegram = await startTelegramEmulator({ botToken: token });
    bot = buildBot(telegram.apiRoot, token, seen);
    hookServer = http.createServer(bot.webhookCallback("/hook", { secretToken: secret }));
    await new Promise<void>((resolve) => hookServer.listen(0, "127.0.0.1", resolve));
    const { port } = hookServer.address() as AddressInfo;
    await bot.telegram.setWebhook(`http://127.0.0.1:${port}/hook`, { secret_token: secret });
  });

  afterAll(async () => {
    hookServer.closeAllConnections();
    await new Promise((resolve) => hookServer.close(resolve));
    await telegram.close();
  });

  it("delivers with the right secret, and telegraf's webhook handler refuses a wrong one", async () => {
    const user = telegram.user({ firstName: "Wes" });
    const chat = telegram.privateChat(user);
    await telegram.sendCommand(user, chat, "/battle over a webhook");
    expect(seen).toContain("battle: over a webhook");
    expect(telegram.webhookDeliveries().at(-1)).toMatchObject({ status: 200, secretSent: secret });

    telegram.overrideWebhookSecret("wrong-secret");
    await telegram.sendCommand(user, chat, "/battle sneaked in");
    expect(telegram.webhookDeliveries().at(-1)).toMatchObject({ status: 403, secretSent: "wrong-secret" });
    expect(seen.some((line) => line.includes("sneaked in"))).toBe(false);
    const info = await bot.telegram.getWebhookInfo();
    expect(info.last_error_message).toContain("403");
    telegram.overrideWebhookSecret(undefined);

    await expect(bot.telegram.getUpdates(0, 100, 0, [])).rejects.toMatchObject({ code: 409 });
  });

  it("takes answerCallbackQuery given in the webhook response body", async () => {
    const user = telegram.user({ firstName: "Vic" });
    const chat = telegram.privateChat(user);
    await telegram.sendCommand(user, chat, "/battle press me");
    const message = await telegram.waitFor(() => telegram.botMessages(chat.id).at(-1));
    const answer = await telegram.pressButton(user, chat, message.messageId, "b1:a");
    expect(answer).toMatchObject({ text: "You voted a: A was model-x, B was model-y", showAlert: true });
    const webhookReply = telegram.calls("answerCallbackQuery").at(-1);
    expect(webhookReply?.params.callback_query_id).toBe(answer.queryId);
  });
});
