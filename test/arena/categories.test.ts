import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import { describe, expect, it } from "vitest";
import {
  categorize,
  categoryLabel,
  countUserTokens,
  detectLanguage,
  isCodingPrompt,
  isValidCategory,
  LANGUAGE_CODES,
  LONG_PROMPT_TOKENS,
  resolveCategory,
} from "../../src/arena/categories.ts";

const on = (userTurns: readonly string[], platform = "discord", community = "123456789012345678") =>
  categorize({ userTurns, platform, community });

describe("categorize", () => {
  it("always includes overall, the platform and the community", () => {
    const categories = on(["Hi"], "Discord", "42");
    expect(categories[0]).toBe("overall");
    expect(categories).toContain("platform:discord");
    expect(categories).toContain("community:discord:42");
    expect(on(["Hi"], "telegram", "-1001234567890")).toContain("community:telegram:-1001234567890");
  });

  it("adds multiturn only with more than one user turn", () => {
    expect(on(["What is the capital of France?"])).not.toContain("multiturn");
    expect(on(["What is the capital of France?", "And of Spain?"])).toContain("multiturn");
  });

  it("adds long from 500 tokens of user turns in total, counted with the o200k tokenizer", () => {
    const sentence = "The quick brown fox jumps over the lazy dog. ";
    // The fewest sentences that reach the threshold, by the tokenizer library itself.
    let sentences = 1;
    while (countTokens(sentence.repeat(sentences)) < LONG_PROMPT_TOKENS) sentences++;
    expect(on([sentence.repeat(sentences - 1)])).not.toContain("long");
    expect(on([sentence.repeat(sentences)])).toContain("long");
    // Two turns that are short alone but long together.
    const half = sentence.repeat(Math.ceil(sentences / 2) + 1);
    expect(countUserTokens([half])).toBeLessThan(LONG_PROMPT_TOKENS);
    expect(on([half])).not.toContain("long");
    expect(on([half, half])).toContain("long");
  });

  it("counts special-token text as ordinary text instead of failing", () => {
    expect(countUserTokens(["<|endoftext|>"])).toBeGreaterThan(1);
    expect(() => on(["<|endoftext|> what is this token?"])).not.toThrow();
  });

  it("adds the language when it is clear and none when it is not", () => {
    expect(on(["What are the main causes of the French Revolution?"])).toContain("lang:eng");
    expect(on(["Hola, ¿me puedes recomendar un buen libro de historia?"])).toContain("lang:spa");
    expect(on(["请用简单的语言解释一下光合作用。"])).toContain("lang:cmn");
    expect(on(["東京の天気はどうですか？"])).toContain("lang:jpn");
    expect(on(["Hi"]).filter((key) => key.startsWith("lang:"))).toEqual([]);
    expect(on(["ok lol"]).filter((key) => key.startsWith("lang:"))).toEqual([]);
  });

  it("adds coding for a coding prompt only", () => {
    expect(on(["Write a Python function that reverses a linked list"])).toContain("coding");
    expect(on(["Write a poem about autumn"])).not.toContain("coding");
  });

  it("returns keys that are all valid categories", () => {
    const categories = on([
      "Write a Python function that reverses a linked list, please, and explain it.",
      "Now in Rust",
    ]);
    expect(categories).toEqual(
      expect.arrayContaining(["overall", "lang:eng", "coding", "multiturn", "platform:discord"]),
    );
    for (const key of categories) expect(isValidCategory(key), key).toBe(true);
  });
});

describe("detectLanguage", () => {
  it("ignores code and URLs when guessing", () => {
    const text =
      "Bitte erkläre mir, was dieser Code macht:\n```python\nprint('hello world')\n```\nhttps://example.com/x";
    expect(detectLanguage(text)).toBe("deu");
    expect(detectLanguage("```python\nprint('hello world, how are you today')\n```")).toBeNull();
  });

  it("gives no language when franc hesitates between close languages on a short text", () => {
    expect(detectLanguage("Tell me a joke")).toBeNull();
    expect(detectLanguage("How do I make a good cup of coffee at home?")).toBeNull(); // eng vs por: too close
  });
});

