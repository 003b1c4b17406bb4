// Draws docs/leaderboard.png from the GenAI-Arena battles of 2024-02-20 (the README's picture).
// Usage: node --import tsx src/render/docs-chart.ts [BATTLES_FILE] [OUT_PNG]
import { readFile, writeFile } from "node:fs/promises";
import { aggregate, fastChatComparisons, parseFastChat, rankModels } from "../ranking/index.ts";
import { renderRatingsChart } from "./charts.ts";

const DEFAULT_BATTLES = "../shared/anchors/genai-arena/genai_arena_clean_battle_20240220.json";
const DEFAULT_OUT = "docs/leaderboard.png";

const [battlesFile = DEFAULT_BATTLES, outFile = DEFAULT_OUT] = process.argv.slice(2);
const battles = parseFastChat(await readFile(battlesFile, "utf8"));
const board = await rankModels(aggregate(fastChatComparisons(battles)), { bootstrapRounds: 1000, seed: 1 });
const png = await renderRatingsChart(board, {
  title: "GenAI-Arena, anonymous battles of 20 February 2024",
  minBattles: 50,
});
await writeFile(outFile, png);
console.log(`wrote ${outFile}: ${board.models.length} models, ${board.battles} battles, ${png.length} bytes`);
