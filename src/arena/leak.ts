// Identity-leak detection: does a text name one of the registered models or a model provider?
//
// Matching rules (see DESIGN.md "A battle", step 7):
// - Text and terms are NFKC-normalised and lower-cased, so case and full-width forms ("ＧＰＴ") do not matter;
//   invisible format characters (zero-width space, soft hyphen, …) are dropped first.
// - Latin-script terms are word-bounded: no letter or digit may touch the start, and no letter the end. A digit
//   may follow a term that ends in a letter, because that is how versions are written ("gpt4", "llama3",
//   "qwen2.5"); a term that ends in a digit may not be followed by another digit ("gpt-4" ≠ "gpt-40").
//   CJK characters next to a Latin term do not count as letters ("我是Claude模型" is a hit).
// - Terms are split into parts at separators and at letter/digit changes; in a text the parts may be joined by at
//   most one separator of any kind or by nothing: "gpt-4o" matches "GPT 4o", "gpt4o", "gpt‑4o" (U+2011).
// - CJK terms (Han, Hiragana, Katakana, Hangul) match as substrings: those scripts do not separate words.
// - When terms overlap at the same place, the longest wins ("gpt-4o-mini" before "gpt-4o" before "gpt"). Otherwise
//   the leftmost hit is reported.
// - Known limitations: camelCase identifiers ("OpenAIClient") do not hit, because the letter after the term makes
//   it look like part of a longer word; names spelled with spaces between letters or in other scripts do not hit.

export interface LeakHit {
  /** The term as it is spelled in the registry or the built-in table, e.g. "ChatGPT". */
  term: string;
  /** Registry name of the model the term belongs to; null when it names a provider or one of its products. */
  model: string | null;
}

export interface LeakModel {
  readonly name: string;
  readonly model: string;
  readonly baseUrl: string;
  readonly aliases: readonly string[];
}

export interface LeakDetector {
  /** The first identity term in `text`, or null. */
  find(text: string): LeakHit | null;
  /** Every term searched for, as spelled in the registry or the table. */
  readonly terms: readonly string[];
}

interface Provider {
  /** Base-URL host suffixes that mean this provider serves the model. */
  readonly hosts: readonly string[];
  /** Model-id prefixes (before "/") of this provider, as OpenRouter and Hugging Face write them. */
  readonly idPrefixes: readonly string[];
  /** The provider's names and products. */
  readonly terms: readonly string[];
  /** Makers of models are always searched; a host that only serves others' models only when it is used. */
  readonly always: boolean;
}

