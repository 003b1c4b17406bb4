import { describe, expect, it } from "vitest";
import { decodePayload, encodePayload, type Payload } from "../../src/arena/payloads.ts";

describe("page payloads", () => {
  it("carry the board variant and the dedup quantile, and read old payloads as the default board", () => {
    const payloads: Payload[] = [
      { action: "page", category: "overall", chart: "ratings", page: 0 },
      { action: "page", category: "lang:fra", chart: "winfraction", page: 3, options: { variant: "style" } },
      { action: "page", category: "hard", chart: "counts", page: 1, options: { variant: "judge" } },
      {
        action: "page",
        category: "coding",
        chart: "ratings",
        page: 2,
        options: { variant: "style", dedup: 0.99 },
      },
      {
        action: "page",
        category: "community:discord:123456789012345678",
        chart: "ratings",
        page: 12,
        options: { dedup: 1 },
      },
    ];
    for (const payload of payloads) {
      const encoded = encodePayload(payload);
      expect(Buffer.byteLength(encoded)).toBeLessThanOrEqual(64);
      expect(decodePayload(encoded)).toEqual(payload);
    }
    expect(decodePayload("p:r:0:overall")).toEqual(payloads[0]);
    expect(decodePayload("p:rx:0:overall")).toBeNull();
    expect(decodePayload("p:rsd2:0:overall")).toBeNull();
  });
});
