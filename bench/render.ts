// Rendering time of each chart for 100 models (target: under 300 ms a chart). Prints figures; asserts nothing.
// Wall time suffers when other processes share the cores; the CPU time of this process is printed beside it.
import { renderBattleCountChart, renderRatingsChart, renderWinFractionHeatmap } from "../src/render/index.ts";
import { syntheticBoard, syntheticMatrices } from "../test/render/fixtures.ts";

const MODELS = 100;
const RUNS = 7;

const board = syntheticBoard(MODELS);
const { win, count } = syntheticMatrices(board);

const charts: [string, () => Promise<Uint8Array>][] = [
  ["ratings (100 models)", () => renderRatingsChart(board)],
  ["ratings (100 models, scale 2)", () => renderRatingsChart(board, { scale: 2 })],
  ["win fraction (top 20 of 100)", () => renderWinFractionHeatmap(win)],
  ["battle counts (top 20 of 100)", () => renderBattleCountChart(count)],
  ["ratings (20 models)", () => renderRatingsChart(syntheticBoard(20))],
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

// The first render loads the fonts and warms the JIT.
const warm = performance.now();
await renderRatingsChart(syntheticBoard(3));
console.log(`first render (fonts, JIT warm-up): ${(performance.now() - warm).toFixed(0)} ms`);

for (const [name, render] of charts) {
  const wall: number[] = [];
  const cpu: number[] = [];
  let bytes = 0;
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    const startCpu = process.cpuUsage();
    bytes = (await render()).length;
    const used = process.cpuUsage(startCpu);
    wall.push(performance.now() - start);
    cpu.push((used.user + used.system) / 1000);
  }
  const ms = (value: number) => `${value.toFixed(0).padStart(5)} ms`;
  console.log(
    `${name.padEnd(34)} wall median ${ms(median(wall))} min ${ms(Math.min(...wall))} · cpu median ${ms(median(cpu))}` +
      ` · ${(bytes / 1024).toFixed(0)} KiB`,
  );
}
