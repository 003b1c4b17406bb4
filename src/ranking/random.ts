// Seeded randomness for the bootstrap: xoshiro128** (Blackman & Vigna) seeded through splitmix32, and a
// binomial sampler (inversion for small means, Hörmann's BTRS otherwise). Every bootstrap round gets its own
// generator derived from (seed, round), so a round's draw does not depend on which thread computes it.

export interface Random {
  /** A uniform double in (0, 1), 32 bits of resolution. */
  next(): number;
}

function splitmix32(state: number): { state: number; value: number } {
  const nextState = (state + 0x9e3779b9) | 0;
  let z = nextState;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return { state: nextState, value: z >>> 0 };
}

/** The generator of one bootstrap round: a pure function of (seed, round). */
export function createRandom(seed: number, stream = 0): Random {
  let mix = splitmix32(Math.imul(seed | 0, 0x27d4eb2d) ^ Math.floor(seed / 0x100000000));
  mix = splitmix32(mix.value ^ Math.imul(stream + 1, 0x165667b1));
  const words = new Uint32Array(4);
  let state = mix.value;
  for (let i = 0; i < 4; i++) {
    const step = splitmix32(state);
    state = step.state;
    words[i] = step.value;
  }
  let s0 = words[0] ?? 1;
  let s1 = words[1] ?? 0;
  let s2 = words[2] ?? 0;
  let s3 = words[3] ?? 0;
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1; // the all-zero state is a fixed point
  return {
    next(): number {
      const result = Math.imul(rotateLeft(Math.imul(s1, 5), 7), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = rotateLeft(s3, 11);
      return (result + 0.5) / 4294967296;
    },
  };
}

function rotateLeft(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

const LOG_FACTORIAL_TABLE_SIZE = 256;
const logFactorialTable = (() => {
  const table = new Float64Array(LOG_FACTORIAL_TABLE_SIZE);
  for (let k = 1; k < LOG_FACTORIAL_TABLE_SIZE; k++) table[k] = (table[k - 1] ?? 0) + Math.log(k);
  return table;
})();
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** ln(k!) for an integer k ≥ 0: a table below 256, Stirling's series above (error < 1e-15 there). */
export function logFactorial(k: number): number {
  if (k < LOG_FACTORIAL_TABLE_SIZE) return logFactorialTable[k] ?? 0;
  const x = k + 1;
  const inverse = 1 / x;
  const inverseSquared = inverse * inverse;
  return (
    (x - 0.5) * Math.log(x) -
    x +
    HALF_LOG_TWO_PI +
    inverse * (1 / 12 - inverseSquared * (1 / 360 - inverseSquared * (1 / 1260)))
  );
}

/** A draw from Binomial(n, p) for an integer n ≥ 0 and p in [0, 1]. */
export function sampleBinomial(random: Random, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - sampleBinomial(random, n, 1 - p);
  return n * p < 10 ? binomialInversion(random, n, p) : binomialBtrs(random, n, p);
}

// Sequential search of the cumulative distribution; n·p < 10 keeps it short and q^n far from underflow.
function binomialInversion(random: Random, n: number, p: number): number {
  const q = 1 - p;
  const ratio = p / q;
  const start = Math.exp(n * Math.log1p(-p));
  for (;;) {
    let u = random.next();
    let probability = start;
    let k = 0;
    while (u > probability) {
      u -= probability;
      k++;
      if (k > n) break;
      probability *= ((n - k + 1) / k) * ratio;
    }
    if (k <= n) return k;
  }
}

// W. Hörmann, "The generation of binomial random variates", J. Stat. Comput. Simul. 46 (1993): BTRS,
// transformed rejection with squeeze, for p ≤ 0.5 and n·p ≥ 10.
function binomialBtrs(random: Random, n: number, p: number): number {
  const q = 1 - p;
  const spq = Math.sqrt(n * p * q);
  const b = 1.15 + 2.53 * spq;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5;
  const vr = 0.92 - 4.2 / b;
  // Needed only when the squeeze rejects (a minority of draws), so computed on first use.
  let alpha = 0;
  let logOdds = 0;
  let mode = 0;
  let h = Number.NaN;
  for (;;) {
    const u = random.next() - 0.5;
    let v = random.next();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (k < 0 || k > n) continue;
    if (us >= 0.07 && v <= vr) return k;
    if (Number.isNaN(h)) {
      alpha = (2.83 + 5.1 / b) * spq;
      logOdds = Math.log(p / q);
      mode = Math.floor((n + 1) * p);
      h = logFactorial(mode) + logFactorial(n - mode);
    }
    v = Math.log((v * alpha) / (a / (us * us) + b));
    if (v <= h - logFactorial(k) - logFactorial(n - k) + (k - mode) * logOdds) return k;
  }
}
