import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";

const directory = mkdtempSync(join(tmpdir(), "arena-config-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("loadConfig", () => {
  it("has the documented defaults and treats empty variables as unset", () => {
    const config = loadConfig({ DISCORD_TOKEN: "", LOG_LEVEL: "" });
    expect(config.DATABASE_URL).toBe("./data/arena.db");
    expect(config.LOG_LEVEL).toBe("info");
    expect(config.DISCORD_TOKEN).toBeUndefined();
    expect(config.ARENA_MODERATORS).toEqual([]);
    expect(config.models).toEqual([]);
  });

  it("parses lists of moderators and guilds", () => {
    const config = loadConfig({
      ARENA_MODERATORS: "discord:123, telegram:456",
      DISCORD_GUILD_IDS: "111111111111111111",
    });
    expect(config.ARENA_MODERATORS).toEqual(["discord:123", "telegram:456"]);
    expect(config.DISCORD_GUILD_IDS).toEqual(["111111111111111111"]);
  });

  it("reports every problem on its own line, naming the variable, never echoing a token", () => {
    const problems = problemsOf({
      ARENA_MODERATORS: "discord:1,slack:2",
      TELEGRAM_TOKEN: "secret-looking-but-wrong",
      LOG_LEVEL: "loud",
    });
    expect(problems).toHaveLength(3);
    expect(problems.join("\n")).toMatch(/ARENA_MODERATORS/);
    expect(problems.join("\n")).toMatch(/TELEGRAM_TOKEN/);
    expect(problems.join("\n")).toMatch(/LOG_LEVEL/);
    expect(problems.join("\n")).not.toContain("secret-looking-but-wrong");
  });

  it("parses ARENA_HOME and ARENA_ALLOWED_HOSTS, and refuses models-file entries outside the allowed hosts", () => {
    const config = loadConfig({
      ARENA_HOME: "discord:123, telegram:-1001234",
      ARENA_ALLOWED_HOSTS: "api.openai.com, 127.0.0.1:11434",
      ARENA_MODELS: "models.example.json",
    });
    expect(config.ARENA_HOME).toEqual(["discord:123", "telegram:-1001234"]);
    expect(config.ARENA_ALLOWED_HOSTS).toEqual(["api.openai.com", "127.0.0.1:11434"]);
    expect(problemsOf({ ARENA_HOME: "slack:1", ARENA_ALLOWED_HOSTS: "https://api.openai.com" })).toEqual([
      expect.stringMatching(/^ARENA_HOME/),
      expect.stringMatching(/^ARENA_ALLOWED_HOSTS/),
    ]);
    expect(
      problemsOf({ ARENA_ALLOWED_HOSTS: "api.openai.com", ARENA_MODELS: "models.example.json" }),
    ).toEqual([
      expect.stringMatching(
        /models\.example\.json\[1\]\.baseUrl: .*127\.0\.0\.1 is not in ARENA_ALLOWED_HOSTS/,
      ),
    ]);
  });

  it("reads the web page's variables: off and local by default, prompts off unless asked", () => {
    const defaults = loadConfig({});
    expect(defaults.ARENA_WEB_PORT).toBeUndefined();
    expect(defaults.ARENA_WEB_HOST).toBe("127.0.0.1");
    expect(defaults.ARENA_WEB_PROMPTS).toBe("off");
    expect(defaults.ARENA_WEB_COMMUNITIES).toEqual([]);
    const set = loadConfig({
      ARENA_WEB_PORT: "8080",
      ARENA_WEB_HOST: "0.0.0.0",
      ARENA_WEB_PROMPTS: "Public",
      ARENA_WEB_COMMUNITIES: "telegram:-100123, discord:42424242",
    });
    expect(set.ARENA_WEB_PORT).toBe(8080);
    expect(set.ARENA_WEB_HOST).toBe("0.0.0.0");
    expect(set.ARENA_WEB_PROMPTS).toBe("public");
    expect(set.ARENA_WEB_COMMUNITIES).toEqual(["telegram:-100123", "discord:42424242"]);
    expect(loadConfig({ ARENA_WEB_PROMPTS: "telegram:-100123,discord:1" }).ARENA_WEB_PROMPTS).toEqual([
      "telegram:-100123",
      "discord:1",
    ]);
    expect(
      problemsOf({
        ARENA_WEB_PORT: "70000",
        ARENA_WEB_PROMPTS: "everything",
        ARENA_WEB_COMMUNITIES: "slack:1",
      }),
    ).toEqual([
      expect.stringMatching(/^ARENA_WEB_PORT: must be a port number/),
      expect.stringMatching(/^ARENA_WEB_COMMUNITIES/),
      expect.stringMatching(/^ARENA_WEB_PROMPTS.*must be off, public, or a comma list/),
    ]);
  });

  it("needs a port with a webhook URL", () => {
    expect(problemsOf({ TELEGRAM_WEBHOOK_URL: "https://bot.example.org/hook" })).toEqual([
      expect.stringMatching(/TELEGRAM_WEBHOOK_PORT/),
    ]);
  });

  it("reads this process's Discord shards: single ids and ranges, within DISCORD_SHARD_COUNT", () => {
    const config = loadConfig({ DISCORD_SHARD_COUNT: "8", DISCORD_SHARDS: "4-6, 0,5" });
    expect(config.DISCORD_SHARD_COUNT).toBe(8);
    expect(config.DISCORD_SHARDS).toEqual([0, 4, 5, 6]);
    expect(loadConfig({}).DISCORD_SHARDS).toBeUndefined();
    expect(problemsOf({ DISCORD_SHARDS: "0,1" })).toEqual([
      expect.stringMatching(/^DISCORD_SHARD_COUNT: required with DISCORD_SHARDS/),
    ]);
    expect(problemsOf({ DISCORD_SHARD_COUNT: "2", DISCORD_SHARDS: "1-3" })).toEqual([
      "DISCORD_SHARDS: 2, 3 out of range: with DISCORD_SHARD_COUNT=2 the ids are 0-1",
    ]);
    expect(problemsOf({ DISCORD_SHARD_COUNT: "0", DISCORD_SHARDS: "first" })).toEqual([
      expect.stringMatching(/^DISCORD_SHARD_COUNT: must be a whole number of shards/),
      expect.stringMatching(/^DISCORD_SHARDS: must list shard ids such as 0,1 or 0-3/),
    ]);
  });

  it("reads the judge variables, which need ARENA_JUDGE_MODEL", () => {
    const config = loadConfig({
      ARENA_JUDGE_MODEL: "gpt-4o",
      ARENA_JUDGE_VOTES: "on",
      ARENA_JUDGE_REFERENCE: "base",
    });
    expect(config).toMatchObject({
      ARENA_JUDGE_MODEL: "gpt-4o",
      ARENA_JUDGE_VOTES: true,
      ARENA_JUDGE_REFERENCE: "base",
    });
    expect(loadConfig({}).ARENA_JUDGE_VOTES).toBe(false);
    expect(problemsOf({ ARENA_JUDGE_VOTES: "1" })).toEqual([
      expect.stringMatching(/^ARENA_JUDGE_MODEL: required/),
    ]);
    expect(problemsOf({ ARENA_JUDGE_MODEL: "j", ARENA_JUDGE_VOTES: "maybe" })).toEqual([
      expect.stringMatching(/^ARENA_JUDGE_VOTES: must be true or false/),
    ]);
  });

  it("reads the models file with its defaults, and the example file is valid", () => {
    const config = loadConfig({ ARENA_MODELS: "models.example.json" });
    expect(config.models.map((model) => model.name)).toEqual(["gpt-4o-mini", "llama3-local"]);
    expect(config.models[1]).toMatchObject({ weight: 1, enabled: true, maxTokens: 1024, systemPrompt: null });
  });

  it("says what is wrong in a models file, entry by entry", () => {
    expect(problemsOf({ ARENA_MODELS: join(directory, "missing.json") })).toEqual([
      expect.stringMatching(/no file at/),
    ]);
    const broken = join(directory, "broken.json");
    writeFileSync(broken, "[{");
    expect(problemsOf({ ARENA_MODELS: broken })).toEqual([expect.stringMatching(/not valid JSON/)]);
    const wrong = join(directory, "wrong.json");
    writeFileSync(
      wrong,
      JSON.stringify([
        {
          name: "a",
          baseUrl: "https://x.example/v1",
          model: "m",
          apiKeyEnv: "sk-abcdefghijklmnopqrstuvwxyz0123456789abcdef",
        },
        { name: "a", baseUrl: "ftp://x.example", model: "m" },
      ]),
    );
    const problems = problemsOf({ ARENA_MODELS: wrong });
    expect(problems.some((line) => /\[0\]\.apiKeyEnv: .*NAME of an environment variable/.test(line))).toBe(
      true,
    );
    expect(problems.some((line) => /\[1\]\.baseUrl/.test(line))).toBe(true);
    expect(problems.some((line) => /\[1\]\.name: a appears twice/.test(line))).toBe(true);
    expect(problems.join("\n")).not.toContain("sk-abcdefghijklmnopqrstuvwxyz0123456789abcdef");
  });

  it("reads reasoning: true for a model that takes max_completion_tokens and no temperature; false by default", () => {
    const file = join(directory, "reasoning.json");
    const entry = { baseUrl: "https://x.example/v1", model: "o4-mini" };
    writeFileSync(
      file,
      JSON.stringify([
        { ...entry, name: "thinker", reasoning: true },
        { ...entry, name: "plain" },
      ]),
    );
    expect(loadConfig({ ARENA_MODELS: file }).models.map((model) => [model.name, model.reasoning])).toEqual([
      ["thinker", true],
      ["plain", false],
    ]);
    writeFileSync(file, JSON.stringify([{ ...entry, name: "thinker", reasoning: "yes" }]));
    expect(problemsOf({ ARENA_MODELS: file })).toEqual([
      expect.stringMatching(/\[0\]\.reasoning: .*boolean/),
    ]);
  });
});
