import { describe, expect, it } from "vitest";
import { createLeakDetector } from "../../src/arena/leak.ts";
import { CASE_MODELS, MUST_HIT, MUST_NOT_HIT } from "./leak-cases.ts";

const detector = createLeakDetector(CASE_MODELS);

describe("leak detector: table of evasions and everyday texts", () => {
  it("has at least 150 cases", () => {
    expect(MUST_HIT.length + MUST_NOT_HIT.length).toBeGreaterThanOrEqual(150);
  });

  it.each(MUST_HIT.map(([text, terms]) => [JSON.stringify(text), text, terms] as const))(
    "hits %s",
    (_label, text, terms) => {
      const hit = detector.find(text);
      expect(hit?.term, text).toBeDefined();
      expect(terms, `${text} → ${hit?.term}`).toContain(hit?.term);
    },
  );

  it.each(MUST_NOT_HIT.map((text) => [JSON.stringify(text), text] as const))("keeps %s", (_label, text) => {
    expect(detector.find(text), text).toBeNull();
  });
});
