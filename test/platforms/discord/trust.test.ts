// The trust model on Discord, from the attacker's side: the real discord.js client against the fake Discord
// with two guilds (the arena's home guild and a guild an attacker administers), the real arena and openai SDK.
import { MessageFlags } from "discord.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEY_NAME_REFUSAL } from "../../../src/arena/model-policy.ts";
import { loadConfig } from "../../../src/config.ts";
import type { ArenaRuntime } from "../../../src/main.ts";
import { createDiscordAdapter } from "../../../src/platforms/discord/index.ts";
import { type AttackerEndpoint, startAttackerEndpoint } from "../../fakes/attacker.ts";
import {
  type FakeDiscord,
  type FakeMessage,
  type FakeUser,
  startFakeDiscord,
} from "../../fakes/discord/index.ts";
import { type ArenaWorld, recordingLogger, startArenaWorld } from "../setup.ts";
import { buttonId } from "./setup.ts";

const WAIT = 10_000;
/** A payload pressed on a message that does not carry it (a modified client replaying it). */
const FORGED = { forged: true } as const;

describe("Discord trust model (an administrator of a second guild attacks)", () => {
  let discord: FakeDiscord;
  let world: ArenaWorld;
  let attacker: AttackerEndpoint;
  let runtime: ArenaRuntime;
  const logger = recordingLogger();
  let owner: FakeUser;
  let member: FakeUser;
  let eve: FakeUser;
  let home: { general: string; battles: string; guildId: string };
  let evil: { general: string; guildId: string };

  beforeAll(async () => {
    [discord, world, attacker] = await Promise.all([
      startFakeDiscord({ guilds: [{ name: "Home" }, { name: "Eve's guild" }] }),
      startArenaWorld("discord-trust"),
      startAttackerEndpoint(),
    ]);
    const [homeGuild, evilGuild] = discord.guilds;
    if (!homeGuild || !evilGuild) throw new Error("two guilds expected");
    home = {
      guildId: homeGuild.id,
      general: discord.channelId("general", homeGuild.id),
      battles: discord.channelId("battles", homeGuild.id),
    };
    evil = { guildId: evilGuild.id, general: discord.channelId("general", evilGuild.id) };
    owner = discord.addUser({ username: "owner-mod", guildId: home.guildId, moderator: true });
    member = discord.addUser({ username: "member", guildId: home.guildId });
    // Eve created her own guild: Discord says she can manage it.
    eve = discord.addUser({ username: "eve", guildId: evil.guildId, moderator: true });
    const config = loadConfig({
      ...world.arenaEnvironment(),
      DISCORD_TOKEN: discord.botToken,
      DISCORD_API_URL: discord.apiUrl,
      DISCORD_GUILD_IDS: `${home.guildId},${evil.guildId}`,
      ARENA_HOME: `discord:${home.guildId}`,
      ARENA_ALLOWED_HOSTS: new URL(world.openai.url).host,
    });
    // Variables the bot's process has: a platform token and a provider key that no model may name.
    const env = { DISCORD_TOKEN: discord.botToken, PROVIDER_SECRET: "sk-provider-secret-0123456789" };
    const token = discord.botToken;
    ({ runtime } = await world.startArena(config, { logger, tickMilliseconds: 200, env }, (dependencies) =>
      createDiscordAdapter({ ...dependencies, token }),
    ));
  });

  afterAll(async () => {
    await world?.close();
    await attacker?.close();
    await discord?.close();
    const logged = JSON.stringify(logger.lines);
    expect(logged).not.toContain(discord.botToken);
    expect(logged).not.toContain("sk-provider-secret-0123456789");
  });

  async function command(user: FakeUser, channelId: string, name: string, options: Record<string, unknown>) {
    return discord.slashCommand(user, channelId, name, options as never).waitForReply(WAIT);
  }

  async function battle(user: FakeUser, channelId: string, prompt: string) {
    const reply = await command(user, channelId, "battle", { prompt });
    const vote = await discord.waitFor(
      () => discord.messages(reply.id).find((message: FakeMessage) => message.components.length > 0),
      WAIT,
      "the vote buttons",
    );
    return { threadId: reply.id, vote };
  }

  it("refuses every registry command to the administrator of another guild, privately, and audits it", async () => {
    const before = await runtime.store.listModels();
    const attempts: Record<string, unknown>[] = [
      { list: {} },
      { add: { name: "steal", base_url: attacker.url, model: "x", api_key_env: "DISCORD_TOKEN" } },
      { enable: { name: "leaky" } },
      { disable: { name: "alpha" } },
      { remove: { name: "beta" } },
      { weight: { name: "alpha", weight: 100 } },
      { aliases: { name: "alpha", aliases: "" } },
    ];
    for (const options of attempts) {
      const refused = await command(eve, evil.general, "model", options);
      expect(refused.visibleTo).toBe(eve.id);
      expect(refused.flags & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
      expect(refused.content).toMatch(/only the arena's owners may use it/);
      expect(refused.content).not.toContain(world.openai.url);
    }
    expect(await runtime.store.listModels()).toEqual(before);
    const audit = await runtime.store.auditLog(attempts.length);
    expect(audit.map((entry) => [entry.action, entry.allowed])).toEqual(
      ["list", "add", "enable", "disable", "remove", "weight", "aliases"]
        .reverse()
        .map((sub) => [`model.${sub}`, false]),
    );
    // Her own guild's settings are hers to change.
    const window = await command(eve, evil.general, "arena", { window: { minutes: 5 } });
    expect(window.content).toMatch(/take votes for 5 minutes/);
    // The home guild's administrators own the arena.
    expect((await command(owner, home.general, "model", { list: {} })).content).toMatch(/alpha/);
  });

  it("refuses an undeclared key variable with the same words whether it is set or not", async () => {
    const add = (name: string, keyName: string) =>
      command(owner, home.general, "model", {
        add: { name, base_url: world.openai.url, model: "fake-terse", api_key_env: keyName },
      });
    const set = await add("steal-token", "DISCORD_TOKEN");
    const alsoSet = await add("steal-key", "PROVIDER_SECRET");
    const unset = await add("steal-nothing", "NO_SUCH_VARIABLE_ANYWHERE");
    expect(set.content).toContain(KEY_NAME_REFUSAL);
    expect(alsoSet.content).toBe(set.content);
    expect(unset.content).toBe(set.content);
    const names = (await runtime.store.listModels()).map((model) => model.name);
    expect(names).not.toEqual(expect.arrayContaining(["steal-token"]));
    expect(names.filter((name) => name.startsWith("steal"))).toEqual([]);
    // A declared model-key name is accepted.
    const declared = await add("declared", "ARENA_KEY_DECLARED");
    expect(declared.content).toMatch(/^Added declared/);
    await command(owner, home.general, "model", { remove: { name: "declared" } });
  });

  it("never sends a request to an endpoint outside ARENA_ALLOWED_HOSTS, nor with a forbidden key", async () => {
    const refused = await command(owner, home.general, "model", {
      add: { name: "elsewhere", base_url: attacker.url, model: "x", api_key_env: "ARENA_KEY_X" },
    });
    expect(refused.content).toMatch(/not in ARENA_ALLOWED_HOSTS/);
    // A row written before these rules existed (say, by an older version) names the platform token.
    await runtime.store.addModel(
      {
        name: "planted",
        baseUrl: attacker.url,
        model: "x",
        apiKeyEnv: "DISCORD_TOKEN",
        aliases: [],
        weight: 100,
        enabled: true,
        maxTokens: 64,
        temperature: 0.7,
        systemPrompt: null,
      },
      "an older version",
    );
    runtime.arena.registryChanged();
    const list = await command(owner, home.general, "model", { list: {} });
    expect(list.content).toMatch(/planted .*never called/);
    for (let index = 0; index < 4; index++) await battle(member, home.battles, `Question number ${index}?`);
    expect(attacker.hits).toEqual([]);
    for (const request of world.openai.requests)
      expect(JSON.stringify(request)).not.toContain(discord.botToken);
    await runtime.store.removeModel("planted");
  });

  it("refuses a vote replayed in another channel or guild; the battle's channel decides who may vote", async () => {
    await command(owner, home.battles, "arena", { voters: { who: "moderators" } });
    const { vote } = await battle(owner, home.battles, "Which is heavier, a kilo of lead or of feathers?");
    const payload = buttonId(vote, "A is better");
    // Eve administers her guild and everyone votes there: a replay of the payload there must not count.
    const elsewhere = discord.postMessage(eve, evil.general, "look at this");
    const replayed = await discord.clickButton(eve, elsewhere.id, payload, FORGED).waitForReply(WAIT);
    expect(replayed.content).toMatch(/does not belong here/);
    expect(replayed.content).not.toMatch(/alpha|beta/);
    // A member of the home guild replays it in a channel where everyone may vote.
    const otherChannel = discord.postMessage(member, home.general, "and here");
    const moved = await discord.clickButton(member, otherChannel.id, payload, FORGED).waitForReply(WAIT);
    expect(moved.content).toMatch(/does not belong here/);
    // On the battle's own message the channel's rule applies.
    const direct = await discord.clickButton(member, vote.id, payload).waitForReply(WAIT);
    expect(direct.content).toMatch(/only moderators' votes/);
    const battleId = payload.split(":")[1] ?? "";
    expect(await runtime.store.votesOf(battleId)).toEqual([]);
    const counted = await discord.clickButton(owner, vote.id, payload).waitForReply(WAIT);
    expect(counted.content).toMatch(/You voted: A is better/);
    expect((await runtime.store.votesOf(battleId)).length).toBe(1);
    await command(owner, home.battles, "arena", { voters: { who: "everyone" } });
  });

  it("refuses another community's board, typed or through a crafted page button", async () => {
    const homeBoard = `community:discord:${home.guildId}`;
    // /leaderboard is deferred publicly (charts take time); a refusal replaces the placeholder privately.
    const typed = await discord
      .slashCommand(eve, evil.general, "leaderboard", { category: homeBoard })
      .waitForFollowUp(0, WAIT);
    expect(typed.visibleTo).toBe(eve.id);
    expect(typed.content).toMatch(/another community's leaderboard/);
    const subscribed = await command(eve, evil.general, "arena", { subscribe: { category: homeBoard } });
    expect(subscribed.content).toMatch(/another community's leaderboard/);
    const message = discord.postMessage(eve, evil.general, "page");
    const crafted = await discord
      .clickButton(eve, message.id, `p:r:0:${homeBoard}`, FORGED)
      .waitForReply(WAIT);
    expect(crafted.content).toMatch(/another community's leaderboard/);
    // From inside, it is "This community"; an owner elsewhere sees it under its own name.
    const own = await command(member, home.general, "leaderboard", { category: "community" });
    expect(own.content).toMatch(/This community/);
    const seenByOwner = await discord
      .slashCommand(owner, home.general, "leaderboard", { category: `community:discord:${evil.guildId}` })
      .waitForReply(WAIT);
    expect(seenByOwner.content).toMatch(new RegExp(`Community ${evil.guildId} on Discord`));
    expect(seenByOwner.content).not.toMatch(/This community/);
  });
});
