// Discord sharded over two bot processes (`arena start` with DISCORD_SHARD_COUNT=2, DISCORD_SHARDS=0 and 1) on
// one database, against the fake Discord, which routes each guild's interactions to its shard as Discord does.
// Each process serves only its guilds' interactions; a battle or a subscription in the other shard's guild is
// still closed, revealed and posted to by whichever process does the work. PostgreSQL only, as two-bots.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import pLimit from "p-limit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUserHasher } from "../../src/arena/identity.ts";
import { openStore } from "../../src/store/index.ts";
import {
  type BotProcess,
  botEnvironment,
  diagnosticLines,
  explained,
  startBotProcess,
  stopBotProcess,
} from "../bot-process.ts";
import {
  type FakeDiscord,
  type FakeGuild,
  type FakeMessage,
  type FakeUser,
  type GatewayEvent,
  shardOf,
  startFakeDiscord,
} from "../fakes/discord/index.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai/server.ts";
import { buttonId } from "../platforms/discord/setup.ts";
import { createTestFile, createTestSchema, type TestDatabase } from "../store/databases.ts";

const SECRET = "discord-shards-secret-0123456789";
const SHARDS = 2;
/** Guilds 0 and 2 are on shard 0, 1 and 3 on shard 1 (the fake picks their ids so). */
const GUILDS = 4;
const BATTLES_PER_GUILD = 8;
const VOTERS_PER_BATTLE = 5;
/** Phase two: battles in a shard-0 guild whose window ends after shard 0's process has stopped. */
const LATE_BATTLES = 3;
const LATE_WINDOW_SECONDS = 20;
/** Names no answer contains: an answer naming its model discards the battle. */
const MODELS = ["orion", "lyra", "vega"];
const CHOICES = ["A is better", "B is better", "Tie", "Both are bad"] as const;
const WAIT = 60_000;

let discord: FakeDiscord;
let openai: FakeOpenAI;
let database: TestDatabase;
let files: TestDatabase;
const bots: BotProcess[] = [];
const identified: GatewayEvent[] = [];

beforeAll(async () => {
  [discord, openai, database] = await Promise.all([
    startFakeDiscord({
      requiredShards: SHARDS,
      guilds: Array.from({ length: GUILDS }, (_, index) => ({
        name: `Guild ${index}`,
        channels: ["general", "battles", "quick"],
      })),
      // Two bots and the rest of the suite share two cores: Discord's 3 s would be tight.
      interactionAckTimeoutMs: 15_000,
    }),
    startFakeOpenAI(),
    createTestSchema(),
  ]);
  discord.events.on("gateway", (event: GatewayEvent) => {
    if (event.type === "identify") identified.push(event);
  });
  files = createTestFile();
});

afterAll(async () => {
  for (const bot of bots) await stopBotProcess(bot).catch(() => {});
  await discord?.close();
  await openai?.close();
  await database?.drop();
  await files?.drop();
});

