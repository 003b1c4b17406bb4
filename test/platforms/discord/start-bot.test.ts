// `startBot` (what `arena start` runs) starts the Discord adapter when DISCORD_TOKEN is set: one battle proves
// the wiring from configuration to thread.
import { describe, expect, it } from "vitest";
import { startBotBeforeAll } from "../setup.ts";
import { buttonId, contents, startWorld } from "./setup.ts";

const WAIT = 10_000;

describe("startBot with DISCORD_TOKEN", () => {
  const started = startBotBeforeAll(startWorld);

  it("registers the commands and runs a battle to a counted vote", async () => {
    const { world, bot, logger } = started;
    const { discord } = world;
    expect(discord.registeredCommands(discord.guild.id).map((command) => command.name)).toContain("battle");
    expect(logger.lines.some((line) => line.message === "arena bot started")).toBe(true);

    const dana = discord.addUser({ username: "dana" });
    const general = discord.channelId("general");
    const reply = await discord
      .slashCommand(dana, general, "battle", { prompt: "Say hello" })
      .waitForReply(WAIT);
    const vote = await discord.waitFor(
      () => discord.messages(reply.id).find((message) => message.components.length > 0),
      WAIT,
      "the vote buttons",
    );
    expect(
      contents(discord, reply.id)
        .slice(0, 2)
        .map((text) => text.split("\n")[0]),
    ).toEqual(["**Model A**", "**Model B**"]);
    const voted = await discord.clickButton(dana, vote.id, buttonId(vote, "B is better")).waitForReply(WAIT);
    expect(voted.visibleTo).toBe(dana.id);
    expect(voted.content).toMatch(/You voted: B is better/);
    const [open] = await bot.store.battlesInState("open");
    expect(open && (await bot.store.tally(open.id))).toEqual({ a: 0, b: 1, tie: 0, bad: 0 });
    // Counted, and in the aggregates only once it closes.
    expect(await bot.store.aggregateCounts("overall")).toEqual([]);
  });
});

describe("startBot without DISCORD_GUILD_IDS", () => {
  const started = startBotBeforeAll(() => startWorld({ global: true }));

  it("registers the commands globally, moderator commands behind Manage Server", async () => {
    const { discord } = started.world;
    expect(discord.registeredCommands(discord.guild.id)).toEqual([]);
    const global = discord.registeredCommands();
    expect(global.map((command) => command.name).sort()).toEqual(["arena", "battle", "leaderboard", "model"]);
    const model = global.find((command) => command.name === "model");
    expect(model?.defaultMemberPermissions).toBe("32"); // Manage Guild
  });
});
