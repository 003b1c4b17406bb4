// Identity-leak detection: does a text name one of the registered models or a model provider?
//
// Matching rules (see DESIGN.md "A battle", step 7, and README "Leak detection: the rule and its limits"):
// - A text is searched in several readings: as written, as rendered from markdown and HTML ("**Cl**aude",
//   "<b>Cl</b>aude", "`Cl`aude" read "Claude"), with letter-spaced or dotted runs closed up ("C l a u d e",
//   "G.P.T."), with markup characters removed, with camelCase humps split ("OpenAIClient"), and with a capital I
//   inside a lowercase word read as l ("CIaude").
// - Each reading and each term is compared on a skeleton: NFKC, default-ignorable, bidi-control and format
//   characters removed, combining marks removed (but after CJK), letters other than ASCII and CJK folded to
//   their UTS #39 confusables prototype (Cyrillic "Сlaude" is "Claude"), lower-cased.
// - Latin-script terms are word-bounded: no letter or digit may touch the start, and no letter the end. A digit
//   may follow a term that ends in a letter, because that is how versions are written ("gpt4", "llama3",
//   "qwen2.5"); a term that ends in a digit may not be followed by another digit ("gpt-4" ≠ "gpt-40"). An
//   English plural ending is allowed ("GPTs"). CJK characters next to a Latin term do not count as letters.
// - Terms are split into parts at separators, letter/digit changes and camelCase humps; in a text the parts may
//   be joined by one separator or by nothing: "gpt-4o" matches "GPT 4o", "gpt4o"; "OpenAI" matches "Open AI" and
//   "Open-AI". Between two word humps a space is not enough ("DeepMind" is not "a deep mind").
// - CJK terms (Han, Hiragana, Katakana, Hangul) match as substrings: those scripts do not separate words.
// - Names that are also everyday words or people's names (EVERYDAY_WORDS: Claude, Llama, Gemini, Google, …)
//   count only as a self-reference or product use ("I am Claude.", "made by Google", "Gemini model",
//   "Llama 3"), when disguised (found in a reading but not in the text as written), or as the whole text.
// - When terms overlap at the same place, the longest wins ("gpt-4o-mini" before "gpt-4o" before "gpt"). Otherwise
//   the leftmost hit of the first reading is reported.

