// Discord sharding in one process: without DISCORD_SHARD_COUNT the bot runs as many shards as Discord recommends
// (GET /gateway/bot) and serves every guild; a count Discord refuses stops start-up with what to change.
// Several processes, each with its DISCORD_SHARDS, are in test/multi-process/discord-shards.test.ts.
import { afterEach, describe, expect, it } from "vitest";
import { recordingLogger } from "../setup.ts";
import { buttonId, startWorld, type World } from "./setup.ts";

const WAIT = 10_000;

describe("Discord shards in one process", () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it("runs the recommended shards and serves a battle in a guild of each", async () => {
    world = await startWorld({
      global: true,
      discord: { requiredShards: 2, guilds: [{ name: "Even" }, { name: "Odd" }] },
    });
    const logger = recordingLogger();
    await world.startBot({ logger });
    const { discord } = world;
    const connected = logger.lines.find((line) => line.message === "discord bot connected");
    expect(connected?.details).toMatchObject({ shards: [0, 1], shardCount: 2 });
    for (const guild of discord.guilds) {
      const member = discord.addUser({ username: `member-${guild.name}`, guildId: guild.id });
      const reply = await discord
        .slashCommand(member, discord.channelId("general", guild.id), "battle", { prompt: "Say hello" })
        .waitForReply(WAIT);
      const vote = await discord.waitFor(
        () => discord.messages(reply.id).find((message) => message.components.length > 0),
        WAIT,
        `the vote buttons in ${guild.name}`,
      );
      const voted = await discord.clickButton(member, vote.id, buttonId(vote, "Tie")).waitForReply(WAIT);
      expect(voted.content).toMatch(/You voted: Tie/);
    }
  });

  it("stops with what to change when Discord requires more shards than DISCORD_SHARD_COUNT", async () => {
    world = await startWorld({ discord: { requiredShards: 4 }, env: { DISCORD_SHARD_COUNT: "2" } });
    const logger = recordingLogger();
    const failure = await world.startBot({ logger }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(String(failure)).toMatch(/Discord requires more shards.*raise DISCORD_SHARD_COUNT/);
    expect(JSON.stringify(logger.lines)).not.toContain(world.discord.botToken);
  });
});
