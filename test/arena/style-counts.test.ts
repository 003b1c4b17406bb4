import { describe, expect, it } from "vitest";
import { addStyle, countStyle, NO_STYLE } from "../../src/arena/style-counts.ts";

describe("countStyle", () => {
  it("counts headers, list items and bold spans outside code blocks", () => {
    const answer = [
      "# Title",
      "## Part one",
      "Some **bold** and __also bold__ words, and **another**.",
      "1. first",
      "2. second",
      "- a bullet",
      "  * nested bullet",
      "```python",
      "# not a header",
      "- not a list item",
      "x = **not bold**",
      "```",
      "#hashtag is not a header",
    ].join("\n");
    const counts = countStyle(answer);
    expect(counts).toMatchObject({ headers: 2, lists: 4, bold: 3 });
    expect(counts.tokens).toBeGreaterThan(30);
  });

  it("gives zero markdown counts to plain prose and sums sides", () => {
    const plain = countStyle("Just a sentence, nothing more.");
    expect(plain).toMatchObject({ headers: 0, lists: 0, bold: 0 });
    expect(plain.tokens).toBe(7);
    const sum = addStyle(plain, countStyle("**b**"));
    expect(sum).toEqual({ tokens: plain.tokens + countStyle("**b**").tokens, headers: 0, lists: 0, bold: 1 });
    expect(addStyle(NO_STYLE, plain)).toEqual(plain);
  });
});