import { createRequire } from "node:module";
import { visibleText } from "./visible-text.ts";

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
    terms: [
      "OpenAI",
      "ChatGPT",
      "GPT",
      "o1-mini",
      "o1-preview",
      "o3-mini",
      "o4-mini",
      "DALL-E",
      "オープンAI",
      "チャットGPT",
    ],
    always: true,
  },
  {
    hosts: ["anthropic.com", "claude.ai"],
    idPrefixes: ["anthropic"],
    terms: [
      "Anthropic",
      "Claude",
      "安斯罗普",
      "アンソロピック",
      "앤트로픽",
      "克劳德",
      "克勞德",
      "クロード",
      "클로드",
    ],
    always: true,
  },
  {
    hosts: ["googleapis.com", "google.com", "google.dev"],
    idPrefixes: ["google"],
    terms: ["Google", "Gemini", "Bard", "Gemma", "DeepMind", "LaMDA", "PaLM 2", "谷歌", "グーグル", "구글"],
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
    terms: ["Mistral", "Mixtral", "Codestral", "Pixtral", "Ministral", "Magistral", "ミストラル"],
    always: true,
  },
  {
    hosts: ["aliyuncs.com", "aliyun.com", "alibabacloud.com"],
    idPrefixes: ["qwen", "alibaba"],
    terms: [
      "Alibaba",
      "Qwen",
      "QwQ",
      "Tongyi",
      "Qianwen",
      "通义千问",
      "通義千問",
      "千问",
      "千問",
      "通义灵码",
      "阿里巴巴",
      "阿里云",
      "阿里雲",
      "クウェン",
    ],
    always: true,
  },
  {
    hosts: ["deepseek.com"],
    idPrefixes: ["deepseek", "deepseek-ai"],
    terms: ["DeepSeek", "深度求索", "ディープシーク", "딥시크"],
    always: true,
  },
  { hosts: ["x.ai"], idPrefixes: ["x-ai", "xai"], terms: ["xAI", "Grok"], always: true },
  {
    hosts: ["microsoft.com", "azure.com"],
    idPrefixes: ["microsoft"],
    terms: [
      "Microsoft",
      "Copilot",
      "Phi-3",
      "Phi-3.5",
      "Phi-4",
      "微软",
      "微軟",
      "マイクロソフト",
      "마이크로소프트",
    ],
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
    terms: ["Zhipu", "ChatGLM", "GLM-4", "GLM-4.5", "GLM-Z1", "智谱", "智谱清言", "智譜", "智譜清言"],
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
    terms: ["Baidu", "ERNIE", "文心一言", "文心大模型", "百度", "바이두"],
    always: true,
  },
  {
    hosts: ["tencent.com", "tencentcloudapi.com"],
    idPrefixes: ["tencent"],
    terms: ["Tencent", "Hunyuan", "腾讯", "腾讯混元", "騰訊", "騰訊混元", "混元大模型"],
    always: true,
  },
  {
    hosts: ["volces.com", "bytedance.com"],
    idPrefixes: ["bytedance", "bytedance-seed"],
    terms: ["ByteDance", "Doubao", "豆包", "字节跳动", "字節跳動"],
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

/**
 * Keys (normalised, separators removed) of names that are also everyday words or people's names: "Claude Monet",
 * "a llama in the Andes", "the Gemini constellation", "Google Sheets". Such a name counts as a leak only where
 * the text uses it as a self-reference or product name (see isIdentityUse), where it is disguised, or where it
 * is the whole text. Moderators' aliases that are everyday words (Sheets, Excel) follow the same rule.
 */
const EVERYDAY_WORDS = new Set([
  "alpaca",
  "amazon",
  "aya",
  "bard",
  "claude",
  "command",
  "copilot",
  "ernie",
  "excel",
  "falcon",
  "gemini",
  "gemma",
  "google",
  "grok",
  "hermes",
  "jamba",
  "kimi",
  "llama",
  "meta",
  "microsoft",
  "mistral",
  "nova",
  "orca",
  "phi",
  "sheets",
  "titan",
  "tulu",
  "vicuna",
  "克劳德",
  "克勞德",
  "クロード",
  "클로드",
  "ミストラル",
  "谷歌",
  "グーグル",
  "구글",
  "微软",
  "微軟",
  "マイクロソフト",
  "마이크로소프트",
]);

const CJK = "\\p{sc=Han}\\p{sc=Hiragana}\\p{sc=Katakana}\\p{sc=Hangul}";
const CJK_EXTENDED = "\\p{scx=Han}\\p{scx=Hiragana}\\p{scx=Katakana}\\p{scx=Hangul}";
const CJK_CHAR = new RegExp(`[${CJK}]`, "u");
/** Characters that make a Latin term part of a longer word (v-flag class: letters, digits, marks minus CJK). */
const WORD_CHAR = `[[\\p{L}\\p{N}\\p{M}]--[${CJK}]]`;
const LETTER_CHAR = `[[\\p{L}\\p{M}]--[${CJK}]]`;
const DIGIT_CHAR = `[\\p{N}--[${CJK}]]`;
/** Separators allowed between the parts of a term: spaces, hyphens and dashes of any width, _ . / : · ・ */
const SEPARATORS = "\\s\\-_.\\/:\\u00B7\\u2010-\\u2015\\u2212\\u30FB";
/** Separators allowed inside a camelCase name ("DeepSeek" as "Deep-Seek"): not a space, which would make
 * "a deep mind" name DeepMind. */
const HUMP_SEPARATORS = "\\-_.\\u00B7\\u2010-\\u2015\\u2212\\u30FB";
const SEPARATOR_RUN = new RegExp(`[${SEPARATORS}]+`, "gv");
const LETTER_DIGIT_CHANGE = /(?<=\p{L})(?=\p{N})|(?<=\p{N})(?=\p{L})/u;
const CAMEL_HUMP = /(?<=\p{Ll})(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})/u;
const CAMEL_HUMPS = new RegExp(CAMEL_HUMP.source, "gu");
const ALPHANUMERIC = /[\p{L}\p{N}]/gu;
const SYNTAX_CHARS = /[\\^$.*+?()[\]{}|/]/g;

