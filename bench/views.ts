// npm run bench:views — the leaderboard's per-battle views on a SQLite file: reading the counted battles with
// their style counts, the style-controlled fit (sandwich) and deduplication. Prints figures; asserts nothing.
// BENCH_BATTLES (default 10,000) battles between 20 models, prompts repeating every 3,000 battles.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { deduplicate, styleBoard } from "../src/arena/board-variants.ts";
import { openSqliteStore } from "../src/store/index.ts";

const BATTLES = Number(process.env.BENCH_BATTLES ?? 10_000);
const MODELS = Array.from({ length: 20 }, (_, index) => `model-${index}`);

function answer(seed: number): string {
  return `# Answer\n\n${"Some words of the answer. ".repeat(20 + (seed % 50))}\n- one\n- two\n\n**bold** end`;
}

const directory = mkdtempSync(join(tmpdir(), "arena-bench-views-"));
try {
  const store = await openSqliteStore(join(directory, "arena.db"));
  let started = performance.now();
  for (let index = 0; index < BATTLES; index++) {
    const modelA = MODELS[index % MODELS.length] ?? "";
    const modelB = MODELS[(index * 7 + 3) % MODELS.length] ?? "";
    if (modelA === modelB) continue;
    const prompt = `prompt ${index % 3000}`;
    const place = { platform: "discord", community: "g", channel: "c" };
    const battle = await store.createBattle({
      place,
      creatorHash: "creator",
      modelA,
      modelB,
      prompt,
      categories: ["overall"],
      createdAt: new Date(),
    });
    for (const side of ["a", "b"] as const) {
      await store.saveAnswer(battle.id, {
        turn: 1,
        side,
        userContent: prompt,
        content: answer(index + (side === "a" ? 0 : 7)),
        promptTokens: null,
        completionTokens: null,
        latencyMs: null,
        finishReason: "stop",
        error: null,
      });
    }
    await store.transitionBattle(battle.id, ["generating"], "open", new Date(), { closesAt: new Date() });
    await store.recordVote({
      battleId: battle.id,
      voterHash: `voter-${index}`,
      choice: index % 3 === 0 ? "b" : "a",
      at: new Date(),
      exclusions: [],
    });
  }
  const setupSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const battles = await store.rankingBattles("overall");
  const readMs = performance.now() - started;
  started = performance.now();
  await styleBoard(battles, []);
  const styleFitMs = performance.now() - started;
  started = performance.now();
  const { kept } = deduplicate(battles, 0.99);
  const dedupMs = performance.now() - started;
  await store.close();
  console.log(
    JSON.stringify({
      battles: battles.length,
      keptAfterDedup: kept.length,
      setupSeconds: Number(setupSeconds.toFixed(1)),
      readWithStyleCountsMs: Math.round(readMs),
      styleFitMs: Math.round(styleFitMs),
      dedupMs: Math.round(dedupMs),
    }),
  );
} finally {
  rmSync(directory, { recursive: true, force: true });
}
