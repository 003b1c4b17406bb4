// Telegram delivers an update again when it did not see it acknowledged. Through real telegraf, in webhook mode
// and in long polling, the same update_id delivered twice is handled once: one battle, one vote, one answer to the
// press, and a log line saying the copy was skipped.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ArenaRuntime } from "../../../src/main.ts";
import type { TelegramChat, TelegramEmulator, TelegramUser } from "../../fakes/telegram/index.ts";
import {
  buttonData,
  type RecordingLogger,
  recordingLogger,
  startWorld,
  type World,
  webhookEnvironment,
} from "./setup.ts";

const SKIPPED = "telegram update delivered again: skipped (already handled)";

describe.each([
  { mode: "webhook", environment: webhookEnvironment },
  { mode: "long polling", environment: async () => ({}) },
])("Telegram adapter ($mode): an update delivered twice", ({ environment }) => {
  let world: World;
  let telegram: TelegramEmulator;
  let runtime: ArenaRuntime;
  let logger: RecordingLogger;
  let ana: TelegramUser;
  let group: TelegramChat;

  beforeAll(async () => {
    world = await startWorld();
    telegram = world.telegram;
    logger = recordingLogger();
    ana = telegram.user({ firstName: "Ana" });
    group = telegram.chat({ title: "Twice", kind: "supergroup", members: [[ana, "member"]] });
    const env = await environment();
    ({ runtime } = await world.startArena({ logger, env, adapter: { webhookHost: "127.0.0.1" } }));
  });

  afterAll(() => world?.close());

  const skipped = (updateId: number) =>
    logger.lines.filter(
      (line) => line.message === SKIPPED && (line.details as { updateId?: number }).updateId === updateId,
    );

  it("starts one battle for a /battle command delivered twice, and logs the copy", async () => {
    const prompt = "Which is heavier, a kilo of feathers or a kilo of lead?";
    const command = await telegram.sendCommand(ana, group, `/battle ${prompt}`);
    const updateId = telegram.lastUpdateId();
    // The first delivery is handled (the battle's first message is up) before Telegram sends it again.
    const replies = () =>
      telegram.botMessages(group.id).filter((message) => message.replyToMessageId === command.message_id);
    await telegram.waitFor(() => replies().length > 0);
    await telegram.redeliver(updateId);
    const [line] = await telegram.waitFor(() => (skipped(updateId).length > 0 ? skipped(updateId) : null));
    expect(line).toMatchObject({ level: "warn", details: { updateId, kind: "message" } });

    const root = replies()[0];
    const vote = await telegram.waitFor(() =>
      telegram
        .botMessages(group.id)
        .find((message) => message.replyToMessageId === root?.messageId && message.replyMarkup),
    );
    expect(replies()).toHaveLength(1);
    const battles = [
      ...(await runtime.store.battlesInState("open")),
      ...(await runtime.store.battlesInState("generating")),
    ].filter((battle) => battle.turns.some((turn) => turn.userContent === prompt));
    expect(battles).toHaveLength(1);
    expect(skipped(updateId)).toHaveLength(1);

    // A press delivered twice: one answer to the query, one vote.
    const answersBefore = telegram.callbackAnswers().length;
    const answer = await telegram.pressButton(ana, group, vote.messageId, buttonData(vote, "A is better"));
    const pressId = telegram.lastUpdateId();
    expect(answer.text).toMatch(/Model A is/);
    await telegram.redeliver(pressId);
    await telegram.waitFor(() => skipped(pressId).length > 0);
    expect(skipped(pressId)[0]?.details).toMatchObject({ kind: "callback_query" });
    const battle = battles[0];
    if (!battle) throw new Error("no battle");
    const votes = await runtime.store.votesOf(battle.id);
    expect(votes).toHaveLength(1);
    expect(votes[0]).toMatchObject({ choice: "a", counted: true });
    expect(telegram.callbackAnswers().slice(answersBefore)).toHaveLength(1);
    expect(telegram.calls("answerCallbackQuery").filter((call) => call.error)).toHaveLength(0);
  });
});