// What never shows on screen: default-ignorable code points (zero-width characters, joiners, variation selectors,
// the combining grapheme joiner, the Hangul fillers), bidi controls and other format characters.
const INVISIBLE_CHARS = /[\p{Default_Ignorable_Code_Point}\p{Bidi_Control}\p{Cf}]/gu;
// Combining marks are dropped ("C\u0301laude", "Clàude"), except after CJK, where they are part of the letter
// (the voicing mark of ド in クロード).
const MARK_NOT_AFTER_CJK = new RegExp(`(?<![${CJK}]\\p{M}*)\\p{M}`, "gu");
// Letters folded to their confusables prototype: any letter but ASCII and CJK. ASCII stays itself because UTS #39
// maps "0" to "O", "1" and "I" to "l" and "m" to "rn", which would merge "gpt-4o" with "gpt-40"; CJK because
// it maps 一 to ー.
const FOLDABLE_LETTER = new RegExp(`[\\p{L}--[\\x00-\\x7F${CJK_EXTENDED}]]`, "gv");

const require = createRequire(import.meta.url);
/** UTS #39 confusables (Unicode's confusables.txt as the unhomoglyph package ships it): character → prototype. */
const CONFUSABLE_PROTOTYPES = new Map(
  Object.entries(require("unhomoglyph/data.json") as Record<string, string>),
);

function stripMarks(text: string): string {
  return text.normalize("NFD").replace(MARK_NOT_AFTER_CJK, "").normalize("NFC");
}

/** Compatibility forms folded (NFKC: "ＧＰＴ" → "GPT") and invisible characters removed. */
function visibleCharacters(text: string): string {
  return text.normalize("NFKC").replace(INVISIBLE_CHARS, "");
}

/** A letter's confusables prototype; an uppercase letter whose prototype is "l" (Cyrillic І, palochka Ӏ) is "I". */
function foldLetter(char: string): string {
  const prototype = CONFUSABLE_PROTOTYPES.get(char);
  if (prototype === undefined) return char;
  return prototype === "l" && char !== char.toLowerCase() ? "I" : prototype;
}

/**
 * The form in which texts and terms are compared: a UTS #39 skeleton of the text without combining marks,
 * lower-cased. Letters are folded before and after lower-casing, since a capital and its small letter can have
 * different prototypes (Cyrillic Т is T, т is not t). "Сlaude" (Cyrillic С), "Ｃｌａｕｄｅ", "Cláude" and
 * "claude" are all "claude".
 */
function skeleton(text: string): string {
  const folded = stripMarks(text).replace(FOLDABLE_LETTER, foldLetter);
  return stripMarks(stripMarks(folded).toLowerCase().replace(FOLDABLE_LETTER, foldLetter)).toLowerCase();
}

function normalize(text: string): string {
  return skeleton(visibleCharacters(text));
}

/**
 * The text as written, lower-cased, with ordinary accented letters as their base letter ("vicuña" → "vicuna"):
 * a name found in a reading but not here was disguised (invisible characters, lookalikes, stray marks, markup,
 * spacing, compatibility forms such as 𝐂𝐥𝐚𝐮𝐝𝐞).
 */
function plainForm(text: string): string {
  return text
    .normalize("NFC")
    .toLowerCase()
    .replace(FOLDABLE_LETTER, (char) => {
      const parts = char.normalize("NFD");
      return ACCENTED_LETTER.test(parts) ? parts.replace(/\p{M}/gu, "") : char;
    });
}
const ACCENTED_LETTER = /^\p{L}\p{M}+$/u;

// An uppercase I inside a lowercase word, as in "CIaude": almost always an l in disguise (ASCII letters are not
// folded otherwise, see FOLDABLE_LETTER).
const CAPITAL_I_AS_L = /(?<=\p{L})I(?=\p{Ll})|(?<=\p{Ll})I/gu;

