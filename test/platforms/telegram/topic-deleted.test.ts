// A battle's forum topic deleted while the models answer: the real telegraf adapter against the emulator, which
// then refuses sends into the topic with 400 "message thread not found". The battle is errored with the reason,
// a warn line names the battle, the chat and the topic; a battle in another chat carries on to a counted vote.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { BattleRecord } from "../../../src/arena/store.ts";
import type { ArenaRuntime } from "../../../src/main.ts";
import { findPersona } from "../../fakes/openai/personas.ts";
import type { TelegramChat, TelegramEmulator, TelegramUser } from "../../fakes/telegram/index.ts";
import {
  battleInPlace,
  buttonData,
  type RecordingLogger,
  recordingLogger,
  startWorld,
  type World,
} from "./setup.ts";

const DELETED = "telegram: a battle's forum topic was deleted before its answers were posted: battle errored";

describe("Telegram: a battle's forum topic deleted mid-battle", () => {
  let world: World;
  let telegram: TelegramEmulator;
  let runtime: ArenaRuntime;
  let logger: RecordingLogger;
  let mia: TelegramUser;
  let vic: TelegramUser;
  let forum: TelegramChat;
  let group: TelegramChat;

  beforeAll(async () => {
    world = await startWorld();
    telegram = world.telegram;
    logger = recordingLogger();
    ({ runtime } = await world.startArena({ logger, tickMilliseconds: 200 }));
    mia = telegram.user({ firstName: "Mia" });
    vic = telegram.user({ firstName: "Vic" });
    forum = telegram.chat({
      title: "Topics",
      kind: "forum",
      members: [
        [mia, "member"],
        [vic, "member"],
      ],
      bot: { status: "administrator" },
    });
    group = telegram.chat({
      title: "Elsewhere",
      kind: "supergroup",
      members: [
        [mia, "member"],
        [vic, "member"],
      ],
    });
  });

  afterAll(() => world?.close());

  async function battleOf(prompt: string, state: BattleRecord["state"]): Promise<BattleRecord> {
    return vi.waitFor(
      async () => {
        const found = (await runtime.store.battlesInState(state)).find((battle) =>
          battle.turns.some((turn) => turn.userContent === prompt),
        );
        if (!found) throw new Error(`no ${state} battle for "${prompt}"`);
        return found;
      },
      { timeout: 10_000, interval: 20 },
    );
  }

  it("errors the battle and logs the topic; a battle in another chat is answered and counted", async () => {
    const doomed = "Which planet has the most moons?";
    const other = "Which ocean is the largest?";
    // An administrator deletes the doomed battle's topic while the models are answering it.
    let deletedTopic: number | null = null;
    world.openai.script("fake-terse", {
      delayMs: 100,
      text: (messages) => {
        const topic = [...telegram.topics(forum.id)].find(([, name]) => name.includes("planet"));
        if (messages.at(-1)?.content === doomed && topic && deletedTopic === null) {
          deletedTopic = topic[0];
          telegram.deleteTopic(forum, topic[0]);
        }
        return findPersona("fake-terse")?.answer(messages) ?? "";
      },
    });
    const [, otherBattle] = await Promise.all([
      telegram.sendCommand(mia, forum, `/battle ${doomed}`),
      battleInPlace(telegram, vic, group, other),
    ]);

    const errored = await battleOf(doomed, "errored");
    expect(errored.reason).toBe("its answers could not be posted (its topic was deleted)");
    if (deletedTopic === null) throw new Error("the topic was not deleted");
    const topicId: number = deletedTopic;
    expect(errored.place.thread).toBe(String(topicId));
    await vi.waitFor(() => expect(logger.lines.filter((line) => line.message === DELETED)).toHaveLength(1));
    expect(logger.lines.find((line) => line.message === DELETED)).toMatchObject({
      level: "warn",
      details: { battle: errored.id, chat: forum.id, topic: topicId },
    });
    // One refused send into the topic (the first answer); the errored notice is not attempted there.
    const intoTopic = telegram
      .calls("sendMessage")
      .filter((call) => Number(call.params.message_thread_id) === topicId && call.error !== undefined);
    expect(intoTopic.map((call) => call.error?.description)).toEqual([
      "Bad Request: message thread not found",
    ]);
    expect(logger.lines.filter((line) => line.level === "error")).toEqual([]);

    // A vote on it (a replayed payload) is kept, not counted.
    const vote = await runtime.arena.vote(
      {
        actor: { platform: "telegram", userId: String(vic.id), displayName: "Vic", isCommunityAdmin: false },
        place: errored.place,
      },
      errored.id,
      "a",
    );
    expect(vote.refused).toBe(true);
    expect((await runtime.store.votesOf(errored.id)).filter((entry) => entry.counted)).toEqual([]);

    // The battle started at the same time in another chat runs to a counted vote.
    const answer = await telegram.pressButton(
      mia,
      group,
      otherBattle.vote.messageId,
      buttonData(otherBattle.vote, "B is better"),
    );
    expect(answer.text).toMatch(/You voted: B is better/);
    const open = await battleOf(other, "open");
    expect((await runtime.store.votesOf(open.id)).map((entry) => entry.counted)).toEqual([true]);
  });
});
