import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { aggregate } from "../../src/ranking/aggregate.ts";
import { fastChatComparisons, parseFastChat } from "../../src/ranking/fastchat.ts";
import { rankModels } from "../../src/ranking/rank.ts";
import type { Leaderboard } from "../../src/ranking/types.ts";
import { genaiBattlesFile, syntheticComparisons } from "./helpers.ts";

const comparisons = syntheticComparisons(10, 4000);
const table = aggregate(comparisons);
const doubled = aggregate([...comparisons, ...comparisons]);

const byModel = (board: Leaderboard) => new Map(board.models.map((entry) => [entry.model, entry]));

describe("rankModels", () => {
  it("reproduces a bootstrap exactly from its seed, whatever the number of threads", async () => {
    const inThread = await rankModels(table, { bootstrapRounds: 200, seed: 5, workers: 1 });
    const again = await rankModels(table, { bootstrapRounds: 200, seed: 5, workers: 1 });
    const warnings: string[] = [];
    const inWorkers = await rankModels(table, {
      bootstrapRounds: 200,
      seed: 5,
      workers: 2,
      onWarning: (message) => warnings.push(message),
    });
    expect(warnings).toEqual([]); // the worker threads did start and did the rounds
    expect(again).toEqual(inThread);
    expect(inWorkers).toEqual(inThread);
    const otherSeed = await rankModels(table, { bootstrapRounds: 200, seed: 6, workers: 1 });
    expect(otherSeed.models.map((m) => m.lower)).not.toEqual(inThread.models.map((m) => m.lower));
  });

  it("gives 95% intervals around the rating that bootstrap and sandwich agree on", async () => {
    const bootstrap = byModel(await rankModels(table, { bootstrapRounds: 400, workers: 1 }));
    const sandwich = byModel(await rankModels(table, { ci: "sandwich" }));
    for (const [model, entry] of sandwich) {
      const other = bootstrap.get(model);
      expect(other?.rating).toBe(entry.rating);
      expect(entry.lower).toBeLessThan(entry.rating);
      expect(entry.upper).toBeGreaterThan(entry.rating);
      const sandwichWidth = entry.upper - entry.lower;
      const bootstrapWidth = (other?.upper ?? 0) - (other?.lower ?? 0);
      expect(bootstrapWidth / sandwichWidth).toBeGreaterThan(0.75);
      expect(bootstrapWidth / sandwichWidth).toBeLessThan(1.33);
    }
  });

  it("narrows the intervals and keeps every rating when every battle is duplicated", async () => {
    for (const ci of ["sandwich", "bootstrap"] as const) {
      const once = byModel(await rankModels(table, { ci, bootstrapRounds: 300, workers: 1 }));
      const twice = byModel(await rankModels(doubled, { ci, bootstrapRounds: 300, workers: 1 }));
      for (const [model, entry] of once) {
        const other = twice.get(model);
        expect(other?.rating).toBeCloseTo(entry.rating, 9);
        expect((other?.upper ?? 0) - (other?.lower ?? 0)).toBeLessThan(entry.upper - entry.lower);
        if (ci === "sandwich") {
          // Twice the data: the sandwich variance halves exactly.
          expect(((other?.upper ?? 0) - (other?.lower ?? 0)) * Math.SQRT2).toBeCloseTo(
            entry.upper - entry.lower,
            6,
          );
        }
      }
    }
  });

  it("gives the same sandwich intervals under a negligible L2 prior as without one", async () => {
    // The published L2 method doubles every battle; the doubled battle must still count as one observation.
    const plain = byModel(await rankModels(table, { ci: "sandwich" }));
    const penalised = byModel(await rankModels(table, { ci: "sandwich", l2: { c: 1e9 } }));
    for (const [model, entry] of plain) {
      const other = penalised.get(model);
      expect(other).toBeDefined();
      const ratio = ((other?.upper ?? 0) - (other?.lower ?? 0)) / (entry.upper - entry.lower);
      expect(ratio).toBeCloseTo(1, 2);
    }
  });

  it("never gives a zero-width sandwich interval to a model the data barely pin down", async () => {
    const oneBattle = aggregate([{ modelA: "x", modelB: "y", outcome: 1 }]);
    const board = await rankModels(oneBattle, { ci: "sandwich" });
    expect(board.separated).toEqual(expect.arrayContaining(["x", "y"]));
    for (const entry of board.models) {
      // One battle says next to nothing: the interval must be wide (the weak prior's scale is 400 Elo).
      expect(entry.upper - entry.lower).toBeGreaterThan(200);
      expect(entry.lower).toBeLessThan(entry.rating);
    }
  });

  it("computes Rank (UB) from the intervals and sorts by it, then by rating", async () => {
    const board = await rankModels(table, { ci: "sandwich" });
    for (const entry of board.models) {
      const above = board.models.filter((other) => other.lower > entry.upper).length;
      expect(entry.rankUb).toBe(1 + above);
    }
    for (let i = 1; i < board.models.length; i++) {
      const previous = board.models[i - 1];
      const current = board.models[i];
      if (previous === undefined || current === undefined) continue;
      expect(
        previous.rankUb < current.rankUb ||
          (previous.rankUb === current.rankUb && previous.rating >= current.rating),
      ).toBe(true);
    }
    expect(board.models[0]?.rankUb).toBe(1);
    expect(board.models.at(-1)?.rankUb).toBeGreaterThan(1);
  });

  it("gives point ratings with ci none, ordinary ranks, and counts battles", async () => {
    const board = await rankModels(table, { ci: "none" });
    expect(board.ci).toBe("none");
    expect(board.battles).toBe(comparisons.length);
    board.models.forEach((entry, index) => {
      expect(entry.lower).toBe(entry.rating);
      expect(entry.upper).toBe(entry.rating);
      expect(entry.rankUb).toBe(index + 1);
    });
    const battles = board.models.reduce((sum, entry) => sum + entry.battles, 0);
    expect(battles).toBe(2 * comparisons.length);
  });

  it("attaches online Elo when given", async () => {
    const board = await rankModels(table, { ci: "none", elo: new Map([["m1", 1234]]) });
    expect(board.models.find((entry) => entry.model === "m1")?.elo).toBe(1234);
    expect(board.models.find((entry) => entry.model === "m2")?.elo).toBeUndefined();
  });

  it("reports components and separation on real data, with finite intervals everywhere", async () => {
    const genai = aggregate(fastChatComparisons(parseFastChat(readFileSync(genaiBattlesFile, "utf8"))));
    const board = await rankModels(genai, { bootstrapRounds: 300, workers: 1 });
    expect(board.components.map((component) => component.length)).toEqual([7, 6]);
    for (const entry of board.models) {
      expect([entry.rating, entry.lower, entry.upper].every(Number.isFinite)).toBe(true);
      expect(entry.component).toBe(entry.model.endsWith("_edition") ? 0 : 1);
    }
  });

  it("bootstraps a separated component without NaN or Infinity", async () => {
    const separated = aggregate([
      { modelA: "a", modelB: "b", outcome: 1, weight: 3 },
      { modelA: "a", modelB: "b", outcome: 0, weight: 2 },
      { modelA: "b", modelB: "c", outcome: 0.5, weight: 4 },
      { modelA: "top", modelB: "a", outcome: 1, weight: 6 },
    ]);
    for (const ci of ["bootstrap", "sandwich"] as const) {
      const board = await rankModels(separated, { ci, bootstrapRounds: 200, workers: 1 });
      expect(board.separated).toEqual(["top"]);
      expect(board.models[0]?.model).toBe("top");
      for (const entry of board.models)
        expect([entry.rating, entry.lower, entry.upper].every(Number.isFinite)).toBe(true);
    }
  });

  it("returns an empty leaderboard for no data", async () => {
    const board = await rankModels(aggregate([]));
    expect(board).toEqual({ models: [], battles: 0, components: [], separated: [], ci: "bootstrap" });
  });

  it("rejects bad options", async () => {
    await expect(rankModels(table, { bootstrapRounds: 0 })).rejects.toThrow(/rounds/);
    await expect(rankModels(table, { l2: { c: -1 } })).rejects.toThrow(/L2/);
  });
});
