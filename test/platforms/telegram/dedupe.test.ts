import { describe, expect, it } from "vitest";
import { RecentUpdateIds } from "../../../src/platforms/telegram/dedupe.ts";

describe("RecentUpdateIds", () => {
  it("claims an update id once", () => {
    const updates = new RecentUpdateIds();
    expect(updates.claim(7)).toBe(true);
    expect(updates.claim(7)).toBe(false);
    expect(updates.claim(8)).toBe(true);
    expect(updates.claim(7)).toBe(false);
  });

  it("keeps only the most recent ids, forgetting the oldest first", () => {
    const updates = new RecentUpdateIds(3);
    for (const id of [1, 2, 3, 4]) expect(updates.claim(id)).toBe(true);
    expect(updates.size).toBe(3);
    // 1 was forgotten; 2, 3 and 4 are still known.
    expect(updates.claim(2)).toBe(false);
    expect(updates.claim(4)).toBe(false);
    expect(updates.claim(1)).toBe(true);
    expect(updates.claim(2)).toBe(true);
  });

  it("refuses a capacity that is not a positive integer", () => {
    expect(() => new RecentUpdateIds(0)).toThrow(/positive integer/);
    expect(() => new RecentUpdateIds(1.5)).toThrow(/positive integer/);
  });
});
