import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Leaderboard } from "../../src/ranking/types.ts";
import {
  renderBattleCountChart,
  renderRatingsChart,
  renderWinFractionHeatmap,
  writeLeaderboardCharts,
} from "../../src/render/charts.ts";
import { syntheticBoard, syntheticMatrices } from "./fixtures.ts";
import {
  countPixels,
  decodePng,
  distinctColours,
  isBluish,
  isDarkInk,
  isLightInk,
  isReddish,
  type Region,
} from "./pixels.ts";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const TITLE: Region = [0, 0, 0.5, 0.12];

describe("renderRatingsChart", () => {
  it("draws a titled chart with a label per model on the left and interval bars on the right", async () => {
    const board = syntheticBoard(12);
    const png = await renderRatingsChart(board);
    expect([...png.slice(0, 8)]).toEqual(PNG_SIGNATURE);
    const image = decodePng(png);
    // 12 rows of 20 px, title and axis, drawn at twice the size.
    expect(image.width).toBeGreaterThan(1000);
    expect(image.width).toBeLessThan(2200);
    expect(image.height).toBeGreaterThan(12 * 20 * 2);
    expect(image.height).toBeLessThan(1400);
    expect(distinctColours(image)).toBeGreaterThan(20);
    // The corner is the white card.
    expect(image.rgb(2, 2)).toEqual([255, 255, 255]);
    // Title text, top left.
    expect(countPixels(image, TITLE, isDarkInk)).toBeGreaterThan(500);
    // Model names: a left strip, across the rows.
    expect(countPixels(image, [0.02, 0.25, 0.28, 0.85], isDarkInk)).toBeGreaterThan(2000);
    // Bars and points in the accent colour, right of the names only.
    expect(countPixels(image, [0.3, 0.2, 1, 0.9], isBluish)).toBeGreaterThan(500);
    expect(countPixels(image, [0, 0.2, 0.2, 0.9], isBluish)).toBe(0);
  });

  it("grows with the number of models and orders them by rating", async () => {
    const small = decodePng(await renderRatingsChart(syntheticBoard(5), { scale: 1 }));
    const large = decodePng(await renderRatingsChart(syntheticBoard(40), { scale: 1 }));
    expect(large.height - small.height).toBeGreaterThan(35 * 20 * 0.9);
    // The best model's point is at the top right, the worst's at the bottom left.
    const rows = (image: typeof large, top: number, bottom: number) =>
      countPixels(image, [0.75, top, 0.98, bottom], isBluish);
    expect(rows(large, 0.05, 0.2)).toBeGreaterThan(0);
    expect(rows(large, 0.85, 0.95)).toBe(0);
  });

  it("draws small charts at twice the size and keeps big ones within about two megapixels", async () => {
    const small = decodePng(await renderRatingsChart(syntheticBoard(5)));
    const smallAtOne = decodePng(await renderRatingsChart(syntheticBoard(5), { scale: 1 }));
    expect(small.width).toBe(smallAtOne.width * 2);
    const big = decodePng(await renderRatingsChart(syntheticBoard(100)));
    expect(big.width * big.height).toBeLessThanOrEqual(2_000_000 * 1.01);
    expect(big.height).toBeGreaterThan(100 * 20);
  });

  it("draws groups of models that were never compared as separate blocks in their own colours", async () => {
    // 4 of the 12 models are in the second group.
    const image = decodePng(await renderRatingsChart(syntheticBoard(12, { groups: 2 })));
    const plot = (top: number, bottom: number): Region => [0.3, top, 1, bottom];
    expect(countPixels(image, plot(0.2, 0.95), isBluish)).toBeGreaterThan(200);
    expect(countPixels(image, plot(0.7, 0.95), isReddish)).toBeGreaterThan(200);
    expect(countPixels(image, plot(0.25, 0.6), isReddish)).toBe(0);
  });

  it("has a dark card with light text when asked", async () => {
    const image = decodePng(await renderRatingsChart(syntheticBoard(8), { theme: "dark" }));
    const [r, g, b] = image.rgb(2, 2);
    expect(r + g + b).toBeLessThan(150);
    expect(countPixels(image, TITLE, isLightInk)).toBeGreaterThan(300);
    expect(countPixels(image, [0.02, 0.25, 0.28, 0.85], isLightInk)).toBeGreaterThan(1000);
  });

  it("keeps very long model names to the label column", async () => {
    const board = syntheticBoard(6);
    const longNames: Leaderboard = {
      ...board,
      models: board.models.map((m, i) => ({
        ...m,
        model: `organisation-${i}/${"very-long-model-name-".repeat(8)}${i}`,
      })),
    };
    const normal = decodePng(await renderRatingsChart(board));
    const long = decodePng(await renderRatingsChart(longNames));
    expect(long.width).toBeLessThan(normal.width * 1.25);
    expect(countPixels(long, [0.02, 0.3, 0.3, 0.85], isDarkInk)).toBeGreaterThan(2000);
  });

  it("says so when nothing was counted", async () => {
    const empty: Leaderboard = { models: [], battles: 0, components: [], separated: [], ci: "none" };
    const image = decodePng(await renderRatingsChart(empty));
    expect(image.width).toBeGreaterThan(300);
    expect(countPixels(image, [0, 0, 1, 1], isDarkInk)).toBeGreaterThan(300);
  });
});

