import { describe, expect, it } from "vitest";
import { deduplicateBattles, dedupPrompts } from "../../src/ranking/dedup.ts";
import { FastChatParseError, parseFastChat } from "../../src/ranking/fastchat.ts";

function battle(prompt: string | null, index: number, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    model_a: index % 2 === 0 ? "x" : "y",
    model_b: index % 2 === 0 ? "y" : "x",
    winner: index % 3 === 0 ? "model_a" : "model_b",
    tstamp: index,
    ...(prompt === null
      ? {}
      : {
          conversation_a: [
            { role: "user", content: prompt },
            { role: "assistant", content: `answer ${index}` },
          ],
        }),
    ...extra,
  });
}

describe("prompt deduplication", () => {
  it("keeps ⌊cutoff⌋ battles of each prompt above the quantile cutoff and counts the rest as skipped", () => {
    // 40 "hi", 10 "hello", and 50 prompts asked once or twice.
    const lines: string[] = [];
    let index = 0;
    for (let i = 0; i < 40; i++) lines.push(battle("hi", index++));
    for (let i = 0; i < 10; i++) lines.push(battle("hello", index++));
    for (let i = 0; i < 50; i++) lines.push(battle(`question ${i % 25}`, index++));
    lines.push(battle(null, index++)); // no conversation: never deduplicated
    const battles = parseFastChat(lines.join("\n"), { prompts: true });
    expect(battles.count).toBe(101);
    // 27 distinct prompts, sorted counts c = [2 ×25, 10, 40]; the 0.9-quantile sits at position 0.9·26 = 23.4,
    // c[23] + 0.4·(c[24] − c[23]) = 2.
    const deduped = deduplicateBattles(battles, 0.9, 7);
    expect(deduped.dedup.cutoff).toBe(2);
    expect(deduped.dedup.frequentPrompts).toBe(2);
    expect(deduped.skipped.duplicate_prompt).toBe(38 + 8);
    expect(deduped.count).toBe(101 - 46);
    // Each frequent prompt keeps exactly two of its battles; the promptless battle survives.
    const kept = deduped.tstamp;
    expect(Array.from(kept).filter((stamp) => stamp < 40)).toHaveLength(2);
    expect(Array.from(kept).filter((stamp) => stamp >= 40 && stamp < 50)).toHaveLength(2);
    expect(Array.from(kept)).toContain(100);
  });

  it("is seeded: the same seed keeps the same battles, another seed others", () => {
    const lines = Array.from({ length: 60 }, (_, i) => battle(i < 50 ? "hi" : `q${i}`, i));
    const battles = parseFastChat(lines.join("\n"), { prompts: true });
    const first = deduplicateBattles(battles, 0.5, 1);
    const again = deduplicateBattles(battles, 0.5, 1);
    const other = deduplicateBattles(battles, 0.5, 2);
    expect(Array.from(again.tstamp)).toEqual(Array.from(first.tstamp));
    expect(Array.from(other.tstamp)).not.toEqual(Array.from(first.tstamp));
    expect(first.count).toBe(other.count);
  });

  it("draws every battle of a frequent prompt with equal probability", () => {
    // Prompt ids: 0 asked 10 times, 1..9 once each; cutoff at q = 0.5 is 1, so prompt 0 keeps one battle.
    const prompt = Int32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const hits = new Array<number>(10).fill(0);
    for (let seed = 0; seed < 2000; seed++) {
      const { keep } = dedupPrompts(prompt, 0.5, seed);
      const kept = Array.from(keep.subarray(0, 10)).indexOf(1);
      hits[kept] = (hits[kept] ?? 0) + 1;
      expect(Array.from(keep.subarray(10)).every((flag) => flag === 1)).toBe(true);
    }
    // Expected 200 each; a binomial(2000, 0.1) lies within 200 ± 60 with probability > 0.9999.
    for (const count of hits) expect(Math.abs(count - 200)).toBeLessThan(60);
  });

  it("changes nothing at q = 1 and rejects a quantile outside [0, 1]", () => {
    const prompt = Int32Array.from([0, 0, 0, 1]);
    expect(dedupPrompts(prompt, 1, 1).dropped).toBe(0);
    expect(() => dedupPrompts(prompt, 1.5, 1)).toThrow(/in \[0, 1\]/);
    expect(() => dedupPrompts(prompt, Number.NaN, 1)).toThrow(/in \[0, 1\]/);
  });
});

describe("style metadata in clean-battle files", () => {
  const metadata = {
    sum_assistant_a_tokens: 120,
    header_count_a: { h1: 1, h2: 2, h3: 0, h4: 0, h5: 0, h6: 0 },
    list_count_a: { ordered: 3, unordered: 4 },
    bold_count_a: { "**": 5, __: 1 },
    sum_assistant_b_tokens: 80,
    header_count_b: 0,
    list_count_b: { ordered: 0, unordered: 2 },
    bold_count_b: { "**": 0, __: 0 },
  };

  it("reads conv_metadata counts, summing per-level objects as FastChat does", () => {
    const text = [
      battle("p", 0, { conv_metadata: metadata }),
      battle("p", 1, { conv_metadata: metadata, anony: false }), // skipped: no style row for it
    ].join("\n");
    const battles = parseFastChat(text, { style: true });
    expect(battles.count).toBe(1);
    expect(Array.from(battles.styleA ?? [])).toEqual([120, 3, 7, 6]);
    expect(Array.from(battles.styleB ?? [])).toEqual([80, 0, 2, 0]);
  });

  it("stops at the line of a kept battle without style counts", () => {
    const broken = { ...metadata, bold_count_b: "many" };
    const text = [
      battle("p", 0, { conv_metadata: metadata }),
      battle("p", 1, { conv_metadata: broken }),
    ].join("\n");
    expect(() => parseFastChat(text, { style: true })).toThrow(FastChatParseError);
    expect(() => parseFastChat(text, { style: true })).toThrow(/line 2: .*conv_metadata\.bold_count_b/);
    expect(() => parseFastChat(battle("p", 0), { style: true })).toThrow(/line 1: .*conv_metadata/);
  });
});