// A run of at least three single letters, each separated by one to three spaces, dots, hyphens, underscores,
// middle dots, asterisks or slashes: "C l a u d e", "G.P.T.", "A-n-t-h-r-o-p-i-c".
// CJK next to the run does not count as a letter ("我是C l a u d e").
const NOT_AFTER_LATIN_WORD = `(?<![[\\p{L}\\p{N}]--[${CJK}]])`;
const NOT_BEFORE_LATIN_WORD = `(?![[\\p{L}\\p{N}]--[${CJK}]])`;
const SPACED_LETTERS = new RegExp(
  `${NOT_AFTER_LATIN_WORD}\\p{L}(?:[\\s.\\-_·*\\/]{1,3}\\p{L}${NOT_BEFORE_LATIN_WORD}){2,}`,
  "gv",
);
const SPACED_LETTER_GAPS = /[\s.\-_·*/]+/gu;
// Markdown emphasis and code characters and HTML tags, removed outright: "C*l*aude", "Cl<i></i>aude".
const MARKUP = /<[^>]*>|[*_~`]/g;

/**
 * The readings of a text that are searched for names: as written, as rendered (markdown and HTML to visible
 * text), with letter-spaced runs closed up, with markup characters removed, and with camelCase humps split
 * ("OpenAIClient" → "Open-AI-Client"), and with a capital I inside a lowercase word read as l. Each is then normalised.
 */
function readings(text: string): string[] {
  const written = visibleCharacters(text);
  const rendered = visibleText(written);
  const forms = new Set([
    written,
    rendered,
    rendered.replace(SPACED_LETTERS, (run) => run.replace(SPACED_LETTER_GAPS, "")),
    written.replace(MARKUP, ""),
    written.replace(CAMEL_HUMPS, "-"),
    written.replace(CAPITAL_I_AS_L, "l"),
  ]);
  return [...new Set([...forms].map(skeleton))];
}

// Self-reference or product use before an everyday name: "I am", "my name is", "made by", "as", "我是", "私は", …
const SELF_REFERENCE_BEFORE =
  /(?:(?:^|[^\p{L}\p{N}])(?:i\s*am|i['’]m|my\s+name\s+is|call\s+me|(?:i\s*am|i['’]m)\s+(?:called|named)|(?:made|trained|developed|created|built|designed|powered|released|owned|brought\s+to\s+you)\s+by|based\s+on|as|soy|je\s+suis|ich\s+bin|sono|eu\s+sou)\s+(?:an?\s+|the\s+)?|(?:我是|我叫|作为|作為|私は|わたしは|僕は|저는|나는)\s*)$/u;
// What may follow a name used as a self-reference: the end, punctuation, or a word that continues an
// introduction ("I am Claude, an AI", "I'm ERNIE Bot"). Not a further name ("I am Claude Monet", 克劳德·莫奈).
const SELF_REFERENCE_AFTER =
  /^(?:['’]s)?(?:\s*$|\s*[.,!?;:)\]"'’”。，！？、：；…\n]|\s+(?:an?|the|ai|model|assistant|bot|chatbot|here|and|by|from|made|version|created|developed|trained|built)(?![\p{L}\p{N}])|\s*(?:模型|助手|人工智能|アシスタント|모델|です|でございます|と申します|だよ|입니다|이에요|예요|이야|라고))/u;
// A product use after an everyday name, whatever comes before: "Claude, an AI", "Gemini model", "Llama 3".
const PRODUCT_USE_AFTER =
  /^(?:['’]s)?(?:\s+(?:here|speaking))?[\s\-_]*(?:,\s*)?(?:(?:an?\s+|the\s+)?(?:ai|model|assistant|chatbot|llm|language\s+model)(?![\p{L}\p{N}])|v?\d|模型|助手|人工智能|アシスタント|모델)/u;
const EDGE_PUNCTUATION = /^[\s\p{P}\p{S}]+|[\s\p{P}\p{S}]+$/gu;

/** Whether an everyday name at `index` of a normalised reading is used as a model's self-reference or product. */
function isIdentityUse(reading: string, index: number, matched: string): boolean {
  const before = reading.slice(Math.max(0, index - 40), index);
  const after = reading.slice(index + matched.length, index + matched.length + 40);
  if (PRODUCT_USE_AFTER.test(after)) return true;
  if (SELF_REFERENCE_BEFORE.test(before) && SELF_REFERENCE_AFTER.test(after)) return true;
  return reading.replace(EDGE_PUNCTUATION, "") === matched;
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

/** English plural endings a name may take ("Claudes", "GPTs"); the name is looked up without them. */
const PLURAL = "(?:e?s)?";

/**
 * The end of a term, checked once after the whole alternation (a check per term would be slow to compile): a
 * term ending in a letter may not be followed by a letter, one ending in a digit not by a letter or digit, and
 * one ending in CJK or punctuation by anything.
 */
const END_OF_TERM = `(?:(?<!${WORD_CHAR})|(?<=${LETTER_CHAR})(?!${LETTER_CHAR})|(?<=${DIGIT_CHAR})(?!${WORD_CHAR}))`;

/** A trie of terms, one edge per character; two marker edges stand for optional separators between parts. */
interface TrieNode {
  readonly next: Map<string, TrieNode>;
  /** A term ends here. */
  end: boolean;
}

/** Between parts written apart ("Meta AI", "gpt-4o") or an acronym hump ("OpenAI", "ChatGPT"): any separator. */
const OPTIONAL_SEPARATOR = "";
/** Between camelCase humps of words ("DeepSeek", "ByteDance"): a hyphen-like separator but not a space. */
const OPTIONAL_HUMP_SEPARATOR = "\u0000";

/**
 * A term as trie edges: its parts, split at separators, letter/digit changes and camelCase humps, joined by
 * optional separators. Expects the term with visible characters only, case preserved.
 */
function termUnits(term: string): string[] {
  const units: string[] = [];
  for (const written of term.split(SEPARATOR_RUN)) {
    if (written === "") continue;
    const humps = written.split(CAMEL_HUMP);
    humps.forEach((hump, humpIndex) => {
      const parts = skeleton(hump)
        .split(LETTER_DIGIT_CHANGE)
        .filter((part) => part !== "");
      parts.forEach((part, partIndex) => {
        if (units.length > 0) {
          const acronym = /^\p{Lu}{2,}$/u.test(hump);
          const camel = humpIndex > 0 && partIndex === 0 && !acronym;
          units.push(camel ? OPTIONAL_HUMP_SEPARATOR : OPTIONAL_SEPARATOR);
        }
        units.push(...part);
      });
    });
  }
  return units;
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
  if (unit === OPTIONAL_SEPARATOR) return `[${SEPARATORS}]?`;
  if (unit === OPTIONAL_HUMP_SEPARATOR) return `[${HUMP_SEPARATORS}]?`;
  return unit.replace(SYNTAX_CHARS, "\\$&");
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
function combinedPattern(termsUnits: readonly (readonly string[])[]): RegExp | null {
  const bounded: TrieNode = { next: new Map(), end: false };
  const unbounded: TrieNode = { next: new Map(), end: false };
  for (const units of termsUnits) {
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
  return new RegExp(`(?=[${firstChars}])(?:${alternatives.join("|")})${PLURAL}${END_OF_TERM}`, "gv");
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
 * regular expression; `find` scans each reading of the text once.
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
  const byKey = new Map<string, { hit: LeakHit; units: string[] }>();
  for (const source of sources) {
    const spelling = source.spelling.trim();
    const normalized = normalize(spelling).trim();
    const key = termKey(normalized);
    if (byKey.has(key) || !isSearchable(normalized)) continue;
    if (source.checkGeneric && GENERIC_WORDS.has(key)) continue;
    byKey.set(key, {
      hit: { term: spelling, model: source.model },
      units: termUnits(visibleCharacters(spelling)),
    });
  }

  const anyTerm = combinedPattern([...byKey.values()].map((entry) => entry.units));
  const hitByKey = new Map([...byKey].map(([key, entry]) => [key, entry.hit]));

  /** The term a match names, trying it without a plural ending too. */
  const lookup = (matched: string): { key: string; hit: LeakHit } | null => {
    const key = termKey(matched);
    for (const candidate of [key, key.replace(/s$/, ""), key.replace(/es$/, "")]) {
      const hit = hitByKey.get(candidate);
      if (hit !== undefined) return { key: candidate, hit };
    }
    return null;
  };

  return {
    terms: [...byKey.values()].map((entry) => entry.hit.term),
    find(text: string): LeakHit | null {
      if (anyTerm === null) return null;
      let plain: string | null = null;
      for (const reading of readings(text)) {
        for (const match of reading.matchAll(anyTerm)) {
          const found = lookup(match[0]);
          // Every match comes from one of the terms, so it is always found; the check keeps types honest.
          if (found === null) continue;
          if (EVERYDAY_WORDS.has(found.key)) {
            plain ??= plainForm(text);
            const disguised = !plain.includes(match[0]);
            if (!disguised && !isIdentityUse(reading, match.index, match[0])) continue;
          }
          return { ...found.hit };
        }
      }
      return null;
    },
  };
}