describe("isCodingPrompt", () => {
  it.each([
    "Write a Python function that reverses a linked list",
    "```js\nconsole.log(1)\n```\nwhy does this print 1?",
    "How do I center a div with CSS?",
    "What's the time complexity of quicksort?",
    "Fix this: TypeError: cannot read properties of undefined",
    "def add(a, b): return a + b -- what is wrong?",
    "Write a program to sort an array",
    "My Rust code does not compile",
    "Implement a recursive algorithm for the Fibonacci numbers",
    "SELECT name FROM users WHERE id = 1 is slow",
    "git rebase or git merge?",
    "what does `arr.map(x => x * 2)` do",
    "Explain the difference between a class and an object in Java",
    "import numpy as np",
    "How do I write a bash script that loops over files?",
    "Is C++ faster than C#?",
  ])("coding: %s", (text) => {
    expect(isCodingPrompt(text)).toBe(true);
  });

  it.each([
    "Write a poem about a python in the jungle",
    "What is the function of the liver?",
    "Write a movie script about a class reunion",
    "Let x = 3 and y = 4; find the hypotenuse",
    "What is the dress code for a wedding?",
    "Select the best answer from the options below",
    "How do I fix a bug in my garden?",
    "My ruby ring lost its shine",
    "Write a short story about Taylor Swift fans",
    "The program of the concert was long",
    "Recommend a library in Boston",
    "Translate: the cat sat on the mat (quietly)",
    "Go get some milk, please",
  ])("not coding: %s", (text) => {
    expect(isCodingPrompt(text)).toBe(false);
  });
});

describe("isValidCategory", () => {
  it("accepts the fixed keys, supported languages, platforms and communities", () => {
    for (const key of [
      "overall",
      "coding",
      "long",
      "multiturn",
      "lang:eng",
      "lang:cmn",
      "platform:discord",
      "platform:telegram",
      "community:discord:123456789012345678",
      "community:telegram:-1001234567890",
    ]) {
      expect(isValidCategory(key), key).toBe(true);
    }
  });

  it("refuses anything else", () => {
    for (const key of [
      "",
      "Overall",
      "lang:",
      "lang:xxx",
      "lang:english",
      "platform:",
      "platform:Dis cord",
      "community:discord:",
      "community::123",
      "community:discord:12 34",
      "coding ",
      `community:discord:${"9".repeat(200)}`,
    ]) {
      expect(isValidCategory(key), key).toBe(false);
    }
  });
});

describe("categoryLabel", () => {
  it("gives short readable labels", () => {
    expect(categoryLabel("overall")).toBe("Overall");
    expect(categoryLabel("lang:eng")).toBe("English");
    expect(categoryLabel("lang:deu")).toBe("German");
    expect(categoryLabel("lang:cmn")).toBe("Chinese");
    expect(categoryLabel("coding")).toBe("Coding");
    expect(categoryLabel("long")).toBe("Long prompts (≥ 500 tokens)");
    expect(categoryLabel("multiturn")).toBe("Multi-turn");
    expect(categoryLabel("platform:discord")).toBe("Discord");
    expect(categoryLabel("platform:telegram")).toBe("Telegram");
    expect(categoryLabel("platform:matrix")).toBe("Matrix");
    expect(categoryLabel("community:discord:123")).toBe("Community 123 on Discord");
    const here = { platform: "discord", community: "123" };
    expect(categoryLabel("community:discord:123", here)).toBe("This community");
    expect(categoryLabel("community:discord:456", here)).toBe("Community 456 on Discord");
  });

  it("names every supported language in words, never by its bare code", () => {
    for (const code of LANGUAGE_CODES) {
      const label = categoryLabel(`lang:${code}`);
      expect(label, code).not.toBe(code);
      expect(label, code).not.toMatch(/^Language /);
    }
  });
});

describe("resolveCategory", () => {
  const place = { platform: "discord", community: "123456" };
  it("takes keys as they are and shorthands a person would type", () => {
    expect(resolveCategory("", place)).toBe("overall");
    expect(resolveCategory("coding", place)).toBe("coding");
    expect(resolveCategory("Coding", place)).toBe("coding");
    expect(resolveCategory("lang:fra", place)).toBe("lang:fra");
    expect(resolveCategory("French", place)).toBe("lang:fra");
    expect(resolveCategory("this community", place)).toBe("community:discord:123456");
    expect(resolveCategory("platform", place)).toBe("platform:discord");
    expect(resolveCategory("klingon", place)).toBeNull();
  });
});
