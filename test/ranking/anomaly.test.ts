import { describe, expect, it } from "vitest";
import { anomalousVoters, chiSquareEvenTail, type VoteColumns, voteP } from "../../src/ranking/anomaly.ts";
import { createRandom } from "../../src/ranking/random.ts";

/** A seeded arena: models 150 Elo apart, honest users voting by Bradley–Terry with 10% ties, and cheats. */
function simulate(options: {
  readonly honestUsers: number;
  readonly cheats: number;
  readonly cheatVotes: number;
  readonly seed: number;
}): { votes: VoteColumns; cheatIds: Set<number>; honestIds: Set<number> } {
  const random = createRandom(options.seed);
  const ratings = Array.from({ length: 8 }, (_, index) => 1000 + 150 * index);
  const voter: number[] = [];
  const modelA: number[] = [];
  const modelB: number[] = [];
  const outcome: number[] = [];
  const battle = (user: number, cheat: boolean) => {
    const a = Math.floor(random.next() * 8);
    let b = Math.floor(random.next() * 7);
    if (b >= a) b++;
    const pA = 1 / (1 + 10 ** (((ratings[b] ?? 0) - (ratings[a] ?? 0)) / 400));
    const draw = random.next();
    const score = cheat ? 1 : draw < 0.1 ? 0.5 : random.next() < pA ? 1 : 0;
    voter.push(user);
    modelA.push(a);
    modelB.push(b);
    outcome.push(score);
  };
  // Anonymous background history (votes with no voter id), then the users.
  for (let i = 0; i < 20_000; i++) battle(-1, false);
  const honestIds = new Set<number>();
  const cheatIds = new Set<number>();
  for (let user = 0; user < options.honestUsers; user++) {
    honestIds.add(user);
    const count = 5 + Math.floor(random.next() * 56);
    for (let i = 0; i < count; i++) battle(user, false);
  }
  for (let c = 0; c < options.cheats; c++) {
    const user = options.honestUsers + c;
    cheatIds.add(user);
    for (let i = 0; i < options.cheatVotes; i++) battle(user, true);
  }
  return {
    votes: {
      count: voter.length,
      voter: Int32Array.from(voter),
      modelA: Int32Array.from(modelA),
      modelB: Int32Array.from(modelB),
      outcome: Float64Array.from(outcome),
    },
    cheatIds,
    honestIds,
  };
}

describe("voteP and chiSquareEvenTail", () => {
  it("gives uniform p-values for votes drawn like the history", () => {
    const random = createRandom(7);
    const counts = [699, 199, 99]; // smoothed to 0.7, 0.2, 0.1
    const ps: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const draw = random.next();
      const observed = draw < 0.7 ? 0 : draw < 0.9 ? 1 : 2;
      ps.push(voteP(counts, observed, random.next()));
    }
    for (const q of [0.1, 0.25, 0.5, 0.9]) {
      const share = ps.filter((p) => p <= q).length / ps.length;
      expect(Math.abs(share - q)).toBeLessThan(0.015);
    }
  });

  it("matches known χ² tail probabilities", () => {
    expect(chiSquareEvenTail(2 * Math.log(20), 1)).toBeCloseTo(0.05, 12); // 2 dof: e^{-x/2}
    expect(chiSquareEvenTail(9.487729, 2)).toBeCloseTo(0.05, 5); // 4 dof, 95th percentile
    expect(chiSquareEvenTail(124.3421, 50)).toBeCloseTo(0.05, 4); // 100 dof
    expect(chiSquareEvenTail(0, 3)).toBe(1);
    expect(chiSquareEvenTail(5000, 10)).toBeGreaterThanOrEqual(0);
  });
});

describe("anomalousVoters", () => {
  it("flags always-pick-A voters and passes honest ones at about the nominal rate", () => {
    const { votes, cheatIds, honestIds } = simulate({
      honestUsers: 2000,
      cheats: 40,
      cheatVotes: 150,
      seed: 11,
    });
    const verdicts = anomalousVoters(votes, { seed: 3 });
    const flagged = new Set(verdicts.filter((verdict) => verdict.flagged).map((verdict) => verdict.voter));
    const falsePositiveRate = [...honestIds].filter((id) => flagged.has(id)).length / honestIds.size;
    const detectionRate = [...cheatIds].filter((id) => flagged.has(id)).length / cheatIds.size;
    console.log(
      `anomalous voters: false positive rate ${falsePositiveRate} over ${honestIds.size} honest users, detection ${detectionRate} over ${cheatIds.size}`,
    );
    expect(verdicts).toHaveLength(honestIds.size + cheatIds.size);
    expect(falsePositiveRate).toBeLessThanOrEqual(0.05); // the nominal level
    expect(detectionRate).toBeGreaterThanOrEqual(0.9);
  });

  it("does not test users with fewer than minVotes votes, and is repeatable for a seed", () => {
    const { votes } = simulate({ honestUsers: 50, cheats: 2, cheatVotes: 4, seed: 5 });
    const verdicts = anomalousVoters(votes, { seed: 9 });
    expect(verdicts.every((verdict) => verdict.votes >= 5)).toBe(true);
    expect(verdicts.some((verdict) => verdict.voter >= 50)).toBe(false);
    expect(anomalousVoters(votes, { seed: 9 })).toEqual(verdicts);
  });
});
