// Platform faults seen from Discord: the real discord.js client against the fake Discord (REST and gateway), the
// real arena on a temp SQLite file, the real openai SDK against the scripted fake model server.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { BattleRecord } from "../../../src/arena/store.ts";
import type { ArenaRuntime } from "../../../src/main.ts";
import type { FakeDiscord, FakeMessage, FakeUser } from "../../fakes/discord/index.ts";
import { findPersona } from "../../fakes/openai/personas.ts";
import {
  buttonId,
  contents,
  type RecordingLogger,
  recordingLogger,
  startWorld,
  type World,
} from "./setup.ts";

const WAIT = 10_000;

describe("Discord adapter under platform faults", () => {
  let world: World;
  let discord: FakeDiscord;
  let runtime: ArenaRuntime;
  let logger: RecordingLogger;
  let alice: FakeUser;
  let voters: FakeUser[];
  let general: string;

  beforeAll(async () => {
    world = await startWorld();
    discord = world.discord;
    logger = recordingLogger();
    ({ runtime } = await world.startArena({ logger, tickMilliseconds: 200 }));
    alice = discord.addUser({ username: "alice" });
    voters = ["bob", "carol", "dan", "erin", "fay", "gus"].map((username) => discord.addUser({ username }));
    general = discord.channelId("general");
  });

  afterAll(() => world?.close());

  /** Runs /battle and waits for the vote message in its thread. */
  async function battle(prompt: string) {
    const command = discord.slashCommand(alice, general, "battle", { prompt });
    const reply = await command.waitForReply(WAIT);
    const vote = await discord.waitFor(
      () => discord.messages(reply.id).find((message) => message.components.length > 0),
      WAIT,
      "the vote buttons",
    );
    return { command, threadId: reply.id, vote };
  }

  async function record(prompt: string): Promise<BattleRecord> {
    return vi.waitFor(
      async () => {
        for (const state of ["generating", "open", "closed", "errored"] as const) {
          const found = (await runtime.store.battlesInState(state)).find((battle) =>
            battle.turns.some((turn) => turn.userContent === prompt),
          );
          if (found) return found;
        }
        throw new Error(`no battle for "${prompt}"`);
      },
      { timeout: WAIT, interval: 20 },
    );
  }

  function press(user: FakeUser, message: FakeMessage, label: string) {
    return discord.clickButton(user, message.id, buttonId(message, label));
  }

  const logged = (message: string) => logger.lines.filter((line) => line.message === message);

  it("resumes after the gateway drops mid-battle; votes pressed while it is down arrive once, none is lost", async () => {
    const prompt = "What is the capital of Australia?";
    // The gateway drops (resumable close 4000) while the models are answering.
    let armed = true;
    world.openai.script("fake-terse", {
      text: (messages) => {
        if (armed) discord.dropGateway();
        armed = false;
        return findPersona("fake-terse")?.answer(messages) ?? "";
      },
    });
    const resumed = discord.waitForGateway("resumed", WAIT);
    const { vote } = await battle(prompt);
    await resumed;
    expect(logged("discord gateway connection lost: reconnecting").length).toBeGreaterThanOrEqual(1);
    await vi.waitFor(() => expect(logged("discord gateway resumed").length).toBeGreaterThanOrEqual(1));

    // Dropped again: presses dispatched while the socket is closing are replayed after the RESUME.
    const [bob, carol, dan, erin] = voters;
    if (!bob || !carol || !dan || !erin) throw new Error("voters");
    const resumedAgain = discord.waitForGateway("resumed", WAIT);
    discord.dropGateway();
    const duringDrop = [press(bob, vote, "A is better"), press(carol, vote, "B is better")];
    // Both INTERACTION_CREATE dispatches missed the closing socket and were replayed on the RESUME.
    expect((await resumedAgain).replayed).toBe(2);
    // After the resume, interactions work as before.
    const afterResume = [press(dan, vote, "Tie"), press(erin, vote, "Both are bad")];
    const answers = await Promise.all(
      [...duringDrop, ...afterResume].map((handle) => handle.waitForReply(WAIT)),
    );
    for (const [index, answer] of answers.entries()) {
      expect(answer.visibleTo).toBe([bob, carol, dan, erin][index]?.id);
      expect(answer.content).toMatch(/You voted: .*\nModel A is/);
    }
    const votes = await runtime.store.votesOf((await record(prompt)).id);
    expect(votes.map((entry) => entry.choice).sort()).toEqual(["a", "b", "bad", "tie"]);
    expect(votes.every((entry) => entry.counted)).toBe(true);
  });

  it("starts a new session when Discord refuses the resume; later interactions work, earlier votes stay once", async () => {
    const prompt = "Name a river in Africa";
    world.openai.script("fake-terse", {});
    const { vote } = await battle(prompt);
    const [bob, carol] = voters;
    if (!bob || !carol) throw new Error("voters");
    await press(bob, vote, "A is better").waitForReply(WAIT);
    const identified = discord.waitForGateway("ready", WAIT);
    discord.dropGateway({ resumable: false });
    await identified;
    await vi.waitFor(
      () =>
        expect(
          logged(
            "discord gateway session could not be resumed: a new one started (events meanwhile are lost)",
          ),
        ).toHaveLength(1),
      { timeout: WAIT },
    );
    const again = await press(bob, vote, "B is better").waitForReply(WAIT);
    expect(again.content).toMatch(/already voted/);
    const carolVote = await press(carol, vote, "Tie").waitForReply(WAIT);
    expect(carolVote.content).toMatch(/You voted: Tie/);
    const votes = await runtime.store.votesOf((await record(prompt)).id);
    expect(votes.map((entry) => entry.choice).sort()).toEqual(["a", "tie"]);
    expect(contents(discord, general).length).toBeGreaterThan(0);
  });
});
