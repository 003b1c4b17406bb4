// The fake Discord driven by the real discord.js client: login, commands, interactions, threads, rate limits,
// permissions and a dropped gateway.

import zlib from "node:zlib";
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  type Interaction,
  MessageFlags,
  ModalBuilder,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type TextChannel,
  TextInputBuilder,
  TextInputStyle,
} from "discord.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type FakeDiscord, type FakeUser, shardOf, startFakeDiscord } from "./discord/index.ts";

type Handler = (interaction: Interaction) => Promise<void>;

describe("fake Discord with the real discord.js client", () => {
  let fake: FakeDiscord;
  let client: Client;
  let alice: FakeUser;
  let mod: FakeUser;
  let generalId: string;
  const handlers = new Map<string, Handler>();
  const handlerErrors: unknown[] = [];

  /** Routes interactions to the handler of the command name or custom id the test installed. */
  function onInteraction(key: string, handler: Handler): void {
    handlers.set(key, handler);
  }

  async function general(): Promise<TextChannel> {
    return (await client.channels.fetch(generalId)) as TextChannel;
  }

  beforeAll(async () => {
    fake = await startFakeDiscord();
    alice = fake.addUser({ username: "alice" });
    mod = fake.addUser({ username: "mod", moderator: true });
    generalId = fake.channelId("general");
    client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages],
      rest: { api: fake.apiUrl },
    });
    client.on(Events.InteractionCreate, (interaction) => {
      const key =
        interaction.isChatInputCommand() || interaction.isAutocomplete()
          ? interaction.commandName
          : interaction.isMessageComponent() || interaction.isModalSubmit()
            ? interaction.customId
            : "";
      const handler = handlers.get(key);
      handler?.(interaction).catch((error: unknown) => handlerErrors.push(error));
    });
    const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
    await client.login(fake.botToken);
    await ready;
  });

  afterAll(async () => {
    await client?.destroy();
    await fake?.close();
    expect(handlerErrors).toEqual([]);
  });

  it("logs in: the client knows the bot user, the guild, its channels and its own member", async () => {
    expect(client.user?.id).toBe(fake.botUserId);
    expect(client.application?.id).toBe(fake.applicationId);
    const guild = client.guilds.cache.get(fake.guild.id);
    expect(guild?.name).toBe(fake.guild.name);
    expect(guild?.channels.cache.get(generalId)?.name).toBe("general");
    expect(guild?.members.me?.id).toBe(fake.botUserId);
    const me = guild?.members.me;
    const channel = await general();
    expect(me && channel.permissionsFor(me).has(PermissionFlagsBits.SendMessages)).toBe(true);
    expect(fake.requestsTo("GET /gateway/bot").length).toBeGreaterThan(0);
  });

  it("refuses a wrong token: 401 on REST (discord.js login fails) and close 4004 on IDENTIFY", async () => {
    const intruder = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
    await expect(intruder.login("not-the-token")).rejects.toThrow(/token/i);
    await intruder.destroy();
    expect(fake.requests.some((r) => r.path === "/gateway/bot" && r.status === 401)).toBe(true);

    const socket = new WebSocket(`${fake.gatewayUrl}?v=10&encoding=json`);
    const code = await new Promise<number>((resolve, reject) => {
      socket.on("message", (raw) => {
        const payload = JSON.parse(raw.toString()) as { op: number };
        if (payload.op === 10) {
          socket.send(JSON.stringify({ op: 2, d: { token: "wrong", intents: 1, properties: {} } }));
        }
      });
      socket.on("close", (closeCode) => resolve(closeCode));
      socket.on("error", reject);
    });
    expect(code).toBe(4004);
  });

  it("speaks zlib-stream compression when a client asks for it (as discord.js does with zlib-sync)", async () => {
    const socket = new WebSocket(`${fake.gatewayUrl}?v=10&encoding=json&compress=zlib-stream`);
    const inflate = zlib.createInflate();
    const texts: string[] = [];
    inflate.on("data", (chunk: Buffer) => texts.push(chunk.toString()));
    const frames: Buffer[] = [];
    const hello = await new Promise<{ op: number; d: { heartbeat_interval: number } }>((resolve, reject) => {
      socket.on("message", (raw: Buffer, isBinary) => {
        frames.push(raw);
        expect(isBinary).toBe(true);
        inflate.write(raw);
        inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
          const text = texts.join("");
          if (text) resolve(JSON.parse(text));
        });
      });
      socket.on("error", reject);
    });
    socket.close();
    inflate.close();
    expect(hello.op).toBe(10);
    expect(hello.d.heartbeat_interval).toBeGreaterThan(0);
    expect(frames[0]?.subarray(-4)).toEqual(Buffer.from([0, 0, 0xff, 0xff]));
  });

  it("registers slash commands per guild with a bulk overwrite, keeping ids on re-registration", async () => {
    const commands = [
      new SlashCommandBuilder()
        .setName("battle")
        .setDescription("Start a battle")
        .addStringOption((o) => o.setName("prompt").setDescription("Your prompt").setRequired(true)),
      new SlashCommandBuilder()
        .setName("arena")
        .setDescription("Moderation")
        .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
        .addSubcommand((s) =>
          s
            .setName("disable")
            .setDescription("Disable a model")
            .addStringOption((o) =>
              o.setName("model").setDescription("Model").setRequired(true).setAutocomplete(true),
            ),
        ),
      new SlashCommandBuilder().setName("slow").setDescription("Deferred answer"),
      new SlashCommandBuilder().setName("vote").setDescription("Posts buttons"),
    ].map((c) => c.toJSON());
    const first = await client.application?.commands.set(commands, fake.guild.id);
    expect(first?.size).toBe(4);
    const registered = fake.registeredCommands(fake.guild.id);
    expect(registered.map((c) => c.name).sort()).toEqual(["arena", "battle", "slow", "vote"]);
    expect(registered.find((c) => c.name === "arena")?.defaultMemberPermissions).toBe(
      PermissionFlagsBits.ManageGuild.toString(),
    );
    const again = await client.application?.commands.set(commands, fake.guild.id);
    expect(again?.find((c) => c.name === "battle")?.id).toBe(first?.find((c) => c.name === "battle")?.id);
    expect(fake.requestsTo("PUT /applications/:app/guilds/:guild/commands")).toHaveLength(2);

    const invalid = [{ name: "Bad Name", description: "x" }];
    await expect(client.application?.commands.set(invalid, fake.guild.id)).rejects.toMatchObject({
      code: 50035,
    });
  });

  it("delivers a slash command with options and member permissions; records an ephemeral reply", async () => {
    onInteraction("battle", async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      const prompt = interaction.options.getString("prompt", true);
      const canManage = interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false;
      await interaction.reply({
        content: `prompt=${prompt} user=${interaction.user.username} manage=${canManage}`,
        flags: MessageFlags.Ephemeral,
      });
    });
    const byAlice = fake.slashCommand(alice, generalId, "battle", { prompt: "write a haiku" });
    const reply = await byAlice.waitForReply();
    expect(reply.content).toBe("prompt=write a haiku user=alice manage=false");
    expect(reply.flags & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(reply.visibleTo).toBe(alice.id);
    expect(fake.messages(generalId).map((m) => m.id)).not.toContain(reply.id);
    expect(fake.ephemeralMessages(alice.id).map((m) => m.id)).toContain(reply.id);

    const byMod = fake.slashCommand(mod, generalId, "battle", { prompt: "hi" });
    expect((await byMod.waitForReply()).content).toBe("prompt=hi user=mod manage=true");
    expect(() => fake.slashCommand(alice, generalId, "battle", {})).toThrow(/requires option "prompt"/);
  });

  it("records deferReply, editReply and followUp in order", async () => {
    onInteraction("slow", async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.deferReply();
      await interaction.editReply("done thinking");
      await interaction.followUp({ content: "a private note", flags: MessageFlags.Ephemeral });
    });
    const slow = fake.slashCommand(alice, generalId, "slow");
    const followUp = await slow.waitForFollowUp(0);
    expect(slow.records.map((r) => r.kind)).toEqual(["callback", "edit", "followUp"]);
    expect(slow.callback?.type).toBe(5);
    const reply = await slow.waitForReply();
    expect(reply.content).toBe("done thinking");
    expect(reply.visibleTo).toBeNull();
    expect(fake.messages(generalId).map((m) => m.content)).toContain("done thinking");
    expect(followUp.content).toBe("a private note");
    expect(followUp.visibleTo).toBe(alice.id);
  });

  it("delivers button clicks (update and reply) and a modal shown then submitted", async () => {
    onInteraction("vote", async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
        new ButtonBuilder().setCustomId("pick").setLabel("A is better").setStyle(ButtonStyle.Primary),
        new ButtonBuilder().setCustomId("peek").setLabel("Who?").setStyle(ButtonStyle.Secondary),
        new ButtonBuilder().setCustomId("more").setLabel("Continue").setStyle(ButtonStyle.Secondary),
      );
      await interaction.reply({ content: "Vote now", components: [row] });
    });
    onInteraction("pick", async (interaction) => {
      if (!interaction.isButton()) return;
      await interaction.update({ content: `closed by ${interaction.user.username}`, components: [] });
    });
    onInteraction("peek", async (interaction) => {
      if (!interaction.isButton()) return;
      await interaction.reply({
        content: `message ${interaction.message.id}`,
        flags: MessageFlags.Ephemeral,
      });
    });
    onInteraction("more", async (interaction) => {
      if (!interaction.isButton()) return;
      const input = new TextInputBuilder()
        .setCustomId("text")
        .setLabel("Follow-up")
        .setStyle(TextInputStyle.Paragraph);
      const modal = new ModalBuilder()
        .setCustomId("followup-modal")
        .setTitle("Continue")
        .addComponents(new ActionRowBuilder<TextInputBuilder>().addComponents(input));
      await interaction.showModal(modal);
    });
    onInteraction("followup-modal", async (interaction) => {
      if (!interaction.isModalSubmit()) return;
      await interaction.reply({ content: `you said: ${interaction.fields.getTextInputValue("text")}` });
    });

    const vote = await fake.slashCommand(alice, generalId, "vote").waitForReply();
    expect(vote.components).toHaveLength(1);

    const peek = fake.clickButton(mod, vote.id, "peek");
    const peekReply = await peek.waitForReply();
    expect(peekReply.content).toBe(`message ${vote.id}`);
    expect(peekReply.visibleTo).toBe(mod.id);

    const more = fake.clickButton(alice, vote.id, "more");
    const modal = await more.waitForModal();
    expect(modal.custom_id).toBe("followup-modal");
    const submitted = fake.submitModal(more, { text: "and in French?" });
    expect((await submitted.waitForReply()).content).toBe("you said: and in French?");

    const pick = fake.clickButton(mod, vote.id, "pick");
    const updated = await pick.waitForReply();
    expect(pick.callback?.type).toBe(7);
    expect(updated.id).toBe(vote.id);
    expect(updated.content).toBe("closed by mod");
    expect(updated.components).toEqual([]);
    expect(() => fake.clickButton(alice, vote.id, "pick")).toThrow(/no component/);
  });

  it("answers autocomplete with the bot's choices", async () => {
    onInteraction("arena", async (interaction) => {
      if (!interaction.isAutocomplete()) return;
      const typed = interaction.options.getFocused();
      await interaction.respond(
        ["gpt-4o", "llama-3", "qwen"].filter((m) => m.includes(typed)).map((m) => ({ name: m, value: m })),
      );
    });
    const handle = fake.autocomplete(mod, generalId, "arena", { disable: { model: "ll" } }, "model");
    expect(await handle.waitForChoices()).toEqual([{ name: "llama-3", value: "llama-3" }]);
  });

  it("starts a thread on a message and posts inside it; attachments arrive intact", async () => {
    const channel = await general();
    const threadCreated = new Promise<string>((resolve) =>
      client.once(Events.ThreadCreate, (t) => resolve(t.id)),
    );
    const starter = await channel.send("Battle #1");
    const thread = await starter.startThread({ name: "Battle #1" });
    expect(thread.id).toBe(starter.id);
    expect(await threadCreated).toBe(thread.id);
    await thread.send({
      content: "**Model A**",
      files: [{ attachment: Buffer.from("png bytes"), name: "chart.png" }],
    });
    expect(fake.threads(generalId).map((t) => t.name)).toContain("Battle #1");
    const [posted] = fake.messages(thread.id);
    expect(posted?.content).toBe("**Model A**");
    expect(posted?.attachments[0]?.filename).toBe("chart.png");
    expect(posted?.attachments[0]?.data.toString()).toBe("png bytes");
    await expect(starter.startThread({ name: "again" })).rejects.toMatchObject({ code: 160004 });
  });

  it("supports the battle flow: defer, edit the reply, open a thread on it, reply with_response", async () => {
    onInteraction("slow", async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.deferReply();
      const reply = await interaction.editReply("Battle #2: generating…");
      const thread = await reply.startThread({ name: "Battle #2" });
      await thread.send("**Model A**\nHello");
    });
    const slow = fake.slashCommand(alice, generalId, "slow");
    const reply = await slow.waitForReply();
    const thread = await fake.waitFor(() => fake.threads(generalId).find((t) => t.id === reply.id));
    expect(thread.name).toBe("Battle #2");
    const posted = await fake.waitFor(() => fake.messages(thread.id)[0]);
    expect(posted.content).toBe("**Model A**\nHello");

    onInteraction("vote", async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      const response = await interaction.reply({ content: "with response", withResponse: true });
      await interaction.followUp(`reply id ${response.resource?.message?.id}`);
    });
    const vote = fake.slashCommand(alice, generalId, "vote");
    const first = await vote.waitForReply();
    expect((await vote.waitForFollowUp(0)).content).toBe(`reply id ${first.id}`);
  });

  it("answers errors in Discord's format: empty message, too long, missing permissions", async () => {
    const channel = await general();
    await expect(channel.send({ content: "x".repeat(2001) })).rejects.toMatchObject({ code: 50035 });
    await expect(channel.send({ embeds: [] })).rejects.toMatchObject({ code: 50006 });

    fake.denyPermission(generalId, "CreatePublicThreads");
    const starter = await channel.send("no thread for this one");
    const error = await starter.startThread({ name: "nope" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect(error).toMatchObject({ code: 50013, status: 403 });
    fake.restorePermission(generalId, "CreatePublicThreads");

    fake.denyPermission(generalId, "SendMessages");
    await expect(channel.send("silenced")).rejects.toMatchObject({ code: 50013 });
    fake.restorePermission(generalId, "SendMessages");
    expect((await channel.send("speaking again")).content).toBe("speaking again");
  });

  it("lets discord.js retry a send after an injected 429: the message arrives after two attempts", async () => {
    const channel = await general();
    fake.failNext("POST /channels/:id/messages", { status: 429, retryAfter: 0.2 });
    const sent = await channel.send("after the rate limit");
    const attempts = fake.requestsTo(`POST /channels/${generalId}/messages`).slice(-2);
    expect(attempts.map((r) => [r.status, r.injected])).toEqual([
      [429, true],
      [200, false],
    ]);
    expect(fake.message(sent.id)?.content).toBe("after the rate limit");
  });

  it("survives a dropped gateway: the client resumes and receives the next interaction", async () => {
    onInteraction("battle", async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.reply({ content: `again: ${interaction.options.getString("prompt", true)}` });
    });
    const resumed = fake.waitForGateway("resumed");
    fake.dropGateway();
    await resumed;
    const after = fake.slashCommand(alice, generalId, "battle", { prompt: "after the drop" });
    expect((await after.waitForReply()).content).toBe("again: after the drop");

    // A dead TCP connection, and an interaction sent while the client is away: replayed on RESUME.
    const resumedAgain = fake.waitForGateway("resumed");
    fake.dropGateway({ destroy: true });
    const whileAway = fake.slashCommand(alice, generalId, "battle", { prompt: "while away" });
    await resumedAgain;
    expect((await whileAway.waitForReply()).content).toBe("again: while away");
  });
});

