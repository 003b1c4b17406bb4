import { describe, expect, it } from "vitest";
import { distinctShortNames, formatCount, formatQuantity, shortenMiddle } from "../../src/render/format.ts";

describe("shortenMiddle", () => {
  it("leaves short text alone and cuts long text in the middle to the width", () => {
    expect(shortenMiddle("gpt-4o", 10)).toBe("gpt-4o");
    const short = shortenMiddle("meta-llama/Llama-3.1-405B-Instruct-Turbo", 20);
    expect(Array.from(short)).toHaveLength(20);
    expect(short.startsWith("meta-llama/")).toBe(true);
    expect(short.endsWith("Turbo")).toBe(true);
    expect(short).toContain("…");
  });

  it("measures with the function it is given", () => {
    const wide = (s: string) => Array.from(s).length * 2;
    expect(wide(shortenMiddle("abcdefghijklmnopqrstuvwxyz", 20, wide))).toBeLessThanOrEqual(20);
  });
});

describe("distinctShortNames", () => {
  it("keeps shortened names distinct", () => {
    const names = [
      "model-with-a-long-common-prefix-and-suffix",
      "model-with-a-long-common-prefix-and-suffix-2",
    ];
    const labels = distinctShortNames([...names, `${names[0]}!`], 12);
    expect(new Set(labels).size).toBe(3);
    for (const label of labels) expect(Array.from(label).length).toBeLessThanOrEqual(12);
  });
});

describe("formatCount", () => {
  it("groups thousands and goes compact from ten thousand", () => {
    expect(formatCount(999)).toBe("999");
    expect(formatCount(1234)).toBe("1,234");
    expect(formatCount(12_345)).toBe("12.3K");
    expect(formatCount(2_500_000)).toBe("2.5M");
  });
});

describe("formatQuantity", () => {
  it("puts the noun in the right number", () => {
    expect(formatQuantity(1, "battle")).toBe("1 battle");
    expect(formatQuantity(0, "model")).toBe("0 models");
    expect(formatQuantity(2345, "battle")).toBe("2,345 battles");
  });
});
