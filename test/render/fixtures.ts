import { createRandom } from "../../src/ranking/random.ts";
// Leaderboards and matrices built directly (the renderer codes against the ranking types only).
import type { Leaderboard, Matrix, RatedModel } from "../../src/ranking/types.ts";

const FAMILIES = [
  "gpt-4o-2024-08-06",
  "claude-3-5-sonnet-20241022",
  "gemini-1.5-pro-002",
  "meta-llama/Llama-3.1-405B-Instruct-Turbo",
  "mistral-large-2411",
  "qwen2.5-72b-instruct",
  "deepseek-v3",
  "command-r-plus-08-2024",
  "phi-4",
  "gemma-2-27b-it",
];

/** Fixtures are the same on every run: the project's seeded generator. */
function random(seed: number): () => number {
  const generator = createRandom(seed);
  return () => generator.next();
}

export function modelName(i: number): string {
  const family = FAMILIES[i % FAMILIES.length] ?? "model";
  return i < FAMILIES.length ? family : `${family}-v${Math.floor(i / FAMILIES.length) + 1}`;
}

/** `n` models, one component (or two when `groups` is 2), ratings descending, intervals widening downwards. */
export function syntheticBoard(n: number, options: { seed?: number; groups?: 1 | 2 } = {}): Leaderboard {
  const next = random(options.seed ?? 7);
  const groups = options.groups ?? 1;
  const models: RatedModel[] = [];
  for (let i = 0; i < n; i++) {
    const rating = 1300 - i * (400 / Math.max(1, n)) - next() * 5;
    const half = 4 + i * 0.3 + next() * 6;
    const battles = Math.round(20 + (n - i) * 300 * next());
    models.push({
      model: modelName(i),
      rating,
      lower: rating - half,
      upper: rating + half * 1.1,
      rankUb: 1,
      battles,
      component: groups === 2 && i % 3 === 2 ? 1 : 0,
    });
  }
  const ranked = models.map((m) => ({
    ...m,
    rankUb: 1 + models.filter((o) => o.lower > m.upper).length,
  }));
  const components = [0, 1]
    .slice(0, groups)
    .map((c) => ranked.filter((m) => m.component === c).map((m) => m.model));
  return {
    models: ranked,
    battles: Math.round(ranked.reduce((sum, m) => sum + m.battles, 0) / 2),
    components,
    separated: [],
    ci: "bootstrap",
  };
}

/** Win fractions from the ratings (Bradley–Terry), with a few pairs never played (null). */
export function syntheticMatrices(board: Leaderboard): { win: Matrix; count: Matrix } {
  const models = board.models.map((m) => m.model);
  const next = random(11);
  const win: (number | null)[][] = [];
  const count: (number | null)[][] = [];
  board.models.forEach((a, i) => {
    win.push([]);
    count.push([]);
    board.models.forEach((b, j) => {
      const played = i !== j && (i + j) % 7 !== 3;
      const n = played ? Math.round(5 + next() * 400 * (i < j ? 1 : 1)) : null;
      win[i]?.push(played ? 1 / (1 + 10 ** ((b.rating - a.rating) / 400)) : null);
      count[i]?.push(n);
    });
  });
  // Battle counts are symmetric.
  for (let i = 0; i < models.length; i++) {
    for (let j = 0; j < i; j++) {
      const row = count[i];
      if (row) row[j] = count[j]?.[i] ?? null;
    }
  }
  return { win: { models, values: win }, count: { models, values: count } };
}