// CJK terms are substrings, so short ones must not occur inside ordinary words: "通义" is in "普通义务", "文心" in
// "中文心理", so only the full product names are listed.
// Deliberately left out as too generic alone: "Meta" (metadata, meta-analysis), "Phi" (the Greek letter) and
// "GLM" (generalised linear models) appear only with a version; "Command", "MiniMax" (the algorithm), "Moonshot",
// "Perplexity", "PaLM", "Yi", "o1"/"o3" appear only in longer names.
const PROVIDERS: readonly Provider[] = [
  {
    hosts: ["openai.com", "openai.azure.com"],
    idPrefixes: ["openai"],
    terms: ["OpenAI", "ChatGPT", "GPT", "o1-mini", "o1-preview", "o3-mini", "o4-mini", "DALL-E"],
    always: true,
  },
  {
    hosts: ["anthropic.com", "claude.ai"],
    idPrefixes: ["anthropic"],
    terms: ["Anthropic", "Claude"],
    always: true,
  },
  {
    hosts: ["googleapis.com", "google.com", "google.dev"],
    idPrefixes: ["google"],
    terms: ["Google", "Gemini", "Bard", "Gemma", "DeepMind", "LaMDA", "PaLM 2"],
    always: true,
  },
  {
    hosts: ["meta.ai", "llama.com"],
    idPrefixes: ["meta-llama", "meta", "facebook"],
    terms: ["Meta AI", "Meta Platforms", "Llama"],
    always: true,
  },
  {
    hosts: ["mistral.ai"],
    idPrefixes: ["mistralai", "mistral"],
    terms: ["Mistral", "Mixtral", "Codestral", "Pixtral", "Ministral", "Magistral"],
    always: true,
  },
  {
    hosts: ["aliyuncs.com", "aliyun.com", "alibabacloud.com"],
    idPrefixes: ["qwen", "alibaba"],
    terms: ["Alibaba", "Qwen", "QwQ", "Tongyi", "Qianwen", "通义千问", "通义灵码", "阿里巴巴", "阿里云"],
    always: true,
  },
  {
    hosts: ["deepseek.com"],
    idPrefixes: ["deepseek", "deepseek-ai"],
    terms: ["DeepSeek", "深度求索"],
    always: true,
  },
  { hosts: ["x.ai"], idPrefixes: ["x-ai", "xai"], terms: ["xAI", "Grok"], always: true },
  {
    hosts: ["microsoft.com", "azure.com"],
    idPrefixes: ["microsoft"],
    terms: ["Microsoft", "Copilot", "Phi-3", "Phi-3.5", "Phi-4"],
    always: true,
  },
  {
    hosts: ["cohere.ai", "cohere.com"],
    idPrefixes: ["cohere", "cohereforai", "coherelabs"],
    terms: ["Cohere", "Command R", "Command R+", "Aya Expanse"],
    always: true,
  },
  {
    hosts: ["01.ai", "lingyiwanwu.com"],
    idPrefixes: ["01-ai"],
    terms: ["01.AI", "Yi-Large", "Yi-Lightning", "零一万物"],
    always: true,
  },
  {
    hosts: ["bigmodel.cn", "zhipuai.cn", "z.ai"],
    idPrefixes: ["thudm", "zhipuai", "zai-org", "z-ai"],
    terms: ["Zhipu", "ChatGLM", "GLM-4", "GLM-4.5", "GLM-Z1", "智谱", "智谱清言"],
    always: true,
  },
  {
    hosts: ["moonshot.cn", "moonshot.ai"],
    idPrefixes: ["moonshotai"],
    terms: ["Moonshot AI", "Kimi", "月之暗面"],
    always: true,
  },
  {
    hosts: ["baidu.com", "baidubce.com"],
    idPrefixes: ["baidu"],
    terms: ["Baidu", "ERNIE", "文心一言", "文心大模型", "百度"],
    always: true,
  },
  {
    hosts: ["tencent.com", "tencentcloudapi.com"],
    idPrefixes: ["tencent"],
    terms: ["Tencent", "Hunyuan", "腾讯", "腾讯混元"],
    always: true,
  },
  {
    hosts: ["volces.com", "bytedance.com"],
    idPrefixes: ["bytedance", "bytedance-seed"],
    terms: ["ByteDance", "Doubao", "豆包", "字节跳动"],
    always: true,
  },
  {
    hosts: ["minimax.chat", "minimaxi.com", "minimax.io"],
    idPrefixes: ["minimax"],
    terms: ["MiniMax AI", "海螺AI"],
    always: true,
  },
  { hosts: ["stepfun.com"], idPrefixes: ["stepfun-ai"], terms: ["StepFun", "阶跃星辰"], always: true },
  { hosts: ["xf-yun.com"], idPrefixes: ["iflytek"], terms: ["iFlytek", "讯飞星火"], always: true },
  { hosts: ["nvidia.com"], idPrefixes: ["nvidia"], terms: ["Nemotron"], always: true },
  { hosts: ["ai21.com"], idPrefixes: ["ai21labs", "ai21"], terms: ["AI21", "Jamba"], always: true },
  { hosts: ["databricks.com"], idPrefixes: ["databricks"], terms: ["Databricks", "DBRX"], always: true },
  { hosts: ["lmsys.org"], idPrefixes: ["lmsys"], terms: ["LMSYS", "Vicuna"], always: true },
  {
    hosts: ["allenai.org"],
    idPrefixes: ["allenai"],
    terms: ["AllenAI", "Allen AI", "OLMo", "Tülu"],
    always: true,
  },
  { hosts: [], idPrefixes: ["nousresearch"], terms: ["Nous Research", "Nous Hermes"], always: true },
  { hosts: ["reka.ai"], idPrefixes: ["rekaai"], terms: ["Reka AI", "Reka Core", "Reka Flash"], always: true },
  { hosts: ["inflection.ai"], idPrefixes: ["inflection"], terms: ["Inflection AI"], always: true },
  { hosts: ["perplexity.ai"], idPrefixes: ["perplexity"], terms: ["Perplexity AI"], always: true },
  { hosts: ["amazonaws.com"], idPrefixes: ["amazon"], terms: ["Amazon Nova", "Amazon Titan"], always: true },
  // Hosts of other makers' models: named only when a registered model is served by them.
  { hosts: ["openrouter.ai"], idPrefixes: [], terms: ["OpenRouter"], always: false },
  { hosts: ["groq.com"], idPrefixes: [], terms: ["Groq"], always: false },
  { hosts: ["together.xyz", "together.ai"], idPrefixes: [], terms: ["Together AI"], always: false },
  { hosts: ["fireworks.ai"], idPrefixes: [], terms: ["Fireworks AI"], always: false },
  { hosts: ["deepinfra.com"], idPrefixes: [], terms: ["DeepInfra"], always: false },
];

