import { describe, expect, it } from "vitest";
import { createRandom } from "../../src/ranking/random.ts";
import { splitMessage } from "../../src/render/split.ts";

function fenceBalanced(part: string): boolean {
  return (part.match(/^\s{0,3}```/gm) ?? []).length % 2 === 0;
}

describe("splitMessage", () => {
  it("keeps a short text whole", () => {
    expect(splitMessage("hello\nworld", 2000)).toEqual(["hello\nworld"]);
  });

  it("splits at line boundaries under the limit and loses no line", () => {
    const lines = Array.from({ length: 300 }, (_, index) => `line ${index} of a long answer`);
    const parts = splitMessage(lines.join("\n"), 2000);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(2000);
    expect(parts.join("\n").split("\n")).toEqual(lines);
  });

  it("closes and reopens a code fence cut in the middle, with its language", () => {
    const code = Array.from({ length: 200 }, (_, index) => `console.log(${index});`);
    const text = ["Intro paragraph.", "```js", ...code, "```", "Outro."].join("\n");
    const parts = splitMessage(text, 1000);
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(1000);
      expect(fenceBalanced(part)).toBe(true);
    }
    expect(parts[1]?.startsWith("```js\n")).toBe(true);
    const recovered = parts
      .join("\n")
      .split("\n")
      .filter((line) => !line.startsWith("```"));
    expect(recovered).toEqual(["Intro paragraph.", ...code, "Outro."]);
  });

  it("cuts a single line longer than the limit", () => {
    const word = "x".repeat(5000);
    const parts = splitMessage(word, 2000);
    expect(parts.every((part) => part.length <= 2000)).toBe(true);
    expect(parts.join("")).toBe(word);
  });

  it("handles Telegram's limit with a long fenced block", () => {
    const text = `Answer:\n\`\`\`python\n${"print('hello world')\n".repeat(400)}\`\`\`\nDone.`;
    const parts = splitMessage(text, 4096);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(4096);
      expect(fenceBalanced(part)).toBe(true);
    }
  });

  it("does not go over the limit when a fence opens at the end of a part", () => {
    const text = `${"x".repeat(1989)}\n\`\`\`python\nprint(1)\n\`\`\``;
    const parts = splitMessage(text, 2000);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(2000);
      expect(fenceBalanced(part)).toBe(true);
      expect(part).not.toMatch(/```python\n```/);
    }
  });

  it("keeps every part within the limit and every fence balanced, for random texts and limits", () => {
    const random = createRandom(3);
    const pick = (n: number) => Math.floor(random.next() * n);
    for (let round = 0; round < 2000; round++) {
      const lines: string[] = [];
      let open = false;
      for (let index = 0; index < 5 + pick(60); index++) {
        const roll = pick(10);
        if (roll === 0) {
          lines.push(open ? "```" : ["```", "```js", "~~~"][pick(3)] === "~~~" ? "```" : "```ts");
          open = !open;
        } else {
          lines.push("word ".repeat(pick(40)).trim());
        }
      }
      if (open) lines.push("```");
      const limit = 40 + pick(300);
      for (const part of splitMessage(lines.join("\n"), limit)) {
        expect(part.length).toBeLessThanOrEqual(limit);
        expect(fenceBalanced(part)).toBe(true);
      }
    }
  });
});
