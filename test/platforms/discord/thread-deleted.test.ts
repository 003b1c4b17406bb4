// A battle's thread deleted while the models answer: the real discord.js client against the fake Discord, which
// then answers 10003 Unknown Channel for the thread and dispatches THREAD_DELETE. The battle is errored with the
// reason, its creator told privately, a warn line names the battle and the thread; other battles carry on.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { BattleRecord } from "../../../src/arena/store.ts";
import type { ArenaRuntime } from "../../../src/main.ts";
import type { FakeDiscord, FakeUser } from "../../fakes/discord/index.ts";
import { findPersona } from "../../fakes/openai/personas.ts";
import { buttonId, type RecordingLogger, recordingLogger, startWorld, type World } from "./setup.ts";

const WAIT = 10_000;
const DELETED = "discord: a battle's thread was deleted before its answers were posted: battle errored";

describe("Discord: a battle's thread deleted mid-battle", () => {
  let world: World;
  let discord: FakeDiscord;
  let runtime: ArenaRuntime;
  let logger: RecordingLogger;
  let alice: FakeUser;
  let bob: FakeUser;
  let carol: FakeUser;

  beforeAll(async () => {
    world = await startWorld();
    discord = world.discord;
    logger = recordingLogger();
    ({ runtime } = await world.startArena({ logger, tickMilliseconds: 200 }));
    alice = discord.addUser({ username: "alice" });
    bob = discord.addUser({ username: "bob" });
    carol = discord.addUser({ username: "carol" });
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
      { timeout: WAIT, interval: 20 },
    );
  }

  it("errors the battle, tells its creator, logs the thread; a battle elsewhere is answered and counted", async () => {
    const doomed = "Which planet has the most moons?";
    const other = "Which ocean is the largest?";
    const general = discord.channelId("general");
    const battles = discord.channelId("battles");
    // A moderator deletes the doomed battle's thread while the models are answering it.
    let deletedThread: string | null = null;
    world.openai.script("fake-terse", {
      delayMs: 100,
      text: (messages) => {
        const asked = messages.at(-1)?.content ?? "";
        const thread = discord.threads(general).find((candidate) => candidate.name.includes("planet"));
        if (asked === doomed && thread && deletedThread === null) {
          deletedThread = thread.id;
          discord.deleteChannel(thread.id);
        }
        return findPersona("fake-terse")?.answer(messages) ?? "";
      },
    });
    const doomedCommand = discord.slashCommand(alice, general, "battle", { prompt: doomed });
    const otherCommand = discord.slashCommand(bob, battles, "battle", { prompt: other });
    await doomedCommand.waitForReply(WAIT);
    const otherReply = await otherCommand.waitForReply(WAIT);

    const errored = await battleOf(doomed, "errored");
    expect(errored.reason).toBe("its answers could not be posted (its thread was deleted)");
    if (deletedThread === null) throw new Error("the thread was not deleted");
    const threadId: string = deletedThread;
    await vi.waitFor(() => expect(logger.lines.filter((line) => line.message === DELETED)).toHaveLength(1));
    const [line] = logger.lines.filter((entry) => entry.message === DELETED);
    expect(line).toMatchObject({ level: "warn", details: { battle: errored.id, channel: threadId } });
    // Nothing was posted into the deleted thread; at most one attempt, answered Unknown Channel.
    const attempts = discord.requestsTo(`POST /channels/${threadId}/messages`);
    expect(attempts.length).toBeLessThanOrEqual(1);
    for (const attempt of attempts) expect(attempt.status).toBe(404);
    expect(discord.messages(threadId)).toEqual([]);
    // Its creator is told privately.
    const notice = await doomedCommand.waitForFollowUp(0, WAIT);
    expect(notice.visibleTo).toBe(alice.id);
    expect(notice.content).toMatch(/thread was deleted/);
    // Nobody gets an error line for it.
    expect(logger.lines.filter((entry) => entry.level === "error")).toEqual([]);

    // A vote on it (a replayed payload) is kept, not counted.
    const vote = await runtime.arena.vote(
      {
        actor: { platform: "discord", userId: carol.id, displayName: "carol", isCommunityAdmin: false },
        place: errored.place,
      },
      errored.id,
      "a",
    );
    expect(vote.refused).toBe(true);
    expect((await runtime.store.votesOf(errored.id)).filter((entry) => entry.counted)).toEqual([]);

    // The other battle, started at the same time, runs to a counted vote.
    const otherVote = await discord.waitFor(
      () => discord.messages(otherReply.id).find((message) => message.components.length > 0),
      WAIT,
      "the other battle's vote buttons",
    );
    const answer = await discord
      .clickButton(carol, otherVote.id, buttonId(otherVote, "A is better"))
      .waitForReply(WAIT);
    expect(answer.content).toMatch(/You voted: A is better/);
    const open = await battleOf(other, "open");
    expect((await runtime.store.votesOf(open.id)).map((entry) => entry.counted)).toEqual([true]);
  });
});
