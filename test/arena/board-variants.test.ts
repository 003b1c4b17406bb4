import { describe, expect, it } from "vitest";
import { humanJudgeAgreement, referenceWinRates } from "../../src/arena/board-variants.ts";
import type { JudgedBattle } from "../../src/arena/store.ts";

function judged(fields: Partial<JudgedBattle>): JudgedBattle {
  return {
    battleId: "x",
    modelA: "model",
    modelB: "base",
    categories: ["overall"],
    judgeOutcome: 1,
    humanOutcome: null,
    answerA: "a",
    answerB: "b",
    ...fields,
  };
}

describe("humanJudgeAgreement", () => {
  it("counts agreement 1, opposite sides 0, a tie on one side 0.5, and leaves out battles without humans", () => {
    const battles = [
      judged({ judgeOutcome: 1, humanOutcome: 0.75 }), // both A → 1
      judged({ judgeOutcome: 0, humanOutcome: 1 }), // opposite → 0
      judged({ judgeOutcome: 0.5, humanOutcome: 0 }), // judge tie → 0.5
      judged({ judgeOutcome: 1, humanOutcome: 0.5 }), // human tie → 0.5
      judged({ judgeOutcome: 0.5, humanOutcome: 0.5 }), // both tie → 1
      judged({ judgeOutcome: 0, humanOutcome: null }), // no human outcome: left out
    ];
    expect(humanJudgeAgreement(battles)).toEqual({ share: 3 / 5, battles: 5 });
    expect(humanJudgeAgreement([]).share).toBeNaN();
  });
});

describe("referenceWinRates", () => {
  it("takes each side's view of battles with the reference, raw and length-controlled", () => {
    // The model's answer is longer by 10·i characters and wins from i = 10 on: the judge rewards length.
    const battles: JudgedBattle[] = [];
    for (let i = 0; i < 40; i++) {
      const own = "x".repeat(50 + 10 * i);
      const base = "y".repeat(50);
      const swapped = i % 2 === 1;
      const score = i >= 10 ? 1 : 0;
      battles.push(
        swapped
          ? judged({ modelA: "base", modelB: "model", answerA: base, answerB: own, judgeOutcome: 1 - score })
          : judged({ modelA: "model", modelB: "base", answerA: own, answerB: base, judgeOutcome: score }),
      );
    }
    battles.push(judged({ modelA: "other", modelB: "third" })); // no reference: ignored
    const [rate, ...rest] = referenceWinRates(battles, "base");
    expect(rest).toEqual([]);
    expect(rate?.model).toBe("model");
    expect(rate?.battles).toBe(40);
    expect(rate?.winRate).toBeCloseTo(75, 10);
    // At equal length the model would mostly lose: the length-controlled rate is far below the raw one.
    expect(rate?.lengthControlled).toBeLessThan(60);
  });
});
