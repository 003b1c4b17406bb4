import { describe, expect, it } from "vitest";
import { createLeakDetector, type LeakModel } from "../../src/arena/leak.ts";

const registry: LeakModel[] = [
  {
    name: "gpt-4o-mini",
    model: "gpt-4o-mini",
    baseUrl: "https://api.openai.com/v1",
    aliases: ["GPT-4o", "ChatGPT", "OpenAI"],
  },
  {
    name: "sonnet",
    model: "anthropic/claude-3.5-sonnet",
    baseUrl: "https://openrouter.ai/api/v1",
    aliases: [],
  },
  { name: "house-llama", model: "llama3.1:8b", baseUrl: "http://localhost:11434/v1", aliases: ["Llamita"] },
  {
    name: "hermes",
    model: "nousresearch/hermes-3-llama-3.1-405b",
    baseUrl: "http://127.0.0.1:8000/v1",
    aliases: [],
  },
  {
    name: "qwen-max",
    model: "qwen-max",
    baseUrl: "https://dashscope.aliyuncs.com/compatible-mode/v1",
    aliases: [],
  },
  { name: "wizard-7b", model: "wizard-7b", baseUrl: "https://api.groq.com/openai/v1", aliases: ["智能巫师"] },
];

const detector = createLeakDetector(registry);
const termOf = (text: string) => detector.find(text)?.term ?? null;

describe("createLeakDetector: terms", () => {
  it("collects names, ids, id tails, untagged ids, aliases and provider names", () => {
    const terms = new Set(detector.terms);
    for (const term of [
      "gpt-4o-mini",
      "GPT-4o",
      "ChatGPT",
      "anthropic/claude-3.5-sonnet",
      "claude-3.5-sonnet",
      "house-llama",
      "llama3.1:8b",
      "llama3.1",
      "Llamita",
      "hermes-3-llama-3.1-405b",
      "Nous Research",
      "智能巫师",
      "Qwen",
      "Groq", // host of wizard-7b
      "OpenRouter", // host of sonnet
    ]) {
      expect(terms, term).toContain(term);
    }
  });

  it("leaves out generic words derived from names and 1–2 letter terms", () => {
    const terms = new Set(detector.terms.map((term) => term.toLowerCase()));
    expect(terms).not.toContain("sonnet");
    expect(terms).not.toContain("hermes");
    expect(terms).not.toContain("meta");
    expect(terms).not.toContain("phi");
    const tiny = createLeakDetector([
      { name: "o1", model: "o1", baseUrl: "http://10.0.0.2/v1", aliases: ["Yi"] },
    ]);
    expect(tiny.terms).not.toContain("o1");
    expect(tiny.terms).not.toContain("Yi");
    expect(tiny.find("o1 and Yi")).toBeNull();
  });

  it("searches hosts of other makers' models only when a registered model uses them", () => {
    const none = createLeakDetector([]);
    expect(none.terms).not.toContain("Groq");
    expect(none.find("served by Groq")).toBeNull();
    expect(detector.find("served by Groq")).toEqual({ term: "Groq", model: null });
  });
});