describe("Discord sharded over two bot processes on one database", () => {
  it("serves each guild from its shard's process, counts every vote once and reveals each battle once", async () => {
    const guilds = discord.guilds as FakeGuild[];
    expect(guilds.map((guild) => shardOf(guild.id, SHARDS))).toEqual([0, 1, 0, 1]);
    const modelsFile = join(files.url, "..", "models.json");
    writeFileSync(
      modelsFile,
      JSON.stringify(MODELS.map((name) => ({ name, baseUrl: openai.url, model: `shards-${name}` }))),
    );
    for (const [index, name] of MODELS.entries()) {
      openai.script(`shards-${name}`, { text: `Answer ${index}: the sky scatters blue light.` });
    }
    const env = (shard: number) =>
      botEnvironment(
        { home: join(files.url, ".."), databaseUrl: database.url, modelsFile, secret: SECRET },
        {
          DISCORD_TOKEN: discord.botToken,
          DISCORD_API_URL: discord.apiUrl,
          DISCORD_SHARD_COUNT: String(SHARDS),
          DISCORD_SHARDS: String(shard),
        },
      );
    // One after the other: the first creates the tables.
    for (let shard = 0; shard < SHARDS; shard++) bots.push(await startBotProcess(env(shard)));
    expect(identified.map((event) => event.shard)).toEqual([
      [0, 2],
      [1, 2],
    ]);
    // The commands are registered once, by the process that runs shard 0.
    expect(discord.requestsTo("PUT /applications/:id/commands")).toHaveLength(1);

    const members = guilds.map((guild) =>
      Array.from({ length: VOTERS_PER_BATTLE + 1 }, (_, index) =>
        discord.addUser({ username: `g${guild.name.at(-1)}-member${index}`, guildId: guild.id }),
      ),
    );
    const newsroom = guilds[0] as FakeGuild;
    const moderator = discord.addUser({ username: "mod", guildId: newsroom.id, moderator: true });
    await discord
      .slashCommand(moderator, discord.channelId("battles", newsroom.id), "arena", {
        // Due every LATE_BATTLES counted battles, so the late ones make one more even if the top 10 stays.
        subscribe: { every: LATE_BATTLES },
      })
      .waitForReply(WAIT);

    const hash = createUserHasher(SECRET);
    const acknowledged = new Map<string, string[]>();
    const threads = new Map<string, string>();

    /** /battle, then each voter presses a button; resolves with the battle's id and vote message. */
    async function runBattle(guildIndex: number, channel: string, prompt: string) {
      const guild = guilds[guildIndex] as FakeGuild;
      const [creator, ...voters] = members[guildIndex] as FakeUser[];
      if (!creator) throw new Error("no creator");
      const command = discord.slashCommand(creator, discord.channelId(channel, guild.id), "battle", {
        prompt,
      });
      const reply = await command.waitForReply(WAIT);
      const vote = await explained(
        discord.waitFor(
          () => discord.messages(reply.id).find((message) => message.components.length > 0),
          WAIT,
          `the vote buttons of "${prompt}"`,
        ),
        () =>
          `the thread: ${discord
            .messages(reply.id)
            .map((message) => message.content.slice(0, 60))
            .join(" | ")}\n${diagnosticLines(bots, [reply.id])}`,
      );
      const battleId = buttonId(vote, CHOICES[0]).split(":")[1] ?? "";
      threads.set(battleId, reply.id);
      const voted: string[] = [];
      await Promise.all(
        voters.map(async (voter, offset) => {
          const answer = await discord
            .clickButton(voter, vote.id, buttonId(vote, CHOICES[offset % CHOICES.length] ?? "Tie"))
            .waitForReply(WAIT);
          if (answer.content.startsWith("🗳️ You voted")) voted.push(hash("discord", voter.id));
        }),
      );
      acknowledged.set(battleId, voted);
      return { battleId, vote, creator };
    }

    /** The battle totals of the leaderboard updates posted in the newsroom, oldest first. */
    const updateTotals = (): number[] =>
      discord
        .messages(discord.channelId("battles", newsroom.id))
        .filter((message) => message.embeds.length > 0)
        .map((message) => Number(/(\d+) battles?/.exec(message.content)?.[1] ?? Number.NaN));

    const reveals = (battleId: string): FakeMessage[] =>
      discord
        .messages(threads.get(battleId) ?? "")
        .filter((message) => message.content.startsWith("🔓 Voting closed"));

    // Phase one: both processes up; every battle is closed by its creator (a button: its shard's process).
    const limit = pLimit(8);
    await Promise.all(
      Array.from({ length: GUILDS * BATTLES_PER_GUILD }, (_, index) =>
        limit(async () => {
          const { vote, creator } = await runBattle(index % GUILDS, "general", `Battle ${index}: why blue?`);
          const closed = await discord
            .clickButton(creator, vote.id, buttonId(vote, "Close"))
            .waitForReply(WAIT);
          expect(closed.content).toMatch(/Voting closed/);
        }),
      ),
    );
    const firstIds = [...threads.keys()];
    await explained(
      discord.waitFor(() => firstIds.every((id) => reveals(id).length >= 1), WAIT, "every reveal"),
      () =>
        `not revealed: ${firstIds.filter((id) => reveals(id).length === 0).join(", ")}\n${diagnosticLines(bots)}`,
    );

    // Phase two: battles in a shard-0 guild with a short window (the command's minimum is a minute: the test
    // shortens it in the store), then shard 0's process stops. Shard 1's process closes them when their window
    // ends and posts the reveals, and the leaderboard update, into a guild it does not serve.
    const store = await openStore(database.url);
    try {
      const quick = {
        platform: "discord",
        community: newsroom.id,
        channel: discord.channelId("quick", newsroom.id),
      };
      await store.saveChannelSettings({
        place: quick,
        votingWindowSeconds: LATE_WINDOW_SECONDS,
        whoMayVote: "everyone",
      });
      const late = await Promise.all(
        Array.from({ length: LATE_BATTLES }, (_, index) => runBattle(0, "quick", `Late battle ${index}`)),
      );
      const lateIds = late.map((battle) => battle.battleId);
      await stopBotProcess(bots[0] as BotProcess);
      await explained(
        discord.waitFor(
          () => lateIds.every((id) => reveals(id).length >= 1),
          WAIT + LATE_WINDOW_SECONDS * 1000,
          "the late reveals",
        ),
        () => diagnosticLines(bots, lateIds),
      );
      for (const id of lateIds) expect(reveals(id)[0]?.content).toMatch(/The voting window ended/);
      await explained(
        discord.waitFor(
          // Only a late battle (closed once shard 0's process had stopped) takes the total past phase one's.
          () => Math.max(...updateTotals()) > GUILDS * BATTLES_PER_GUILD,
          WAIT,
          "the leaderboard update after the late battles",
        ),
        () => diagnosticLines(bots),
      );

      // Settled: every acknowledged vote counted once under its voter, each battle revealed once.
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      const allIds = [...threads.keys()];
      expect(allIds).toHaveLength(GUILDS * BATTLES_PER_GUILD + LATE_BATTLES);
      for (const id of allIds) {
        expect(reveals(id), id).toHaveLength(1);
        const battle = await store.getBattle(id);
        expect(battle?.state, id).toBe("closed");
        const votes = await store.votesOf(id);
        expect(votes.every((vote) => vote.counted)).toBe(true);
        expect(votes.map((vote) => vote.voterHash).sort(), id).toEqual(
          [...(acknowledged.get(id) ?? [])].sort(),
        );
        expect(votes).toHaveLength(VOTERS_PER_BATTLE);
      }
      const overall = await store.aggregateCounts("overall");
      expect(overall.reduce((sum, row) => sum + row.count, 0)).toBe(allIds.length);
      expect(overall).toEqual(await store.recountFromVotes("overall"));
      const totals = updateTotals();
      expect(new Set(totals).size).toBe(totals.length);
      expect(totals).toEqual(totals.toSorted((x, y) => x - y));
      // Due every LATE_BATTLES counted battles: the last one is at most that many behind.
      expect(Math.max(...totals)).toBeGreaterThan(allIds.length - LATE_BATTLES);
    } finally {
      await store.close();
    }
    for (const bot of bots) expect(bot.lines.filter((line) => line.includes('"level":50'))).toEqual([]);
  }, 300_000);
});
