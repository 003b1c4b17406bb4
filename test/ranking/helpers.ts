// Shared test data: the published GenAI-Arena battles and leaderboards, and a seeded synthetic arena.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRandom } from "../../src/ranking/random.ts";
import type { Comparison } from "../../src/ranking/types.ts";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const anchorsDir = join(repoRoot, "..", "shared", "anchors", "genai-arena");
export const genaiBattlesFile = join(anchorsDir, "genai_arena_clean_battle_20240220.json");

/** Published ratings of one task's CSV: full model name → { anony, full }. */
export function publishedRatings(
  task: "t2i_generation" | "image_editing",
): Map<string, { anony: number; full: number }> {
  const suffix = task === "t2i_generation" ? "generation" : "edition";
  const lines = readFileSync(join(anchorsDir, `genai_arena_${task}_leaderboard_20240220.csv`), "utf8")
    .trim()
    .split("\n")
    .slice(1);
  const ratings = new Map<string, { anony: number; full: number }>();
  for (const line of lines) {
    // key,Model,anony,full,... (later columns may hold quoted commas; the first four never do)
    const [key, , anony, full] = line.split(",");
    ratings.set(`imagenhub_${key}_${suffix}`, { anony: Number(anony), full: Number(full) });
  }
  return ratings;
}

/** A synthetic arena: `models` models with spread-out strengths, `battles` random battles, ties included. */
export function syntheticComparisons(models: number, battles: number, seed = 7): Comparison[] {
  const random = createRandom(seed);
  const strength = Array.from({ length: models }, () => (random.next() - 0.5) * 4);
  const comparisons: Comparison[] = [];
  for (let i = 0; i < battles; i++) {
    const a = Math.floor(random.next() * models);
    let b = Math.floor(random.next() * (models - 1));
    if (b >= a) b++;
    const p = 1 / (1 + Math.exp((strength[b] ?? 0) - (strength[a] ?? 0)));
    const u = random.next();
    const outcome = u < 0.15 ? 0.5 : random.next() < p ? 1 : 0;
    comparisons.push({ modelA: `m${a}`, modelB: `m${b}`, outcome });
  }
  return comparisons;
}

/** Fisher–Yates with the project's seeded generator. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = createRandom(seed);
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
