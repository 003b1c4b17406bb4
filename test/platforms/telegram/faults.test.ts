// Hostile input and provider faults seen from Telegram: the real telegraf adapter against the Bot API emulator,
// the real arena and pino logger, the real openai SDK against a fake that echoes the API key in its errors.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ArenaRuntime } from "../../../src/main.ts";
import { createLogger, deploymentSecrets } from "../../../src/main.ts";
import { keyEchoes, keyTraces } from "../../fakes/openai/key-echoes.ts";
import type { RecordedRequest } from "../../fakes/openai/server.ts";
import type { TelegramChat, TelegramEmulator, TelegramUser } from "../../fakes/telegram/index.ts";
import { battleInPlace, startWorld, type World } from "./setup.ts";

const KEY = "sk-faults-7Qm/X2+pLr9_Zt4eWv8KjN3sHd6cYb1u";
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe("Telegram: hostile prompts and a provider that echoes its key", () => {
  let world: World;
  let telegram: TelegramEmulator;
  let runtime: ArenaRuntime;
  let databaseDirectory: string;
  const logText: string[] = [];
  let member: TelegramUser;
  let group: TelegramChat;
  let forum: TelegramChat;

  beforeAll(async () => {
    world = await startWorld();
    telegram = world.telegram;
    member = telegram.user({ firstName: "Nia" });
    group = telegram.chat({ title: "Faults", kind: "supergroup", members: [[member, "member"]] });
    forum = telegram.chat({
      title: "Faults forum",
      kind: "forum",
      members: [[member, "member"]],
      bot: { status: "administrator" },
    });
    // Two models behind a key: one answers, the other echoes the key it received in every shape in its error.
    const base = world.config();
    databaseDirectory = join(base.DATABASE_URL, "..");
    const modelsFile = join(databaseDirectory, "faults-models.json");
    const keyed = (name: string, model: string) => ({
      name,
      baseUrl: world.openai.url,
      model,
      apiKeyEnv: "FAULTS_KEY",
      maxTokens: 256,
    });
    writeFileSync(modelsFile, JSON.stringify([keyed("steady", "fake-terse"), keyed("echoer", "key-echoer")]));
    const env = { ARENA_MODELS: modelsFile };
    const runtimeEnv = { ...process.env, FAULTS_KEY: KEY };
    const config = world.config(env);
    const logger = createLogger(
      "debug",
      new Writable({
        write(chunk, _encoding, done) {
          logText.push(String(chunk));
          done();
        },
      }),
      deploymentSecrets(config, runtimeEnv),
    );
    ({ runtime } = await world.startArena({ logger, tickMilliseconds: 200, env, runtimeEnv }));
  });

  afterAll(async () => {
    await world?.close();
  });

  it("refuses a prompt of only invisible characters, controls and ANSI escapes, privately saying what to fix", async () => {
    const before = (await runtime.store.battlesInState("open")).length;
    const command = await telegram.sendCommand(
      member,
      group,
      "/battle \u200b\u0000\u001b[31m\u001b[0m\u2066\u202e\u200d",
    );
    const answer = await telegram.waitFor(() =>
      [
        ...[...telegram.botMessages(group.id), ...telegram.botMessages(telegram.privateChat(member).id)],
        ...telegram.botMessages(telegram.privateChat(member).id),
      ].find((message) => message.text?.includes("no visible text")),
    );
    expect(answer.text).toMatch(/plain text, e\.g\. \/battle /);
    expect(command.message_id).toBeGreaterThan(0);
    expect(await runtime.store.battlesInState("open")).toHaveLength(before);
    expect(await runtime.store.battlesInState("errored")).toHaveLength(0);
  });

  it("keeps a prompt with = signs verbatim, with ANSI escapes and NUL removed", async () => {
    world.openai.script("key-echoer", { text: "y is 10." });
    const battle = await battleInPlace(
      telegram,
      member,
      group,
      "If x=5 and\u0000 y=x*2, \u001b[1mwhat is y?\u001b[0m",
    );
    expect(battle.root.text).toMatch(/If x=5 and y=x\*2, what is y\?$/);
    const asked = world.openai.requests.filter((request) => request.model === "fake-terse").at(-1);
    expect(asked?.messages.at(-1)?.content).toBe("If x=5 and y=x*2, what is y?");
  });

  it("names a forum topic without cutting an emoji in half", async () => {
    world.openai.script("key-echoer", { text: "Smiles." });
    await telegram.sendCommand(member, forum, `/battle ${"😀".repeat(60)} why?`);
    const [, name] = await telegram.waitFor(() => [...telegram.topics(forum.id).entries()][0]);
    expect(name.length).toBeLessThanOrEqual(128);
    expect(name).toMatch(/…$/);
    expect(LONE_SURROGATE.test(name)).toBe(false);
    // Both answers are in before the next test scripts the model again.
    await telegram.waitFor(() => telegram.botMessages(forum.id).find((message) => message.replyMarkup));
  });

  it("errors a battle whose provider echoes the key in every shape; the key reaches no log, chat or database", async () => {
    // Three battles (a fourth failure in a row would take the model out of pairing), a third of the shapes each;
    // 400 is not retried, so each battle ends at once.
    const shapes = Object.keys(keyEchoes(KEY));
    const groups = [0, 1, 2].map((group) => shapes.filter((_shape, index) => index % 3 === group));
    world.openai.script("key-echoer", {
      statuses: groups.map((group) => ({
        status: 400,
        message: (request: RecordedRequest) => {
          const echoes = keyEchoes(String(request.headers.authorization).replace(/^Bearer /, ""));
          return group.map((shape) => echoes[shape]).join(" | ");
        },
      })),
    });
    for (let round = 0; round < 3; round++) {
      await battleInPlace(telegram, member, group, `Name a colour (${round})`, (message) =>
        Boolean(message.text?.includes("returned an error")),
      );
    }
    const errored = await runtime.store.battlesInState("errored");
    expect(errored.length).toBeGreaterThanOrEqual(3);
    // The fake did receive the key and echo it.
    expect(world.openai.requests.some((request) => request.headers.authorization === `Bearer ${KEY}`)).toBe(
      true,
    );
    const chat = telegram
      .calls()
      .map((call) => JSON.stringify(call.params))
      .join("\n");
    const logs = logText.join("");
    expect(logs).toContain("[redacted]");
    const database = readdirSync(databaseDirectory)
      .filter((file) => /\.db(-wal)?$/.test(file))
      .map((file) => readFileSync(join(databaseDirectory, file)).toString("latin1"))
      .join("\n");
    for (const trace of keyTraces(KEY)) {
      expect(logs).not.toContain(trace);
      expect(chat).not.toContain(trace);
      expect(database).not.toContain(trace);
    }
  });
});
