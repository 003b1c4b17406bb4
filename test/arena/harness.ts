// A real arena for tests: a fresh database (a SQLite file, or a PostgreSQL schema in the postgres test project), the
// real openai SDK against the scripted fake server.
import { type CommandServices, runCommand } from "../../commands/index.ts";
import { Arena, DEFAULT_SETTINGS } from "../../src/arena/engine.ts";
import type { JudgeSettings } from "../../src/arena/judge.ts";
import { silentLogger } from "../../src/arena/logger.ts";
import { Registry } from "../../src/arena/registry.ts";
import type { ModelInput } from "../../src/arena/store.ts";
import type { ArenaEvent, CommandContext, Reply } from "../../src/arena/types.ts";
import { createOpenAIModelClient } from "../../src/providers/openai-client.ts";
import { createRandom } from "../../src/ranking/random.ts";
import { openStore } from "../../src/store/index.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai/server.ts";
import { createTestDatabase } from "../store/databases.ts";

export interface Harness {
  readonly arena: Arena;
  readonly services: CommandServices;
  readonly fake: FakeOpenAI;
  readonly events: ArenaEvent[];
  readonly clock: { now: Date; advance(seconds: number): void };
  readonly databasePath: string;
  ctx(userId: string, options?: { admin?: boolean; channel?: string }): CommandContext;
  command(ctx: CommandContext, name: string, options: Record<string, unknown>): Promise<Reply>;
  /** Starts a battle and places it in a thread; resolves when both answers are in (or it failed). */
  battle(ctx: CommandContext, prompt: string): Promise<{ reply: Reply; battleId: string }>;
  /** A second arena on the same database, as after a restart. */
  restart(): Promise<Harness>;
  close(): Promise<void>;
}

export function modelInput(name: string, baseUrl: string, model = name): ModelInput {
  return {
    name,
    baseUrl,
    model,
    apiKeyEnv: null,
    aliases: [],
    weight: 1,
    enabled: true,
    maxTokens: 256,
    temperature: 0.7,
    systemPrompt: null,
  };
}

interface HarnessOptions {
  readonly models?: readonly [name: string, modelId: string][];
  readonly timeoutMs?: number;
  readonly fake?: FakeOpenAI;
  readonly databasePath?: string;
  readonly clock?: Harness["clock"];
  readonly start?: boolean;
  /** ARENA_HOME entries, e.g. "discord:g1". */
  readonly homes?: readonly string[];
  /** Platforms this instance serves (has event listeners for); default both. */
  readonly platforms?: readonly string[];
  /** The judge model's settings (its model must be registered by the test). */
  readonly judge?: JudgeSettings;
  readonly voteRateLimit?: { readonly max: number; readonly windowSeconds: number };
}

export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const fake = options.fake ?? (await startFakeOpenAI());
  const database = options.databasePath ? null : await createTestDatabase();
  const databasePath = options.databasePath ?? database?.url ?? "";
  const store = await openStore(databasePath);
  if (!options.databasePath) {
    for (const [name, modelId] of options.models ?? [
      ["alpha", "fake-terse"],
      ["beta", "fake-pirate"],
    ]) {
      await store.upsertModel(modelInput(name, fake.url, modelId), "config");
    }
  }
  const clock = options.clock ?? {
    now: new Date("2026-01-01T12:00:00Z"),
    advance(seconds: number) {
      this.now = new Date(this.now.getTime() + seconds * 1000);
    },
  };
  const events: ArenaEvent[] = [];
  const arena = new Arena({
    ...(options.judge ? { judge: options.judge } : {}),
    store,
    models: createOpenAIModelClient({ timeoutMs: options.timeoutMs ?? 5_000, maxRetries: 2 }),
    logger: silentLogger,
    now: () => clock.now,
    random: (() => {
      const random = createRandom(7);
      return () => random.next();
    })(),
    settings: {
      ...DEFAULT_SETTINGS,
      trust: { owners: new Set(["discord:999"]), homes: new Set(options.homes ?? []) },
      voterKey: "test-voter-key-0123456789",
      ...(options.voteRateLimit ? { voteRateLimit: options.voteRateLimit } : {}),
    },
  });
  for (const platform of options.platforms ?? ["discord", "telegram"]) {
    arena.onEvent(platform, (event) => void events.push(event));
  }
  if (options.start !== false) await arena.start();
  const services: CommandServices = { arena, registry: new Registry(arena, {}) };
  const harness: Harness = {
    arena,
    services,
    fake,
    events,
    clock,
    databasePath,
    ctx(userId, { admin = false, channel = "c1" } = {}) {
      return {
        actor: { platform: "discord", userId, displayName: `user${userId}`, isCommunityAdmin: admin },
        place: { platform: "discord", community: "g1", channel },
      };
    },
    command(ctx, name, commandOptions) {
      return runCommand({ services, logger: silentLogger }, ctx, name, commandOptions);
    },
    async battle(ctx, prompt) {
      const reply = await runCommand({ services, logger: silentLogger }, ctx, "battle", { prompt });
      if (!reply.battle) return { reply, battleId: "" };
      await arena.placeBattle(reply.battle.battleId, { ...ctx.place, thread: `t-${reply.battle.battleId}` });
      await arena.idle();
      return { reply, battleId: reply.battle.battleId };
    },
    async restart() {
      await arena.stop();
      await store.close();
      return createHarness({ fake, databasePath, clock });
    },
    async close() {
      await arena.stop();
      await store.close();
      if (!options.fake && !options.databasePath) await fake.close();
      await database?.drop();
    },
  };
  return harness;
}