/**
 * Words that are not safe as a term on their own when they are derived from a model's name or id (a moderator's
 * explicit alias is trusted): a model registered as "sonnet" must not make "write a sonnet" a leak. Compared
 * after removing separators.
 */
const GENERIC_WORDS = new Set([
  "alpha",
  "api",
  "assistant",
  "base",
  "beta",
  "bot",
  "chat",
  "chatbot",
  "code",
  "coder",
  "command",
  "default",
  "example",
  "exp",
  "experimental",
  "falcon",
  "fast",
  "flash",
  "free",
  "glm",
  "haiku",
  "hermes",
  "instruct",
  "large",
  "latest",
  "lite",
  "llm",
  "local",
  "localhost",
  "max",
  "medium",
  "meta",
  "micro",
  "mini",
  "minimax",
  "model",
  "models",
  "moonshot",
  "nano",
  "nova",
  "online",
  "open",
  "opus",
  "perplexity",
  "phi",
  "plus",
  "preview",
  "pro",
  "reasoning",
  "small",
  "sonar",
  "sonnet",
  "test",
  "thinking",
  "titan",
  "together",
  "turbo",
  "ultra",
  "vision",
]);

const CJK = "\\p{sc=Han}\\p{sc=Hiragana}\\p{sc=Katakana}\\p{sc=Hangul}";
const CJK_CHAR = new RegExp(`[${CJK}]`, "u");
/** Characters that make a Latin term part of a longer word (v-flag class: letters, digits, marks minus CJK). */
const WORD_CHAR = `[[\\p{L}\\p{N}\\p{M}]--[${CJK}]]`;
const LETTER_CHAR = `[[\\p{L}\\p{M}]--[${CJK}]]`;
const DIGIT_CHAR = `[\\p{N}--[${CJK}]]`;
/** Separators allowed between the parts of a term: spaces, hyphens and dashes of any width, _ . / : · ・ */
const SEPARATORS = "\\s\\-_.\\/:\\u00B7\\u2010-\\u2015\\u2212\\u30FB";
const SEPARATOR_RUN = new RegExp(`[${SEPARATORS}]+`, "gv");
const FORMAT_CHARS = /\p{Cf}/gu;
const LETTER_DIGIT_CHANGE = /(?<=\p{L})(?=\p{N})|(?<=\p{N})(?=\p{L})/u;
const ALPHANUMERIC = /[\p{L}\p{N}]/gu;
const SYNTAX_CHARS = /[\\^$.*+?()[\]{}|/]/g;

function normalize(text: string): string {
  return text.normalize("NFKC").replace(FORMAT_CHARS, "").toLowerCase();
}

/** A term's identity for de-duplication and attribution: normalised, separators removed. */
function termKey(normalized: string): string {
  return normalized.replace(SEPARATOR_RUN, "");
}