describe("createLeakDetector: matching", () => {
  it("hits whole words case-insensitively and not inside longer words", () => {
    expect(detector.find("Hello, I am Claude, an AI assistant.")).toEqual({ term: "Claude", model: null });
    expect(termOf("CLAUDE")).toBe("Claude");
    expect(termOf("My cousin Claudette says hi.")).toBeNull();
    expect(termOf("Write a sonnet about the sea.")).toBeNull();
    expect(termOf("The tour guide was a maven of metadata and meta-analysis.")).toBeNull();
    expect(termOf("A commando raid")).toBeNull();
    expect(termOf("The golden ratio: phi - 1 = 1/phi")).toBeNull();
  });

  it("attributes a term to its registered model and a provider name to no model", () => {
    expect(detector.find("As ChatGPT, I can help.")).toEqual({ term: "ChatGPT", model: "gpt-4o-mini" });
    expect(detector.find("I was trained by OpenAI.")).toEqual({ term: "OpenAI", model: "gpt-4o-mini" });
    expect(detector.find("Llamita here")).toEqual({ term: "Llamita", model: "house-llama" });
    expect(detector.find("I am Grok")).toEqual({ term: "Grok", model: null });
  });

  it("lets the longest term win where terms overlap: gpt-4o-mini over GPT-4o over GPT", () => {
    expect(detector.find("I am gpt-4o-mini.")).toEqual({ term: "gpt-4o-mini", model: "gpt-4o-mini" });
    // "gpt-4o" followed by another part still names GPT-4o (the hyphen is a boundary)
    expect(detector.find("running gpt-4o-2024-08-06")).toEqual({ term: "GPT-4o", model: "gpt-4o-mini" });
    const other = createLeakDetector([]);
    expect(other.find("I am gpt-4o-mini.")).toEqual({ term: "GPT", model: null });
  });

  it("matches multi-part terms with flexible separators", () => {
    for (const text of ["GPT 4o", "gpt4o", "gpt_4o", "gpt‑4o", "gpt—4o", "GPT·4o"]) {
      expect(detector.find(text), text).toEqual({ term: "GPT-4o", model: "gpt-4o-mini" });
    }
    expect(termOf("Command R+ answers")).toBe("Command R+");
    expect(termOf("try command-r today")).toBe("Command R");
    expect(termOf("llama 3.1 is local")).toBe("llama3.1");
  });

  it("lets a version follow a name directly but not extend a number", () => {
    expect(termOf("I am Qwen2.5-72B")).toBe("Qwen");
    expect(termOf("claude3 opus")).toBe("Claude");
    expect(termOf("phi4 is small")).toBe("Phi-4");
    const versioned = createLeakDetector([
      { name: "acme-4", model: "acme-4", baseUrl: "http://10.0.0.2/v1", aliases: [] },
    ]);
    expect(versioned.find("acme-4 here")?.term).toBe("acme-4");
    expect(versioned.find("acme-40 here")).toBeNull();
  });

  it("is width-insensitive (NFKC) and ignores invisible characters inside a name", () => {
    expect(termOf("ＧＰＴ")).toBe("GPT");
    expect(termOf("我是ＣｈａｔＧＰＴ。")).toBe("ChatGPT");
    expect(termOf("Cla\u200Bude")).toBe("Claude");
    expect(termOf("Anthro\u00ADpic")).toBe("Anthropic");
  });

  it("matches CJK terms as substrings inside a sentence without spaces", () => {
    expect(detector.find("你好我是通义千问很高兴认识你")).toEqual({ term: "通义千问", model: null });
    expect(detector.find("作为一个智能巫师助手")).toEqual({ term: "智能巫师", model: "wizard-7b" });
    expect(termOf("我是文心一言")).toBe("文心一言");
    expect(termOf("今日はいい天気ですね")).toBeNull();
    // Short product names would sit inside ordinary words: only full names are CJK terms.
    expect(termOf("我们讨论普通义务教育和中文心理学")).toBeNull();
  });

  it("finds a Latin name written next to CJK text", () => {
    expect(termOf("我是Claude，由Anthropic开发。")).toBe("Claude");
    expect(termOf("저는GPT입니다")).toBe("GPT");
  });

  it("finds names inside URLs and code", () => {
    expect(termOf("See https://api.openai.com/v1/chat/completions")).toBe("OpenAI");
    expect(termOf("from anthropic import Anthropic")).toBe("Anthropic");
    expect(termOf("client = openai_client()")).toBe("OpenAI");
    expect(termOf("model: 'anthropic/claude-3.5-sonnet'")).toBe("anthropic/claude-3.5-sonnet");
    expect(termOf("ollama run llama3.1:8b")).toBe("llama3.1:8b");
  });

  it("finds well-known providers and products that are not registered", () => {
    const empty = createLeakDetector([]);
    for (const [text, term] of [
      ["I am Gemini, made by Google.", "Gemini"],
      ["I'm Llama, by Meta AI", "Llama"],
      ["Mixtral here", "Mixtral"],
      ["DeepSeek-V3 reporting", "DeepSeek"],
      ["Built by Mistral", "Mistral"],
      ["你好，我是豆包", "豆包"],
      ["我是月之暗面开发的Kimi", "月之暗面"],
      ["I'm ERNIE Bot", "ERNIE"],
      ["ChatGLM3-6B", "ChatGLM"],
    ] as const) {
      expect(empty.find(text), text).toEqual({ term, model: null });
    }
    expect(empty.find("Ask me about the weather.")).toBeNull();
  });

  it("reports the leftmost hit", () => {
    expect(termOf("OpenAI trained GPT-4o; Anthropic trained Claude")).toBe("OpenAI");
  });

  it("rebuilds from a changed registry", () => {
    const before = createLeakDetector([]);
    expect(before.find("zorblax-9000 speaking")).toBeNull();
    const after = createLeakDetector([
      { name: "zorblax-9000", model: "zorblax-9000", baseUrl: "http://10.0.0.2/v1", aliases: [] },
    ]);
    expect(after.find("zorblax-9000 speaking")).toEqual({ term: "zorblax-9000", model: "zorblax-9000" });
  });

  it("treats model names literally, not as regular expressions", () => {
    const odd = createLeakDetector([
      { name: "c++bot(v2)", model: "x.y*z", baseUrl: "http://10.0.0.2/v1", aliases: ["[mega]"] },
    ]);
    expect(odd.find("c++bot(v2) speaking")?.model).toBe("c++bot(v2)");
    expect(odd.find("x.y*z")?.model).toBe("c++bot(v2)");
    expect(odd.find("xxyyz")).toBeNull();
    expect(odd.find("a [mega] thing")?.term).toBe("[mega]");
  });
});
