// Start-up wiring: the judge model must be a registered model, or the bot does not start.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../src/arena/logger.ts";
import { ConfigError, loadConfig } from "../src/config.ts";
import { createRuntime } from "../src/main.ts";
import { openSqliteStore } from "../src/store/index.ts";

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

async function databaseWithModels(names: readonly string[]): Promise<string> {
  const directory = mkdtempSync(join(tmpdir(), "arena-main-"));
  directories.push(directory);
  const path = join(directory, "arena.db");
  const store = await openSqliteStore(path);
  for (const name of names) {
    await store.upsertModel(
      {
        name,
        baseUrl: "http://127.0.0.1:9/v1",
        model: name,
        apiKeyEnv: null,
        aliases: [],
        weight: 1,
        enabled: true,
        maxTokens: 64,
        temperature: 0,
        systemPrompt: null,
      },
      "config",
    );
  }
  await store.close();
  return path;
}

describe("the judge at start-up", () => {
  it("refuses a judge or reference that is not a registered model, naming the registered ones", async () => {
    const path = await databaseWithModels(["alpha", "beta"]);
    const config = loadConfig({
      DATABASE_URL: path,
      ARENA_JUDGE_MODEL: "gpt-judge",
      ARENA_JUDGE_REFERENCE: "beta",
    });
    const failure = await createRuntime(config, { logger: silentLogger }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).problems).toEqual([
      'ARENA_JUDGE_MODEL: no registered model is named "gpt-judge" (registered: alpha, beta)',
    ]);
    const badReference = loadConfig({
      DATABASE_URL: path,
      ARENA_JUDGE_MODEL: "alpha",
      ARENA_JUDGE_REFERENCE: "zeta",
    });
    await expect(createRuntime(badReference, { logger: silentLogger })).rejects.toThrow(
      /ARENA_JUDGE_REFERENCE: no registered model is named "zeta"/,
    );
  });

  it("starts with a registered judge", async () => {
    const path = await databaseWithModels(["alpha", "beta"]);
    const config = loadConfig({ DATABASE_URL: path, ARENA_JUDGE_MODEL: "alpha", ARENA_JUDGE_VOTES: "true" });
    const runtime = await createRuntime(config, { logger: silentLogger });
    expect(runtime.arena.judge?.settings).toEqual({ model: "alpha", votes: true, reference: null });
    await runtime.stop();
  });
});
