// Telegram flood control on the bot's calls: the emulator answers 429 {ok:false, error_code:429,
// parameters:{retry_after}} on sendMessage (a storm while a turn is posted), answerCallbackQuery (a vote) and
// editMessageReplyMarkup (buttons removed at the close). The real telegraf adapter waits and calls again: the
// battle completes, nothing is posted or counted twice, and each wait has a log line naming the method.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ArenaRuntime } from "../../../src/main.ts";
import { findPersona } from "../../fakes/openai/personas.ts";
import type {
  RecordedCall,
  TelegramChat,
  TelegramEmulator,
  TelegramUser,
} from "../../fakes/telegram/index.ts";
import {
  battleInPlace,
  buttonData,
  type RecordingLogger,
  recordingLogger,
  startWorld,
  type World,
} from "./setup.ts";

const FLOOD = "telegram flood control: retrying after the wait Telegram asked for";

describe("Telegram adapter under flood control (429)", () => {
  let world: World;
  let telegram: TelegramEmulator;
  let runtime: ArenaRuntime;
  let logger: RecordingLogger;
  let mia: TelegramUser;
  let vic: TelegramUser;
  let group: TelegramChat;

  beforeAll(async () => {
    world = await startWorld();
    telegram = world.telegram;
    logger = recordingLogger();
    ({ runtime } = await world.startArena({ logger, tickMilliseconds: 200 }));
    mia = telegram.user({ firstName: "Mia" });
    vic = telegram.user({ firstName: "Vic" });
    group = telegram.chat({
      title: "Floods",
      kind: "supergroup",
      members: [
        [mia, "member"],
        [vic, "member"],
      ],
    });
  });

  afterAll(() => world?.close());

  const floodLines = (from: number) => logger.lines.slice(from).filter((line) => line.message === FLOOD);

  /** Each 429 of these calls was followed by the next call of the method no sooner than its retry_after. */
  function expectWaitHonoured(calls: readonly RecordedCall[], retryAfterMs: number) {
    const limited = calls.filter((call) => call.error?.error_code === 429);
    expect(limited.length).toBeGreaterThan(0);
    for (const call of limited) {
      const next = calls[calls.indexOf(call) + 1];
      if (!next) throw new Error(`a 429 on ${call.method} was never retried`);
      expect(next.at - call.at).toBeGreaterThanOrEqual(retryAfterMs);
    }
  }

  it("waits out a storm of 429s on sendMessage, answerCallbackQuery and editMessageReplyMarkup; one battle, one vote", async () => {
    const from = logger.lines.length;
    const sendsBefore = telegram.calls("sendMessage").length;
    const prompt = "How many legs does a spider have?";
    // The storm starts once the battle's first message is up: the models are asked only then.
    let armed = true;
    world.openai.script("fake-terse", {
      text: (messages) => {
        if (armed) telegram.failNext("sendMessage", { error_code: 429, retry_after: 0.2 }, 2);
        armed = false;
        return findPersona("fake-terse")?.answer(messages) ?? "";
      },
    });
    const battle = await battleInPlace(telegram, mia, group, prompt);
    const sends = telegram.calls("sendMessage").slice(sendsBefore);
    expect(sends.filter((call) => call.error?.error_code === 429)).toHaveLength(2);
    expectWaitHonoured(sends, 200);
    // Root, Model A, Model B, the vote message: each once.
    const texts = battle.messages().map((message) => message.text?.split("\n")[0]);
    expect(texts).toEqual([
      expect.stringContaining("Battle started by Mia"),
      "Model A",
      "Model B",
      expect.any(String),
    ]);
    expect(battle.messages().filter((message) => message.replyMarkup)).toHaveLength(1);

    telegram.failNext("answerCallbackQuery", { error_code: 429, retry_after: 0.2 });
    const answer = await telegram.pressButton(
      vic,
      group,
      battle.vote.messageId,
      buttonData(battle.vote, "Tie"),
    );
    expect(answer.text).toMatch(/You voted: Tie/);
    expectWaitHonoured(telegram.calls("answerCallbackQuery"), 200);

    telegram.failNext("editMessageReplyMarkup", { error_code: 429, retry_after: 0.2 });
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
    expect(reveal.text).toContain("A is better 0 · B is better 0 · Tie 1 · Both are bad 0");
    await telegram.waitFor(() =>
      battle
        .messages()
        .find((message) => message.messageId === battle.vote.messageId && !message.replyMarkup),
    );
    expectWaitHonoured(telegram.calls("editMessageReplyMarkup"), 200);
    expect(battle.messages().filter((message) => message.text?.startsWith("🔓 Voting closed"))).toHaveLength(
      1,
    );

    // Every press answered once; the vote counted once.
    const answered = telegram.callbackAnswers().map((entry) => entry.queryId);
    expect(new Set(answered).size).toBe(answered.length);
    const closed = (await runtime.store.battlesInState("closed")).find((entry) =>
      entry.turns.some((turn) => turn.userContent === prompt),
    );
    if (!closed) throw new Error("the battle is not closed");
    const votes = await runtime.store.votesOf(closed.id);
    expect(votes.map((entry) => [entry.choice, entry.counted])).toEqual([["tie", true]]);

    expect(floodLines(from).map((line) => [line.level, line.details])).toEqual([
      ["warn", { method: "sendMessage", retryAfterSeconds: 0.2, attempt: 1 }],
      ["warn", { method: "sendMessage", retryAfterSeconds: 0.2, attempt: 2 }],
      ["warn", { method: "answerCallbackQuery", retryAfterSeconds: 0.2, attempt: 1 }],
      ["warn", { method: "editMessageReplyMarkup", retryAfterSeconds: 0.2, attempt: 1 }],
    ]);
  });
});