function isCjk(char: string | undefined): boolean {
  return char !== undefined && CJK_CHAR.test(char);
}

/** Whether a term is specific enough to search for: CJK needs two characters, anything else three letters or
 * digits including at least one letter. */
function isSearchable(normalized: string): boolean {
  const key = termKey(normalized);
  if (CJK_CHAR.test(key)) return [...key].length >= 2;
  const alphanumerics = key.match(ALPHANUMERIC) ?? [];
  return alphanumerics.length >= 3 && /\p{L}/u.test(key);
}

/**
 * The end of a term, checked once after the whole alternation (a check per term would be slow to compile): a
 * term ending in a letter may not be followed by a letter, one ending in a digit not by a letter or digit, and
 * one ending in CJK or punctuation by anything.
 */
const END_OF_TERM = `(?:(?<!${WORD_CHAR})|(?<=${LETTER_CHAR})(?!${LETTER_CHAR})|(?<=${DIGIT_CHAR})(?!${WORD_CHAR}))`;

/** A trie of terms, one edge per character; the empty string is an optional separator between two parts. */
interface TrieNode {
  readonly next: Map<string, TrieNode>;
  /** A term ends here. */
  end: boolean;
}

const OPTIONAL_SEPARATOR = "";

/** A term as trie edges: its parts (split at separators and letter/digit changes) joined by optional separators. */
function termUnits(normalized: string): string[] {
  const parts = normalized
    .split(SEPARATOR_RUN)
    .flatMap((part) => part.split(LETTER_DIGIT_CHANGE))
    .filter((part) => part !== "");
  return parts.flatMap((part, index) => (index === 0 ? [...part] : [OPTIONAL_SEPARATOR, ...part]));
}

function addTerm(root: TrieNode, units: readonly string[]): void {
  let node = root;
  for (const unit of units) {
    let child = node.next.get(unit);
    if (child === undefined) {
      child = { next: new Map(), end: false };
      node.next.set(unit, child);
    }
    node = child;
  }
  node.end = true;
}

function unitPattern(unit: string): string {
  return unit === OPTIONAL_SEPARATOR ? `[${SEPARATORS}]?` : unit.replace(SYNTAX_CHARS, "\\$&");
}

/** Longer terms are tried before a shorter one ends, so where terms extend one another the longest wins. */
function nodePattern(node: TrieNode): string {
  const branches = [...node.next].map(([unit, child]) => unitPattern(unit) + nodePattern(child));
  if (node.end) branches.push("");
  return branches.length === 1 ? (branches[0] ?? "") : `(?:${branches.join("|")})`;
}

/**
 * One regular expression for all terms, shaped as a trie so that each position of a text costs one branch per
 * distinct first character rather than one per term. Terms starting with a Latin letter or digit must not
 * follow a word character.
 */
function combinedPattern(terms: readonly string[]): RegExp | null {
  const bounded: TrieNode = { next: new Map(), end: false };
  const unbounded: TrieNode = { next: new Map(), end: false };
  for (const term of terms) {
    const units = termUnits(term);
    const first = units[0];
    if (first === undefined) continue;
    addTerm(!isCjk(first) && /[\p{L}\p{N}]/u.test(first) ? bounded : unbounded, units);
  }
  // A cheap look at the first character rules out most positions before any costlier check runs.
  const firstChars = [...bounded.next.keys(), ...unbounded.next.keys()].map(classEscape).join("");
  const alternatives = [
    bounded.next.size > 0 ? `(?<!${WORD_CHAR})${nodePattern(bounded)}` : null,
    unbounded.next.size > 0 ? nodePattern(unbounded) : null,
  ].filter((pattern) => pattern !== null);
  if (alternatives.length === 0) return null;
  return new RegExp(`(?=[${firstChars}])(?:${alternatives.join("|")})${END_OF_TERM}`, "v");
}

/** A character as a v-flag class member, whatever it is. */
function classEscape(char: string): string {
  return `\\u{${(char.codePointAt(0) ?? 0).toString(16)}}`;
}

