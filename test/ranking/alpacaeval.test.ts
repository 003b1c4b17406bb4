import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  AlpacaEvalParseError,
  alpacaEvalLeaderboard,
  lengthControlledWinRate,
  looksLikeAlpacaEval,
  parseAlpacaEvalAnnotations,
  winRateMetrics,
} from "../../src/ranking/alpacaeval.ts";
import { createRandom } from "../../src/ranking/random.ts";

const fixtures = join(resolve(dirname(fileURLToPath(import.meta.url)), "..", "fixtures"), "alpaca_eval");

function published(): Map<string, Record<string, number>> {
  const [header, ...lines] = readFileSync(
    join(fixtures, "weighted_alpaca_eval_gpt4_turbo_leaderboard.csv"),
    "utf8",
  )
    .trim()
    .split("\n");
  const columns = (header ?? "").split(",");
  return new Map(
    lines.map((line) => {
      const cells = line.split(",");
      const row: Record<string, number> = {};
      columns.forEach((column, index) => {
        if (index > 0) row[column] = Number(cells[index]);
      });
      return [cells[0] ?? "", row];
    }),
  );
}

describe("AlpacaEval metrics", () => {
  const leaderboard = published();
  for (const model of ["alpaca-7b", "gpt4_gamed"]) {
    it(`reproduces the published leaderboard row of ${model} to 1e-6`, () => {
      const raw: unknown = JSON.parse(readFileSync(join(fixtures, `${model}_annotations.json`), "utf8"));
      expect(looksLikeAlpacaEval(raw)).toBe(true);
      const rows = alpacaEvalLeaderboard(parseAlpacaEvalAnnotations(raw));
      expect(rows).toHaveLength(1);
      const row = rows[0];
      const expected = leaderboard.get(model);
      if (row === undefined || expected === undefined) throw new Error("missing row");
      expect(row.model).toBe(model);
      expect(row.baselines).toEqual(["gpt4_1106_preview"]);
      for (const column of ["win_rate", "standard_error", "discrete_win_rate"] as const) {
        expect(Math.abs(row[column] - (expected[column] ?? Number.NaN))).toBeLessThan(1e-6);
      }
      for (const column of ["n_wins", "n_wins_base", "n_draws", "n_total", "avg_length"] as const) {
        expect(row[column]).toBe(expected[column]);
      }
      // The GLM lacks AlpacaEval's external inputs (instruction difficulty, gamed baselines): same side of the
      // raw rate as published, not the same value.
      expect(row.length_controlled_winrate).toBeGreaterThan(row.win_rate);
      expect(expected.length_controlled_winrate ?? 0).toBeGreaterThan(row.win_rate);
    });
  }

  it("counts 0 and 1.5 as draws, drops missing and out-of-range preferences, rounds half to even", () => {
    const metrics = winRateMetrics([2, 1, 0, 1.5, Number.NaN, 2.7, 1.2, 1.9]);
    // valid after 0 → 1.5: 2, 1, 1.5, 1.5, 1.2, 1.9 → minus 1: 1, 0, .5, .5, .2, .9
    expect(metrics.n_total).toBe(6);
    expect(metrics.n_draws).toBe(2);
    expect(metrics.n_wins).toBe(2);
    expect(metrics.n_wins_base).toBe(2);
    expect(metrics.win_rate).toBeCloseTo((3.1 / 6) * 100, 12);
    const values = [1, 0, 0.5, 0.5, 0.2, 0.9];
    const mean = 3.1 / 6;
    const sd = Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / 5);
    expect(metrics.standard_error).toBeCloseTo((sd / Math.sqrt(6)) * 100, 12);
    // discrete: 2, 1, draw, draw, 1, 2, and 2.7 rounds to 3 (dropped) → 1, 0, .5, .5, 0, 1
    expect(metrics.discrete_win_rate).toBeCloseTo((3 / 6) * 100, 12);
    expect(winRateMetrics([2.5, 1]).discrete_win_rate).toBe(50); // 2.5 → 2 (half to even) → win
  });

  it("length control recovers the win rate at zero length difference of a length-biased judge", () => {
    const random = createRandom(4);
    const annotations = Array.from({ length: 3000 }, (_, i) => {
      const baseline = 200 + Math.floor(random.next() * 1500);
      const model = 200 + Math.floor(random.next() * 3000); // the model writes longer answers
      const delta = (baseline - model) / 1000;
      // True win probability at equal length: σ(−0.5) ≈ 37.8%; longer answers win more often.
      const p = 1 / (1 + Math.exp(-(-0.5 - 1.5 * Math.tanh(delta))));
      return {
        generator1: "base",
        generator2: "model",
        output1: "x".repeat(baseline),
        output2: "y".repeat(model),
        preference: random.next() < p ? 2 : 1,
        instruction: `q${i}`,
      };
    });
    const truth = 100 / (1 + Math.exp(0.5));
    const raw = winRateMetrics(annotations.map((a) => a.preference)).win_rate;
    const controlled = lengthControlledWinRate(annotations);
    expect(raw - truth).toBeGreaterThan(8);
    expect(Math.abs(controlled.rate - truth)).toBeLessThan(3);
    expect(controlled.weights.length).toBeLessThan(0);
  });

  it("names the first bad annotation", () => {
    expect(() => parseAlpacaEvalAnnotations({})).toThrow(/must be a JSON array/);
    const good = { generator_1: "a", generator_2: "b", output_1: "x", output_2: "y", preference: 1 };
    expect(() => parseAlpacaEvalAnnotations([good, { ...good, preference: "2" }])).toThrow(
      /annotation 1: preference must be a number or null/,
    );
    expect(() => parseAlpacaEvalAnnotations([{ ...good, output_2: 3 }])).toThrow(AlpacaEvalParseError);
    expect(parseAlpacaEvalAnnotations([{ ...good, preference: null }])[0]?.preference).toBeNaN();
  });
});
