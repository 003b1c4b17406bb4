import { describe, expect, it } from "vitest";
import { createRandom, logFactorial, sampleBinomial } from "../../src/ranking/random.ts";

describe("seeded generator", () => {
  it("is a pure function of (seed, stream)", () => {
    const draw = (seed: number, stream: number) => {
      const random = createRandom(seed, stream);
      return Array.from({ length: 5 }, () => random.next());
    };
    expect(draw(1, 3)).toEqual(draw(1, 3));
    expect(draw(1, 3)).not.toEqual(draw(1, 4));
    expect(draw(1, 3)).not.toEqual(draw(2, 3));
  });

  it("gives uniforms in (0, 1) with the right mean and variance", () => {
    const random = createRandom(42);
    let sum = 0;
    let sumSquares = 0;
    const count = 200_000;
    let outside = 0;
    for (let i = 0; i < count; i++) {
      const u = random.next();
      if (!(u > 0 && u < 1)) outside++;
      sum += u;
      sumSquares += u * u;
    }
    expect(outside).toBe(0);
    const mean = sum / count;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(sumSquares / count - mean * mean - 1 / 12)).toBeLessThan(0.002);
  });
});

describe("logFactorial", () => {
  it("matches the direct sum of logarithms on both sides of the table", () => {
    let direct = 0;
    for (let k = 1; k <= 2000; k++) {
      direct += Math.log(k);
      expect(Math.abs(logFactorial(k) - direct)).toBeLessThan(1e-9 * Math.max(1, direct));
    }
    expect(logFactorial(0)).toBe(0);
  });
});

describe("sampleBinomial", () => {
  const moments = (n: number, p: number, draws: number, seed: number) => {
    const random = createRandom(seed);
    let sum = 0;
    let sumSquares = 0;
    let invalid = 0;
    for (let i = 0; i < draws; i++) {
      const k = sampleBinomial(random, n, p);
      if (!(Number.isInteger(k) && k >= 0 && k <= n)) invalid++;
      sum += k;
      sumSquares += k * k;
    }
    expect(invalid).toBe(0);
    const mean = sum / draws;
    return { mean, variance: sumSquares / draws - mean * mean };
  };

  // Inversion (n·p < 10), BTRS (n·p ≥ 10), p > 0.5 by symmetry, large n.
  it.each([
    [20, 0.3],
    [1000, 0.004],
    [200, 0.4],
    [100_000, 0.01],
    [5000, 0.93],
    [1_000_000, 0.5],
  ])("Binomial(%i, %f) has mean n·p and variance n·p·q", (n, p) => {
    const draws = 40_000;
    const { mean, variance } = moments(n, p, draws, n);
    const expectedVariance = n * p * (1 - p);
    // Five standard errors of the mean; the variance within 5%.
    expect(Math.abs(mean - n * p)).toBeLessThan(5 * Math.sqrt(expectedVariance / draws));
    expect(Math.abs(variance / expectedVariance - 1)).toBeLessThan(0.05);
  });

  it("follows the exact distribution (chi-square, BTRS regime)", () => {
    const n = 60;
    const p = 0.35;
    const draws = 100_000;
    const counts = new Float64Array(n + 1);
    const random = createRandom(9);
    for (let i = 0; i < draws; i++) {
      const k = sampleBinomial(random, n, p);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    let chiSquare = 0;
    let cells = 0;
    for (let k = 0; k <= n; k++) {
      const probability = Math.exp(
        logFactorial(n) - logFactorial(k) - logFactorial(n - k) + k * Math.log(p) + (n - k) * Math.log(1 - p),
      );
      const expected = probability * draws;
      if (expected < 5) continue;
      chiSquare += ((counts[k] ?? 0) - expected) ** 2 / expected;
      cells++;
    }
    // ~30 cells: the 99.9% quantile of χ² with 30 degrees of freedom is about 59.7.
    expect(cells).toBeGreaterThan(20);
    expect(chiSquare).toBeLessThan(60);
  });

  it("handles the edges", () => {
    const random = createRandom(1);
    expect(sampleBinomial(random, 0, 0.5)).toBe(0);
    expect(sampleBinomial(random, 10, 0)).toBe(0);
    expect(sampleBinomial(random, 10, 1)).toBe(10);
  });
});
