// The Discord adapter end to end: the real discord.js client against the fake Discord, the real arena on a temp
// SQLite file, the real openai SDK against the scripted fake model server.
import { MessageFlags, PermissionFlagsBits } from "discord.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { BattleRecord } from "../../../src/arena/store.ts";
import { VOTE_PROMPT } from "../../../src/arena/texts.ts";
import type { ArenaRuntime } from "../../../src/main.ts";
import type { FakeDiscord, FakeMessage, FakeUser } from "../../fakes/discord/index.ts";
import type { RunningArena } from "../setup.ts";
import {
  buttonId,
  buttonIds,
  buttonLabels,
  contents,
  recordingLogger,
  startWorld,
  type World,
} from "./setup.ts";

const WAIT = 10_000;

describe("Discord adapter", () => {
  let world: World;
  let discord: FakeDiscord;
  let arena: RunningArena;
  let runtime: ArenaRuntime;
  const logger = recordingLogger();
  let alice: FakeUser;
  let bob: FakeUser;
  let carol: FakeUser;
  let mod: FakeUser;
  let general: string;
  let battles: string;

  beforeAll(async () => {
    world = await startWorld();
    discord = world.discord;
    arena = await world.startArena({ logger, tickMilliseconds: 200 });
    runtime = arena.runtime;
    alice = discord.addUser({ username: "alice", globalName: "Alice" });
    bob = discord.addUser({ username: "bob" });
    carol = discord.addUser({ username: "carol" });
    mod = discord.addUser({ username: "mod", moderator: true });
    general = discord.channelId("general");
    battles = discord.channelId("battles");
  });

  afterAll(async () => {
    await world?.close();
    // Secrets never reach a log line.
    const logged = JSON.stringify(logger.lines);
    expect(logged).not.toContain(world.config.DISCORD_TOKEN);
  });

  /** Runs /battle and waits for the battle's thread to show its vote buttons, or any message matching `until`. */
  async function battle(
    user: FakeUser,
    channelId: string,
    prompt: string,
    until?: (m: FakeMessage) => boolean,
  ) {
    const command = discord.slashCommand(user, channelId, "battle", { prompt });
    const reply = await command.waitForReply(WAIT);
    const threadId = discord.channel(channelId)?.parentId ? channelId : reply.id;
    const before = discord.messages(threadId).length;
    const ended = until ?? ((m: FakeMessage) => m.components.length > 0);
    const last = await discord.waitFor(
      () => discord.messages(threadId).slice(before).find(ended),
      WAIT,
      "the battle's thread to fill",
    );
    return { command, reply, threadId, last };
  }

  function press(user: FakeUser, message: FakeMessage, label: string) {
    return discord.clickButton(user, message.id, buttonId(message, label));
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
      { timeout: WAIT, interval: 20 },
    );
  }

  /** A vote on the battle as the arena sees it (its buttons were never posted). */
  function voteOn(battle: BattleRecord, user: FakeUser) {
    const actor = {
      platform: "discord",
      userId: user.id,
      displayName: user.username,
      isCommunityAdmin: false,
    };
    return runtime.arena.vote({ actor, place: battle.place }, battle.id, "a");
  }

  async function moderate(options: Record<string, Record<string, string>>) {
    const reply = await discord.slashCommand(mod, general, "model", options).waitForReply(WAIT);
    expect(reply.visibleTo).toBe(mod.id);
    return reply.content;
  }

  it("registers every command in the configured guild, moderator commands with Manage Server", () => {
    const registered = discord.registeredCommands(discord.guild.id);
    expect(registered.map((command) => command.name).sort()).toEqual([
      "arena",
      "battle",
      "leaderboard",
      "model",
    ]);
    expect(discord.registeredCommands()).toEqual([]);
    const byName = new Map(registered.map((command) => [command.name, command]));
    const manageGuild = PermissionFlagsBits.ManageGuild.toString();
    expect(byName.get("model")?.defaultMemberPermissions).toBe(manageGuild);
    expect(byName.get("arena")?.defaultMemberPermissions).toBe(manageGuild);
    expect(byName.get("battle")?.defaultMemberPermissions).toBeNull();
    expect(byName.get("leaderboard")?.defaultMemberPermissions).toBeNull();

    type Option = Record<string, unknown> & { name: string; type: number; options?: Option[] };
    const options = (name: string) => (byName.get(name)?.options ?? []) as Option[];
    const prompt = options("battle")[0];
    expect(prompt).toMatchObject({ name: "prompt", type: 3, required: true });
    expect(prompt?.max_length).toBeGreaterThan(100);
    expect(prompt?.max_length).toBeLessThanOrEqual(6000);
    const chart = options("leaderboard").find((option) => option.name === "chart");
    expect(chart?.choices).toEqual(expect.arrayContaining([{ name: "Battle counts", value: "counts" }]));
    expect(options("leaderboard").find((option) => option.name === "category")?.autocomplete).toBe(true);
    const window = options("arena").find((option) => option.name === "window");
    expect(window?.type).toBe(1);
    expect(window?.options?.[0]).toMatchObject({ name: "minutes", type: 4, min_value: 1, max_value: 10080 });
    const add = options("model").find((option) => option.name === "add");
    expect(add?.options?.find((option) => option.name === "weight")?.type).toBe(10);
    const enable = options("model").find((option) => option.name === "enable");
    expect(enable?.options?.[0]).toMatchObject({ name: "name", autocomplete: true });
  });

  it("refuses a moderator command to a normal member, privately", async () => {
    const refused = await discord.slashCommand(alice, general, "model", { list: {} }).waitForReply(WAIT);
    expect(refused.visibleTo).toBe(alice.id);
    expect(refused.flags & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(refused.content).toMatch(/only the arena's owners may use it/);
    expect(contents(discord, general)).not.toContain(refused.content);
  });

  it("suggests model names and categories while a moderator types", async () => {
    const models = await discord
      .autocomplete(mod, general, "model", { enable: { name: "wo" } }, "name")
      .waitForChoices(WAIT);
    expect(models).toEqual([{ name: "wordy", value: "wordy" }]);
    const categories = await discord
      .autocomplete(mod, general, "leaderboard", { category: "" }, "category")
      .waitForChoices(WAIT);
    expect(categories).toContainEqual({ name: "Overall", value: "overall" });
  });

  it("runs a whole battle: thread, both answers, two voters, already voted, update, close and reveal", async () => {
    const subscribed = await discord
      .slashCommand(mod, battles, "arena", { subscribe: {} })
      .waitForReply(WAIT);
    expect(subscribed.visibleTo).toBe(mod.id);

    const {
      command,
      reply,
      threadId,
      last: vote,
    } = await battle(alice, general, "Explain recursion briefly");
    expect(command.callback?.type).toBe(4);
    expect(reply.visibleTo).toBeNull();
    expect(reply.content).toContain("Explain recursion briefly");
    expect(reply.content).toContain("Alice");
    const thread = discord.channel(threadId);
    expect(thread?.parentId).toBe(general);
    expect(thread?.name).toContain("Explain recursion briefly");

    const posted = contents(discord, threadId);
    expect(posted[0]).toMatch(/^\*\*Model A\*\*\n/);
    expect(posted[1]).toMatch(/^\*\*Model B\*\*\n/);
    expect(vote.content).toBe(VOTE_PROMPT);
    expect(posted.join("\n")).not.toMatch(/alpha|beta/);
    expect(buttonLabels(vote)).toEqual(
      expect.arrayContaining(["👈 A is better", "👉 B is better", "🤝 Tie"]),
    );
    expect(buttonLabels(vote).some((label) => label.includes("Both are bad"))).toBe(true);
    for (const id of buttonIds(vote).flat()) expect(id).not.toMatch(/alpha|beta/);

    const bobVote = await press(bob, vote, "A is better").waitForReply(WAIT);
    expect(bobVote.visibleTo).toBe(bob.id);
    expect(bobVote.content).toMatch(/Model A is (alpha|beta), Model B is (alpha|beta)/);
    expect(bobVote.content).toContain("alpha");
    expect(bobVote.content).toContain("beta");
    const carolVote = await press(carol, vote, "Tie").waitForReply(WAIT);
    expect(carolVote.visibleTo).toBe(carol.id);
    const again = await press(bob, vote, "B is better").waitForReply(WAIT);
    expect(again.visibleTo).toBe(bob.id);
    expect(again.content).toMatch(/already voted/);

    // Nothing is published while the battle is open: the update would tell which models it pits.
    expect(discord.messages(battles).filter((message) => message.embeds.length > 0)).toEqual([]);

    const closing = await press(bob, vote, "Close").waitForReply(WAIT);
    expect(closing.content).toMatch(/Only the person who started/);
    const closed = await press(alice, vote, "Close").waitForReply(WAIT);
    expect(closed.visibleTo).toBe(alice.id);
    const reveal = await discord.waitFor(
      () => discord.messages(threadId).find((message) => message.content.includes("Voting closed")),
      WAIT,
      "the reveal",
    );
    expect(reveal.content).toMatch(/Model A was (alpha|beta), Model B was (alpha|beta)/);
    expect(reveal.content).toContain("A is better 1 · B is better 0 · Tie 1 · Both are bad 0");

    // The subscribed channel hears about the first counted battle as it closes.
    const update = await discord.waitFor(
      () => discord.messages(battles).find((message) => message.embeds.length > 0),
      WAIT,
      "a leaderboard update in #battles",
    );
    expect(update.content).toMatch(/Leaderboard/);
    const [embed] = update.embeds as Array<{ fields?: Array<{ name: string }>; image?: { url?: string } }>;
    expect(embed?.fields?.map((field) => field.name).join(" ")).toMatch(/alpha/);
    expect(update.attachments[0]?.filename).toBe("leaderboard-ratings.png");
    expect(update.attachments[0]?.data.subarray(1, 4).toString()).toBe("PNG");

    const stripped = await discord.waitFor(() => {
      const message = discord.message(vote.id);
      return message?.components.length === 0 ? message : undefined;
    }, WAIT);
    expect(stripped.content).toBe(vote.content);
  });

  it("continues a battle: Continue opens a modal, the follow-up and both new answers are posted", async () => {
    const { threadId, last: vote } = await battle(alice, general, "Name a prime number");
    const notCreator = await press(bob, vote, "Continue").waitForReply(WAIT);
    expect(notCreator.content).toMatch(/Only the person who started/);

    const opening = press(alice, vote, "Continue");
    const modal = await opening.waitForModal(WAIT);
    expect(modal.title).toBe("Continue the battle");
    const submitted = await discord.submitModal(opening, { text: "And a larger one?" }).waitForReply(WAIT);
    expect(submitted.visibleTo).toBe(alice.id);
    expect(submitted.content).toMatch(/answering your follow-up/);

    const secondVote = await discord.waitFor(
      () =>
        discord.messages(threadId).find((message) => message.components.length > 0 && message.id !== vote.id),
      WAIT,
      "the second turn's vote buttons",
    );
    const posted = contents(discord, threadId);
    const followUp = posted.findIndex(
      (text) => text.includes("And a larger one?") && text.includes("Follow-up"),
    );
    expect(followUp).toBeGreaterThan(0);
    expect(posted[followUp + 1]).toMatch(/^\*\*Model A · turn 2\*\*\n[\s\S]*And a larger one\?/);
    expect(posted[followUp + 2]).toMatch(/^\*\*Model B · turn 2\*\*\n[\s\S]*And a larger one\?/);
    expect(discord.message(vote.id)?.components).toEqual([]);
    expect(buttonLabels(secondVote)).toContain("💬 Continue");
    // Both models saw the same history: first prompt, their own answer, the follow-up.
    const secondTurn = world.openai.requests.filter((request) =>
      request.messages.some((message) => message.content === "And a larger one?"),
    );
    expect(secondTurn).toHaveLength(2);
    for (const request of secondTurn) {
      expect(request.messages.map((message) => message.role)).toEqual(["user", "assistant", "user"]);
    }
  });

  it("removes the first turn's buttons on a follow-up after a restart of the adapter", async () => {
    const { threadId, last: vote } = await battle(alice, general, "Name a colour");
    await arena.restartAdapter();
    const opening = press(alice, vote, "Continue");
    await opening.waitForModal(WAIT);
    await discord.submitModal(opening, { text: "And another one?" }).waitForReply(WAIT);
    await discord.waitFor(
      () =>
        discord.messages(threadId).find((message) => message.components.length > 0 && message.id !== vote.id),
      WAIT,
      "the second turn's vote buttons",
    );
    expect(discord.message(vote.id)?.components).toEqual([]);
  });

  it("answers /leaderboard deferred, publicly, with an embed within limits and the chart", async () => {
    const command = discord.slashCommand(bob, general, "leaderboard", {});
    const reply = await command.waitForReply(WAIT);
    expect(command.callback?.type).toBe(5);
    expect(reply.visibleTo).toBeNull();
    const [embed] = reply.embeds as Array<{ fields: Array<{ name: string; value: string }>; title: string }>;
    expect(embed?.fields.length).toBeGreaterThanOrEqual(2);
    expect(embed?.fields.length).toBeLessThanOrEqual(25);
    expect(embed?.fields.map((field) => field.name).join(" ")).toMatch(/#\d+ · (alpha|beta)/);
    expect(reply.attachments.map((attachment) => attachment.filename)).toEqual(["leaderboard-ratings.png"]);

    const counts = await discord
      .slashCommand(bob, general, "leaderboard", { chart: "counts" })
      .waitForReply(WAIT);
    expect(counts.attachments.map((attachment) => attachment.filename)).toEqual(["leaderboard-counts.png"]);
  });

  it("answers /leaderboard view:style dedup:0.5 with the style-controlled, deduplicated board", async () => {
    const reply = await discord
      .slashCommand(bob, general, "leaderboard", { view: "style", dedup: 0.5 })
      .waitForReply(WAIT);
    expect(reply.content).toMatch(/Overall · style controlled · deduplicated/);
    expect(reply.content).toMatch(/Style coefficients/);
    const [embed] = reply.embeds as Array<{ title: string }>;
    expect(embed?.title).toMatch(/style controlled/);
  });

  it("discards a battle in which a model names itself, with a notice in the thread", async () => {
    expect(await moderate({ disable: { name: "beta" } })).toMatch(/beta/);
    expect(await moderate({ enable: { name: "leaky" } })).toMatch(/leaky/);
    const { threadId, last } = await battle(alice, general, "Be honest: is Pluto a planet?", (message) =>
      message.content.includes("discarded"),
    );
    expect(last.content).toMatch(/Model A was (alpha|leaky), Model B was (alpha|leaky)/);
    expect(discord.messages(threadId).some((message) => message.components.length > 0)).toBe(false);
    await moderate({ disable: { name: "leaky" } });
  });

  it("splits a long answer into parts of at most 2,000 characters with balanced code fences", async () => {
    await moderate({ enable: { name: "wordy" } });
    const { threadId } = await battle(alice, general, "Tell me everything about loops");
    await moderate({ disable: { name: "wordy" } });
    await moderate({ enable: { name: "beta" } });

    const posted = contents(discord, threadId);
    expect(posted.length).toBeGreaterThan(3);
    for (const part of posted) {
      expect(part.length).toBeLessThanOrEqual(2000);
      const fences = part.split("\n").filter((line) => line.trimStart().startsWith("```"));
      expect(fences.length % 2).toBe(0);
    }
    // One header per side; the long side's answer continues over several messages without a header.
    expect(posted.filter((text) => text.startsWith("**Model "))).toHaveLength(2);
    expect(posted.some((text) => text.startsWith("Paragraph") || text.startsWith("```"))).toBe(true);
    expect(posted.join("\n")).toContain("Paragraph 12 about");
    expect(posted.join("\n")).toContain("console.log(19);");
  });

  it("posts a prompt longer than one message: the reply starts it, the thread holds the rest", async () => {
    const prompt = Array.from({ length: 400 }, (_, index) => `word${index}`).join(" ");
    expect(prompt.length).toBeGreaterThan(2000);
    const { reply, threadId } = await battle(alice, general, prompt);
    expect(reply.content.length).toBeLessThanOrEqual(2000);
    expect(reply.content).toContain("Battle started by Alice");
    const posted = contents(discord, threadId);
    const modelA = posted.findIndex((text) => text.startsWith("**Model A**"));
    expect(modelA).toBeGreaterThan(0);
    const shown = [reply.content, ...posted.slice(0, modelA)].join(" ");
    expect(shown).toContain("word0 word1 ");
    expect(shown).toContain("word399");
    for (const text of posted) expect(text.length).toBeLessThanOrEqual(2000);
  });

  it("delivers a message after a 429 on a send (discord.js waits and retries)", async () => {
    discord.failNext("POST /channels/:id/messages", { status: 429, retryAfter: 0.2 });
    const { threadId } = await battle(alice, general, "Count to three");
    const attempts = discord.requestsTo(`POST /channels/${threadId}/messages`);
    expect(attempts[0]).toMatchObject({ status: 429, injected: true });
    expect(attempts[1]?.status).toBe(200);
    expect(contents(discord, threadId)[0]).toMatch(/^\*\*Model A\*\*/);
    expect(logger.lines.some((line) => line.message.includes("rate limit"))).toBe(true);
  });

  it("tells the user privately which permission is missing when it cannot open a thread", async () => {
    const threadsBefore = discord.threads(general).length;
    discord.denyPermission(general, "CreatePublicThreads");
    try {
      const reply = await discord
        .slashCommand(alice, general, "battle", { prompt: "Any thread?" })
        .waitForReply(WAIT);
      expect(reply.visibleTo).toBe(alice.id);
      expect(reply.content).toContain("Create Public Threads");
      expect(discord.threads(general)).toHaveLength(threadsBefore);
      expect(contents(discord, general).join("\n")).not.toContain("Any thread?");
    } finally {
      discord.restorePermission(general, "CreatePublicThreads");
    }
  });

  it("ends an unexpected failure in one private message and one log line; the battle never starts", async () => {
    // discord.js tries a request four times on a server error; this one outlasts the retries.
    discord.failNext("POST /channels/:id/messages/:id/threads", { status: 500, times: 4 });
    const errorsBefore = logger.lines.filter((line) => line.level === "error").length;
    const command = discord.slashCommand(bob, general, "battle", { prompt: "Will this start?" });
    const notice = await command.waitForFollowUp(0, WAIT);
    expect(notice.visibleTo).toBe(bob.id);
    expect(notice.content).toMatch(/Something went wrong/);
    const errors = logger.lines.filter((line) => line.level === "error").slice(errorsBefore);
    expect(errors.map((line) => line.message)).toEqual(["discord interaction failed"]);
    expect(JSON.stringify(errors)).not.toContain(command.token);
    const abandoned = await runtime.store.battlesInState("errored");
    expect(
      abandoned.some((record) => record.turns.some((turn) => turn.userContent === "Will this start?")),
    ).toBe(true);
  });

  it("uses the current thread for a battle started in one; a send refused there is logged and told", async () => {
    const [thread] = discord.threads(general);
    if (!thread) throw new Error("an earlier test opened a thread");
    const { threadId } = await battle(bob, thread.id, "A second question in the same thread");
    expect(threadId).toBe(thread.id);
    expect(discord.threads(general).filter((t) => t.name.includes("second question"))).toEqual([]);

    discord.denyPermission(general, "SendMessagesInThreads");
    try {
      const command = discord.slashCommand(carol, thread.id, "battle", { prompt: "Is anyone there?" });
      expect((await command.waitForReply(WAIT)).visibleTo).toBeNull();
      const notice = await command.waitForFollowUp(0, WAIT);
      expect(notice.visibleTo).toBe(carol.id);
      expect(notice.content).toContain("Send Messages In Threads");
      // A battle nobody can see must not take votes.
      const errored = await erroredBattle("Is anyone there?");
      const lacking = (pattern: RegExp) =>
        logger.lines.filter((line) => line.level === "warn" && pattern.test(line.message));
      await vi.waitFor(() => {
        expect(
          lacking(/answers could not be posted: the bot lacks a permission.*battle errored/),
        ).toHaveLength(1);
        // The errored notice cannot be posted there either: a warning, not an error, and the creator told once.
        expect(lacking(/could not post an arena event: the bot lacks a permission/)).toHaveLength(1);
      });
      expect(command.followUpIds).toHaveLength(1);
      expect(errored.reason).toMatch(/could not be posted \(Discord refused: Missing Permissions\)/);
      const refused = await voteOn(errored, bob);
      expect(refused.refused).toBe(true);
      expect(refused.text).toMatch(/failed/);
    } finally {
      discord.restorePermission(general, "SendMessagesInThreads");
    }
  });

  it("errors a battle whose answers cannot be posted after discord.js's retries; votes on it are refused", async () => {
    // discord.js tries a request four times on a server error: this failure outlasts them, once.
    discord.failNext("POST /channels/:id/messages", { status: 500, times: 4 });
    const prompt = "Can you hear me through a broken server?";
    const command = discord.slashCommand(carol, general, "battle", { prompt });
    const reply = await command.waitForReply(WAIT);
    const errored = await erroredBattle(prompt);
    expect(errored.reason).toMatch(/could not be posted \(Discord answered HTTP 500\)/);
    const attempts = discord.requestsTo(`POST /channels/${reply.id}/messages`);
    expect(attempts.slice(0, 4).map((attempt) => attempt.injected)).toEqual([true, true, true, true]);
    // The thread says why, and no vote buttons were ever posted.
    const notice = await discord.waitFor(
      () => discord.messages(reply.id).find((message) => message.content.includes("could not finish")),
      WAIT,
      "the errored notice in the thread",
    );
    expect(notice.content).toMatch(/does not count/);
    expect(discord.messages(reply.id).some((message) => message.components.length > 0)).toBe(false);
    const refused = await voteOn(errored, bob);
    expect(refused.refused).toBe(true);
  });

  it("keeps handling interactions after the gateway connection drops", async () => {
    const resumed = discord.waitForGateway("resumed", WAIT);
    discord.dropGateway();
    await resumed;
    const reply = await discord.slashCommand(alice, general, "model", { list: {} }).waitForReply(WAIT);
    expect(reply.content).toMatch(/only the arena's owners may use it/);
  });
});