describe("renderWinFractionHeatmap", () => {
  it("shows the top 20 models as coloured cells with numbers in them", async () => {
    const board = syntheticBoard(30);
    const { win } = syntheticMatrices(board);
    const image = decodePng(await renderWinFractionHeatmap(win, { scale: 2 }));
    // 20 columns of 34 px at twice the size, plus row labels.
    expect(image.width).toBeGreaterThan(20 * 34 * 2);
    expect(image.width).toBeLessThan(20 * 34 * 2 + 1200);
    // Strong models beat weak ones: blue cells top right, red cells bottom left.
    expect(countPixels(image, [0.7, 0.3, 0.95, 0.45], isBluish)).toBeGreaterThan(1000);
    expect(countPixels(image, [0.3, 0.85, 0.5, 0.98], isReddish)).toBeGreaterThan(1000);
    // Numbers inside the cells: ink within the cell area, and light ink on the darkest cells.
    expect(countPixels(image, [0.35, 0.4, 0.95, 0.95], isDarkInk)).toBeGreaterThan(2000);
    expect(countPixels(image, [0.8, 0.3, 0.98, 0.45], isLightInk)).toBeGreaterThan(200);
    // Row labels on the left, column labels above.
    expect(countPixels(image, [0.02, 0.35, 0.3, 0.95], isDarkInk)).toBeGreaterThan(3000);
    expect(countPixels(image, [0.3, 0.1, 1, 0.3], isDarkInk)).toBeGreaterThan(3000);
  });

  it("follows the order it is given and draws no more models than asked", async () => {
    const board = syntheticBoard(10);
    const { win } = syntheticMatrices(board);
    const reversed = [...win.models].reverse();
    const normal = decodePng(await renderWinFractionHeatmap(win, { maxModels: 10 }));
    const flipped = decodePng(await renderWinFractionHeatmap(win, { order: reversed, maxModels: 10 }));
    const few = decodePng(await renderWinFractionHeatmap(win, { maxModels: 4 }));
    expect(few.width).toBeLessThan(normal.width);
    // Reversed order puts the weak rows (red) at the top right.
    expect(countPixels(normal, [0.6, 0.3, 0.95, 0.5], isBluish)).toBeGreaterThan(
      countPixels(normal, [0.6, 0.3, 0.95, 0.5], isReddish),
    );
    expect(countPixels(flipped, [0.6, 0.3, 0.95, 0.5], isReddish)).toBeGreaterThan(
      countPixels(flipped, [0.6, 0.3, 0.95, 0.5], isBluish),
    );
  });
});

describe("renderBattleCountChart", () => {
  it("draws a symmetric matrix of counts with numbers in the cells", async () => {
    const board = syntheticBoard(8);
    const { count } = syntheticMatrices(board);
    const image = decodePng(await renderBattleCountChart(count));
    expect(distinctColours(image)).toBeGreaterThan(50);
    expect(countPixels(image, [0.3, 0.3, 1, 1], isBluish)).toBeGreaterThan(3000);
    expect(
      countPixels(image, [0.3, 0.3, 1, 1], isDarkInk) + countPixels(image, [0.3, 0.3, 1, 1], isLightInk),
    ).toBeGreaterThan(2000);
    expect(countPixels(image, [0.02, 0.35, 0.3, 0.95], isDarkInk)).toBeGreaterThan(2000);
  });
});

describe("writeLeaderboardCharts", () => {
  it("writes OUT-ratings.png, OUT-winfraction.png and OUT-counts.png", async () => {
    const dir = await mkdtemp(join(tmpdir(), "render-"));
    try {
      const board = syntheticBoard(6);
      const { win, count } = syntheticMatrices(board);
      const paths = await writeLeaderboardCharts(join(dir, "arena"), board, win, count);
      expect(paths).toEqual(
        ["ratings", "winfraction", "counts"].map((kind) => join(dir, `arena-${kind}.png`)),
      );
      const files = await Promise.all(paths.map((path) => readFile(path)));
      for (const file of files) expect([...file.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
      // Three different pictures.
      expect(new Set(files.map((f) => f.length)).size).toBe(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