function hostOf(baseUrl: string): string | null {
  try {
    return new URL(baseUrl).hostname.toLowerCase();
  } catch {
    return null;
  }
}

function servesFrom(provider: Provider, host: string): boolean {
  return provider.hosts.some((suffix) => host === suffix || host.endsWith(`.${suffix}`));
}

interface TermSource {
  readonly spelling: string;
  readonly model: string | null;
  /** Derived terms skip generic words; explicit aliases and the built-in table do not. */
  readonly checkGeneric: boolean;
}

/** Terms a registered model contributes: its name, its id and the id's tail and untagged forms, its aliases. */
function modelTerms(model: LeakModel): TermSource[] {
  const derived = new Set<string>([model.name, model.model]);
  for (const id of [model.name, model.model]) {
    const tail = id.slice(id.lastIndexOf("/") + 1);
    derived.add(tail);
    // Ollama and OpenRouter tags: "llama3.1:8b" → "llama3.1", "…-instruct:free" → "…-instruct".
    const colon = tail.indexOf(":");
    if (colon > 0) derived.add(tail.slice(0, colon));
  }
  return [
    ...[...derived].map((spelling) => ({ spelling, model: model.name, checkGeneric: true })),
    ...model.aliases.map((spelling) => ({ spelling, model: model.name, checkGeneric: false })),
  ];
}

/** Terms of the providers behind a registered model: from its base URL host and its id prefixes. */
function providerTerms(model: LeakModel): TermSource[] {
  const result: TermSource[] = [];
  const host = hostOf(model.baseUrl);
  const prefixes = new Set(
    [model.model, model.name]
      .filter((id) => id.includes("/"))
      .map((id) => id.slice(0, id.indexOf("/")).toLowerCase()),
  );
  for (const provider of PROVIDERS) {
    const byHost = host !== null && servesFrom(provider, host);
    const byPrefix = provider.idPrefixes.some((prefix) => prefixes.has(prefix));
    if (byHost || byPrefix) {
      for (const spelling of provider.terms) result.push({ spelling, model: null, checkGeneric: false });
    }
  }
  // An unknown prefix ("nousresearch/…") is itself the provider's name.
  for (const prefix of prefixes) result.push({ spelling: prefix, model: null, checkGeneric: true });
  return result;
}

/**
 * Builds a detector for the given registry. Build it once per registry change: it compiles one combined
 * regular expression, and `find` is a single scan of the normalised text.
 */
export function createLeakDetector(models: readonly LeakModel[]): LeakDetector {
  const sources: TermSource[] = [
    ...models.flatMap(modelTerms),
    ...models.flatMap(providerTerms),
    ...PROVIDERS.filter((provider) => provider.always).flatMap((provider) =>
      provider.terms.map((spelling) => ({ spelling, model: null, checkGeneric: false })),
    ),
  ];

  // First source of a key wins: a registered model's own terms before provider terms, in registry order.
  const byKey = new Map<string, { hit: LeakHit; normalized: string }>();
  for (const source of sources) {
    const normalized = normalize(source.spelling).trim();
    const key = termKey(normalized);
    if (byKey.has(key) || !isSearchable(normalized)) continue;
    if (source.checkGeneric && GENERIC_WORDS.has(key)) continue;
    byKey.set(key, { hit: { term: source.spelling.trim(), model: source.model }, normalized });
  }

  const anyTerm = combinedPattern([...byKey.values()].map((entry) => entry.normalized));
  const hitByKey = new Map([...byKey].map(([key, entry]) => [key, entry.hit]));

  return {
    terms: [...byKey.values()].map((entry) => entry.hit.term),
    find(text: string): LeakHit | null {
      const match = anyTerm?.exec(normalize(text));
      if (match === undefined || match === null) return null;
      const hit = hitByKey.get(termKey(match[0]));
      // Every match comes from one of the terms, so the key is always known; the fallback keeps types honest.
      return hit === undefined ? { term: match[0], model: null } : { ...hit };
    },
  };
}
