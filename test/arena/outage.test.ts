import { describe, expect, it } from "vitest";
import { OUTAGE_MAX_COOLDOWN_MS, outageUntil } from "../../src/arena/outage.ts";

const now = new Date("2025-01-01T12:00:00Z");
const minutesAfterNow = (until: Date | null) =>
  until === null ? null : (until.getTime() - now.getTime()) / 60_000;

describe("outageUntil", () => {
  it("keeps a model in pairing below three consecutive failures", () => {
    expect(outageUntil(0, now)).toBeNull();
    expect(outageUntil(1, now)).toBeNull();
    expect(outageUntil(2, now)).toBeNull();
  });

  it("starts with one minute at the third failure and doubles with each further one", () => {
    expect([3, 4, 5, 6, 7, 8].map((failures) => minutesAfterNow(outageUntil(failures, now)))).toEqual([
      1, 2, 4, 8, 16, 32,
    ]);
  });

  it("caps the cool-down at one hour however long the failures go on", () => {
    for (const failures of [9, 10, 50, 1_000_000]) {
      expect(outageUntil(failures, now)?.getTime()).toBe(now.getTime() + OUTAGE_MAX_COOLDOWN_MS);
    }
    expect(minutesAfterNow(outageUntil(9, now))).toBe(60);
  });

  it("does not mutate the time it is given", () => {
    const at = new Date(now);
    outageUntil(5, at);
    expect(at.getTime()).toBe(now.getTime());
  });
});