describe("fake Discord interaction deadline", () => {
  let fake: FakeDiscord;
  let client: Client;

  beforeAll(async () => {
    fake = await startFakeDiscord({ interactionAckTimeoutMs: 100 });
    client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
    await client.login(fake.botToken);
    await client.application?.commands.set(
      [{ name: "late", description: "Answers too late" }],
      fake.guild.id,
    );
  });

  afterAll(async () => {
    await client?.destroy();
    await fake?.close();
  });

  it("refuses an initial response after the deadline with Unknown interaction (10062)", async () => {
    const outcome = new Promise<unknown>((resolve) => {
      client.once(Events.InteractionCreate, async (interaction) => {
        if (!interaction.isChatInputCommand()) return;
        await new Promise((r) => setTimeout(r, 300));
        resolve(await interaction.reply("too late").catch((error: unknown) => error));
      });
    });
    const user = fake.addUser({ username: "bob" });
    const handle = fake.slashCommand(user, fake.channelId("general"), "late");
    expect(await outcome).toMatchObject({ code: 10062, status: 404 });
    expect(handle.acknowledged).toBe(false);
  });
});

describe("fake Discord sharding", () => {
  let fake: FakeDiscord;
  const clients: Client[] = [];

  beforeAll(async () => {
    fake = await startFakeDiscord({
      requiredShards: 2,
      guilds: [{ name: "Even" }, { name: "Odd" }, { name: "Even too" }],
    });
  });

  afterAll(async () => {
    for (const client of clients) await client.destroy();
    await fake?.close();
  });

  /** A discord.js client running `shards` of `shardCount`, logged in. */
  async function shardClient(shards: number[], shardCount: number): Promise<Client> {
    const client = new Client({
      intents: [GatewayIntentBits.Guilds],
      rest: { api: fake.apiUrl },
      shards,
      shardCount,
    });
    clients.push(client);
    await client.login(fake.botToken);
    return client;
  }

  it("gives each shard the guilds (guild_id >> 22) % count picks, and only their interactions", async () => {
    expect(fake.guilds.map((guild) => shardOf(guild.id, 2))).toEqual([0, 1, 0]);
    const [even, odd] = await Promise.all([shardClient([0], 2), shardClient([1], 2)]);
    expect([...even.guilds.cache.keys()].sort()).toEqual([fake.guilds[0]?.id, fake.guilds[2]?.id].sort());
    expect([...odd.guilds.cache.keys()]).toEqual([fake.guilds[1]?.id]);

    await odd.application?.commands.set([{ name: "ping", description: "Pong" }]);
    const received: Array<{ shard: string; guild: string | null }> = [];
    for (const [shard, client] of [
      ["even", even],
      ["odd", odd],
    ] as const) {
      client.on(Events.InteractionCreate, async (interaction) => {
        received.push({ shard, guild: interaction.guildId });
        if (interaction.isChatInputCommand()) await interaction.reply("pong");
      });
    }
    for (const guild of fake.guilds) {
      const user = fake.addUser({ username: `member-${guild.name}`, guildId: guild.id });
      await fake.slashCommand(user, fake.channelId("general", guild.id), "ping").waitForReply();
    }
    expect(received.toSorted((x, y) => (x.guild ?? "").localeCompare(y.guild ?? ""))).toEqual(
      [
        { shard: "even", guild: fake.guilds[0]?.id ?? "" },
        { shard: "odd", guild: fake.guilds[1]?.id ?? "" },
        { shard: "even", guild: fake.guilds[2]?.id ?? "" },
      ].toSorted((x, y) => x.guild.localeCompare(y.guild)),
    );
  });

  it("closes 4011 Sharding Required below the required count and 4010 for a shard id out of range", async () => {
    const closes: number[] = [];
    for (const shard of [
      [0, 1],
      [2, 2],
    ]) {
      const socket = new WebSocket(`${fake.gatewayUrl}?v=10&encoding=json`);
      closes.push(
        await new Promise<number>((resolve, reject) => {
          socket.on("message", (raw) => {
            const payload = JSON.parse(raw.toString()) as { op: number };
            if (payload.op === 10) {
              socket.send(
                JSON.stringify({ op: 2, d: { token: fake.botToken, intents: 1, properties: {}, shard } }),
              );
            }
          });
          socket.on("close", (code) => resolve(code));
          socket.on("error", reject);
        }),
      );
    }
    expect(closes).toEqual([4011, 4010]);
  });
});
