import { describe, expect, it } from "vitest";
import { toFastChatRecord } from "../../src/arena/export.ts";
import type { CountedBattle } from "../../src/arena/store.ts";

function battle(
  outcome: number,
  tally: CountedBattle["tally"],
  categories: string[] = ["overall"],
): CountedBattle {
  return {
    id: "b1",
    modelA: "alpha",
    modelB: "beta",
    outcome,
    tally,
    categories,
    platform: "discord",
    turns: 2,
    closedAt: new Date("2026-01-01T00:00:10Z"),
    createdAt: new Date("2026-01-01T00:00:00Z"),
  };
}

describe("toFastChatRecord", () => {
  it("names the side the mean of the votes favours", () => {
    expect(toFastChatRecord(battle(2 / 3, { a: 2, b: 1, tie: 0, bad: 0 })).winner).toBe("model_a");
    expect(toFastChatRecord(battle(0.25, { a: 0, b: 1, tie: 1, bad: 0 })).winner).toBe("model_b");
  });

  it("tells a both-bad tie from a tie", () => {
    expect(toFastChatRecord(battle(0.5, { a: 0, b: 0, tie: 1, bad: 2 })).winner).toBe("tie (bothbad)");
    expect(toFastChatRecord(battle(0.5, { a: 1, b: 1, tie: 0, bad: 0 })).winner).toBe("tie");
  });

  it("keeps FastChat's fields and the exact outcome", () => {
    const record = toFastChatRecord(
      battle(0.75, { a: 1, b: 0, tie: 1, bad: 0 }, ["overall", "lang:fra", "multiturn"]),
    );
    expect(record).toMatchObject({
      question_id: "b1",
      model_a: "alpha",
      model_b: "beta",
      anony: true,
      turn: 2,
      tstamp: Date.parse("2026-01-01T00:00:10Z") / 1000,
      outcome: 0.75,
      language: "French",
    });
  });
});
