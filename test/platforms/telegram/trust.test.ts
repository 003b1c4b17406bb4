// The trust model on Telegram, from the attacker's side: a member creates her own group (becoming its creator)
// and tries to take over the shared registry, read the bot's secrets and replay votes. Real telegraf against the
// Bot API emulator, the real arena and openai SDK.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEY_NAME_REFUSAL } from "../../../src/arena/model-policy.ts";
import type { ArenaRuntime } from "../../../src/main.ts";
import { type AttackerEndpoint, startAttackerEndpoint } from "../../fakes/attacker.ts";
import type { TelegramChat, TelegramEmulator, TelegramUser } from "../../fakes/telegram/index.ts";
import { battleInPlace, buttonData, recordingLogger, startWorld, TOKEN, type World } from "./setup.ts";

const PROVIDER_SECRET = "sk-provider-secret-9876543210";

describe("Telegram trust model (the creator of a second group attacks)", () => {
  let world: World;
  let telegram: TelegramEmulator;
  let attacker: AttackerEndpoint;
  let runtime: ArenaRuntime;
  const logger = recordingLogger();
  let admin: TelegramUser;
  let member: TelegramUser;
  let eve: TelegramUser;
  let home: TelegramChat;
  let other: TelegramChat;
  let evil: TelegramChat;

  beforeAll(async () => {
    [world, attacker] = await Promise.all([startWorld(), startAttackerEndpoint()]);
    telegram = world.telegram;
    admin = telegram.user({ firstName: "Ada" });
    member = telegram.user({ firstName: "Max" });
    eve = telegram.user({ firstName: "Eve" });
    for (const user of [admin, member, eve]) telegram.privateChat(user);
    home = telegram.chat({
      title: "Home",
      kind: "supergroup",
      members: [
        [admin, "administrator"],
        [member, "member"],
        [eve, "member"],
      ],
    });
    // Ada administers another group too: there she is only that group's moderator, not an owner.
    other = telegram.chat({
      title: "Other",
      kind: "supergroup",
      members: [
        [member, "administrator"],
        [admin, "administrator"],
      ],
    });
    evil = telegram.chat({
      title: "Eve's group",
      kind: "supergroup",
      members: [
        [eve, "creator"],
        [member, "member"],
      ],
    });
    ({ runtime } = await world.startArena({
      logger,
      tickMilliseconds: 200,
      env: {
        ARENA_HOME: `telegram:${home.id}`,
        ARENA_ALLOWED_HOSTS: new URL(world.openai.url).host,
      },
      // What the bot's process has: its token and a provider key that no model may name.
      runtimeEnv: { TELEGRAM_TOKEN: TOKEN, PROVIDER_SECRET },
    }));
  });

  afterAll(async () => {
    await world?.close();
    await attacker?.close();
    const logged = JSON.stringify(logger.lines);
    expect(logged).not.toContain(TOKEN.split(":")[1]);
    expect(logged).not.toContain(PROVIDER_SECRET);
  });

  /** The bot's private answer to a command in a group (in the user's private chat with the bot). */
  async function privately(user: TelegramUser, chat: TelegramChat, line: string): Promise<string> {
    const before = telegram.botMessages(user.id).length;
    await telegram.sendCommand(user, chat, line);
    const answer = await telegram.waitFor(() => telegram.botMessages(user.id)[before], 10_000);
    return answer.text ?? "";
  }

  it("refuses every registry command to the creator of another group, privately, and audits it", async () => {
    const before = await runtime.store.listModels();
    const attempts = [
      "/model list",
      `/model add steal ${attacker.url} x TELEGRAM_TOKEN`,
      "/model enable leaky",
      "/model disable alpha",
      "/model remove beta",
      "/model weight alpha 100",
      "/model aliases alpha",
    ];
    for (const line of attempts) {
      const text = await privately(eve, evil, line);
      expect(text).toMatch(/only the arena's owners may use it/);
    }
    expect(telegram.botMessages(evil.id)).toEqual([]);
    expect(await runtime.store.listModels()).toEqual(before);
    const audit = await runtime.store.auditLog(attempts.length);
    expect(audit.every((entry) => !entry.allowed && entry.action.startsWith("model."))).toBe(true);
    expect(audit).toHaveLength(attempts.length);
    // Her own group's settings are hers to change; the home group's administrator owns the arena.
    expect(await privately(eve, evil, "/arena window 5")).toMatch(/take votes for 5 minutes/);
    expect(await privately(admin, home, "/model list")).toMatch(/alpha/);
    expect(await privately(admin, other, "/model list")).toMatch(/only the arena's owners/);
  });

  it("refuses an undeclared key variable with the same words whether it is set or not", async () => {
    const add = (name: string, keyName: string) =>
      privately(admin, home, `/model add ${name} ${world.openai.url} fake-terse ${keyName}`);
    const token = await add("steal-token", "TELEGRAM_TOKEN");
    const key = await add("steal-key", "PROVIDER_SECRET");
    const unset = await add("steal-unset", "NOT_SET_ANYWHERE");
    expect(token).toContain(KEY_NAME_REFUSAL);
    expect(key).toBe(token);
    expect(unset).toBe(token);
    const names = (await runtime.store.listModels()).map((model) => model.name);
    expect(names.filter((name) => name.startsWith("steal"))).toEqual([]);
  });

  it("never sends a request to an endpoint outside ARENA_ALLOWED_HOSTS", async () => {
    const refused = await privately(admin, home, `/model add away ${attacker.url} x ARENA_KEY_AWAY`);
    expect(refused).toMatch(/not in ARENA_ALLOWED_HOSTS/);
    for (let index = 0; index < 3; index++) {
      const battle = await battleInPlace(telegram, member, home, `Telegram question ${index}?`);
      expect(battle.vote.replyMarkup).toBeDefined();
    }
    expect(attacker.hits).toEqual([]);
    for (const request of world.openai.requests)
      expect(JSON.stringify(request)).not.toContain(PROVIDER_SECRET);
  });

  it("refuses a vote replayed in another group; the battle's chat decides who may vote", async () => {
    expect(await privately(admin, home, "/arena voters moderators")).toMatch(/Only moderators may vote/);
    const battle = await battleInPlace(telegram, admin, home, "Is a tomato a fruit?");
    const payload = buttonData(battle.vote, "A is better");
    // In Eve's group everyone may vote and she administers it: a replayed payload must still not count.
    const decoy = await battleInPlace(telegram, eve, evil, "Is a cucumber a fruit?");
    const replayed = await telegram.pressButton(eve, evil, decoy.vote.messageId, payload, {
      evenIfAbsent: true,
    });
    expect(replayed.text).toMatch(/does not belong here/);
    const moved = await telegram.pressButton(member, evil, decoy.vote.messageId, payload, {
      evenIfAbsent: true,
    });
    expect(moved.text).toMatch(/does not belong here/);
    const direct = await telegram.pressButton(member, home, battle.vote.messageId, payload);
    expect(direct.text).toMatch(/only moderators' votes/);
    const battleId = payload.split(":")[1] ?? "";
    expect(await runtime.store.votesOf(battleId)).toEqual([]);
    const counted = await telegram.pressButton(admin, home, battle.vote.messageId, payload);
    expect(counted.text).toMatch(/You voted: A is better/);
    expect(await runtime.store.votesOf(battleId)).toHaveLength(1);
    await privately(admin, home, "/arena voters everyone");
  });

  it("refuses another community's board, typed or through a crafted page button", async () => {
    const homeBoard = `community:telegram:${home.id}`;
    expect(await privately(eve, evil, `/leaderboard ${homeBoard}`)).toMatch(
      /another community's leaderboard/,
    );
    expect(await privately(eve, evil, `/arena subscribe ${homeBoard}`)).toMatch(
      /another community's leaderboard/,
    );
    const decoy = await battleInPlace(telegram, eve, evil, "Name a colour");
    const crafted = await telegram.pressButton(eve, evil, decoy.vote.messageId, `p:r:0:${homeBoard}`, {
      evenIfAbsent: true,
    });
    expect(crafted.text).toMatch(/another community's leaderboard/);
  });

  it("keeps a prompt with = signs verbatim", async () => {
    const prompt = "If x=5 and y=x*2, what is y?";
    await battleInPlace(telegram, member, home, prompt);
    const battles = await runtime.store.battlesInState("open");
    expect(battles.some((battle) => battle.turns.some((turn) => turn.userContent === prompt))).toBe(true);
  });
});
