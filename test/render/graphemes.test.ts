import { describe, expect, it } from "vitest";
import { graphemeBoundaryAtOrBefore, safeCut, truncateText } from "../../src/render/graphemes.ts";
import { splitMessage } from "../../src/render/split.ts";

/** True when the text holds a high surrogate not followed by a low one, or a low one not preceded by a high. */
function hasLoneSurrogate(text: string): boolean {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
}

const FAMILY = "👨‍👩‍👧‍👦"; // one grapheme of 11 UTF-16 units (four emoji joined by ZWJ)
const FLAG = "🇫🇷"; // two regional indicators, 4 units
const ACCENTED = "e\u0301"; // e + combining acute, 2 units

describe("truncateText", () => {
  it("leaves text within the limit alone", () => {
    expect(truncateText("short", 5)).toBe("short");
  });

  it("never cuts a surrogate pair, a ZWJ sequence, a flag or a letter with its accent", () => {
    for (const unit of ["😀", FAMILY, FLAG, ACCENTED]) {
      const text = `ab${unit.repeat(30)}`;
      for (let limit = 3; limit < 40; limit++) {
        const cut = truncateText(text, limit);
        expect(cut.length).toBeLessThanOrEqual(limit);
        expect(cut.endsWith("…")).toBe(true);
        const kept = cut.slice(2, -1);
        expect(hasLoneSurrogate(cut)).toBe(false);
        // What is kept is whole units only.
        expect(kept.length % unit.length).toBe(0);
        expect(kept).toBe(unit.repeat(kept.length / unit.length));
      }
    }
  });

  it("cuts a pathological cluster between code points rather than inside a pair", () => {
    const zalgo = `😀${"\u0301".repeat(50)}`;
    expect(graphemeBoundaryAtOrBefore(zalgo, 10)).toBe(0);
    expect(safeCut(zalgo, 1)).toBe(0);
    expect(hasLoneSurrogate(truncateText(zalgo, 10))).toBe(false);
  });
});

describe("splitMessage at grapheme boundaries", () => {
  it("hard-cuts a long line of emoji without a lone surrogate and loses nothing", () => {
    const text = `x${"😀".repeat(400)}${FAMILY.repeat(40)}`;
    const parts = splitMessage(text, 101);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(101);
      expect(hasLoneSurrogate(part)).toBe(false);
    }
    expect(parts.join("")).toBe(text);
    expect(parts.some((part) => part.includes("\u200d") && !part.endsWith("\u200d"))).toBe(true);
    for (const part of parts) expect(part.endsWith("\u200d")).toBe(false);
  });
});
