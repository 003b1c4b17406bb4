// Shared fixtures of the store tests: temp database files and small record builders.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ModelInput, NewBattle } from "../../src/arena/store.ts";
import type { Place } from "../../src/arena/types.ts";

export interface TempDir {
  readonly path: string;
  file(name: string): string;
  remove(): void;
}

export function tempDir(): TempDir {
  const path = mkdtempSync(join(tmpdir(), "arena-store-"));
  return {
    path,
    file: (name) => join(path, name),
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}

export function modelInput(name: string, overrides: Partial<ModelInput> = {}): ModelInput {
  return {
    name,
    baseUrl: "http://127.0.0.1:9/v1",
    model: `${name}-id`,
    apiKeyEnv: "TEST_KEY",
    aliases: [`${name}-alias`],
    weight: 1,
    enabled: true,
    maxTokens: 256,
    temperature: 0.7,
    systemPrompt: null,
    ...overrides,
  };
}

export const PLACE: Place = { platform: "discord", community: "guild-1", channel: "channel-1" };

export function newBattle(modelA: string, modelB: string, overrides: Partial<NewBattle> = {}): NewBattle {
  return {
    place: PLACE,
    creatorHash: "creator-hash",
    modelA,
    modelB,
    prompt: "Write a haiku about SQLite.",
    categories: ["overall"],
    createdAt: new Date(1_700_000_000_000),
    ...overrides,
  };
}

/** mulberry32: a small seeded generator, so property tests replay exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
