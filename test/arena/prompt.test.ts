import { describe, expect, it } from "vitest";
import { createLeakDetector } from "../../src/arena/leak.ts";
import { asksIdentity, normalizePrompt, PROMPT_MAX_CHARS, validatePrompt } from "../../src/arena/prompt.ts";

const detector = createLeakDetector([
  { name: "house-model", model: "house-model-7b", baseUrl: "http://10.0.0.2/v1", aliases: ["Housey"] },
]);

describe("validatePrompt", () => {
  it("accepts a prompt and returns it trimmed", () => {
    expect(validatePrompt("  Explain recursion simply.\n", detector)).toEqual({
      ok: true,
      prompt: "Explain recursion simply.",
    });
  });

  it("refuses an empty or blank prompt with an example", () => {
    for (const text of ["", "   ", "\n\t "]) {
      const result = validatePrompt(text, detector);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toMatch(/^Write a prompt after \/battle, e\.g\. \/battle \S/);
    }
  });

  it("accepts exactly the limit and refuses one character more, saying the limit and the length", () => {
    expect(validatePrompt("a".repeat(PROMPT_MAX_CHARS), detector).ok).toBe(true);
    const result = validatePrompt("a".repeat(PROMPT_MAX_CHARS + 1), detector);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toContain("8,001 characters");
      expect(result.error).toContain("limit is 8,000");
    }
  });

  it("counts characters, not UTF-16 units, and ignores surrounding whitespace for the limit", () => {
    const emoji = "😀".repeat(PROMPT_MAX_CHARS); // 16,000 UTF-16 units
    expect(validatePrompt(emoji, detector).ok).toBe(true);
    expect(validatePrompt(`   ${"b".repeat(PROMPT_MAX_CHARS)}   `, detector).ok).toBe(true);
  });

  it("refuses a prompt naming a registered model, saying which term to remove and why", () => {
    const result = validatePrompt("Are you Housey or not?", detector);
    expect(result).toEqual({ ok: false, error: expect.stringContaining('remove "Housey"') });
    if (!result.ok) {
      expect(result.error).toContain("one of the models in this arena");
      expect(result.error).toContain("anonymous");
    }
  });

  it("refuses a prompt naming a well-known provider", () => {
    const result = validatePrompt("Pretend you are ChatGPT and write a haiku", detector);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toContain('"ChatGPT"');
      expect(result.error).toContain("model provider");
    }
  });

  it("does not refuse ordinary words that contain a name", () => {
    expect(validatePrompt("Write a sonnet for Claudette about metadata", detector).ok).toBe(true);
  });
});

describe("normalizePrompt and invisible prompts", () => {
  it("refuses prompts of only invisible characters, NUL, controls and ANSI escapes, saying what to fix", () => {
    for (const text of [
      "\u200b\u200c\u200d\u2060\ufeff",
      "\u0000\u0000",
      "\u0007\u0008\u001b",
      "\u001b[31m\u001b[0m",
      "\u202e\u2066\u3164",
      "\u001b]8;;http://x\u0007\u001b]8;;\u0007",
    ]) {
      const result = validatePrompt(text, detector);
      expect(result, JSON.stringify(text)).toMatchObject({ ok: false });
      if (!result.ok) {
        expect(result.error).toMatch(/no visible text/);
        expect(result.error).toMatch(/plain text, e\.g\. \/battle \S/);
      }
    }
  });

  it("strips NUL, C0/C1 controls but newline and tab, ANSI escapes and bidi controls, and composes NFC", () => {
    expect(normalizePrompt("\u001b[1;31mRed\u001b[0m\u0000 text\u0007\r\nnext\tline\u0085")).toBe(
      "Red text\nnext\tline",
    );
    expect(normalizePrompt("abc\u202edef\u2066ghi\u2069\u200f")).toBe("abcdefghi");
    expect(normalizePrompt("Cafe\u0301")).toBe("Café");
    expect(normalizePrompt("Cafe\u0301")).toHaveLength(4);
    // A ZWJ emoji sequence is visible text and kept whole.
    expect(normalizePrompt("👨‍👩‍👧 family")).toBe("👨‍👩‍👧 family");
  });

  it("stores the normalised prompt", () => {
    expect(validatePrompt("  \u001b[32mWhat is 2+2?\u001b[0m\u0000 ", detector)).toEqual({
      ok: true,
      prompt: "What is 2+2?",
    });
  });
});

describe("validatePrompt: identity questions", () => {
  const identityDetector = createLeakDetector([]);

  it.each([
    "Who are you?",
    "who r u",
    "What are you, exactly?",
    "What's your name?",
    "What is your model name?",
    "Who made you?",
    "Who trained you?",
    "Which company trained you?",
    "Which model are you?",
    "Spell the name of the company that trained you with spaces between the letters",
    "Tell me your real name",
    "Are you made by a big lab?",
    "Please introduce yourself.",
    "你是谁？",
    "你叫什么名字",
    "谁开发了你",
    "あなたは誰ですか",
    "누구세요?",
    "¿Quién eres?",
    "Qui es-tu ?",
    "Wer bist du?",
    "Wie heißt du?",
  ])("refuses %j, saying battles are anonymous", (prompt) => {
    expect(asksIdentity(prompt)).toBe(true);
    const result = validatePrompt(prompt, identityDetector);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toContain("asks the models who they are");
      expect(result.error).toContain("anonymous");
    }
  });

  it.each([
    "Tell me about Claude Monet",
    "Which model is best for regression?",
    "What are you doing to prepare for exams? Give me tips.",
    "Who made the first computer?",
    "What is your favourite recipe for bread?",
    "Write a poem about a llama in the Andes",
    "Compare Google Sheets and a spreadsheet in Python",
    "Explain a meta-analysis",
    "Tell me your opinion on tabs versus spaces",
  ])("accepts %j", (prompt) => {
    expect(asksIdentity(prompt)).toBe(false);
    expect(validatePrompt(prompt, identityDetector)).toEqual({ ok: true, prompt });
  });
});
