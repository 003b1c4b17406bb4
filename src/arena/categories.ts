// Categories a battle counts in (DESIGN.md "Ranking"): overall, language, coding, long prompt, multi-turn,
// platform and community. Every key is a plain string so that the store can aggregate per key.
import { francAll } from "franc";
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";

/** A battle whose user turns total at least this many tokens (o200k encoding) counts as "long". */
export const LONG_PROMPT_TOKENS = 500;

export const OVERALL = "overall";
export const CODING = "coding";
export const LONG = "long";
export const MULTITURN = "multiturn";
/** Prompts the judge model labelled with at least HARD_PROMPT_CRITERIA of LMArena's seven criteria (judge.ts). */
export const HARD = "hard";

/**
 * Languages given a category: the most used languages of chat assistants (ISO 639-3, as franc names them).
 * Limiting franc to these makes its guesses on short prompts far more reliable than choosing among 400.
 */
export const LANGUAGE_CODES: readonly string[] = [
  "eng",
  "cmn",
  "spa",
  "fra",
  "deu",
  "rus",
  "jpn",
  "kor",
  "por",
  "ita",
  "pol",
  "nld",
  "tur",
  "vie",
  "arb",
  "pes",
  "ind",
  "zlm",
  "ukr",
  "ces",
  "slk",
  "hun",
  "ron",
  "bul",
  "hrv",
  "srp",
  "slv",
  "swe",
  "dan",
  "nob",
  "fin",
  "est",
  "lav",
  "lit",
  "ell",
  "heb",
  "tha",
  "hin",
  "ben",
  "urd",
  "tam",
  "tel",
  "mar",
  "tgl",
  "swh",
  "cat",
];
const LANGUAGE_SET = new Set(LANGUAGE_CODES);

/** Below this many characters of prose, a language shared by several scripts' languages is not guessed. */
const LANGUAGE_MIN_CHARS = 20;
/** franc scores the best language 1; the runner-up must score at most this for the guess to count. */
const LANGUAGE_MAX_RUNNER_UP = 0.9;

const FENCED_CODE = /(```|~~~)[\s\S]*?(?:\1|$)/g;
const INLINE_CODE = /`[^`\n]*`/g;
const URL = /\bhttps?:\/\/\S+/g;

/** The ISO 639-3 code of the prompt's language, or null when franc is not confident. Code and URLs are ignored. */
export function detectLanguage(text: string): string | null {
  const prose = text.replace(FENCED_CODE, " ").replace(INLINE_CODE, " ").replace(URL, " ").trim();
  const ranked = francAll(prose, { only: [...LANGUAGE_CODES], minLength: 4 });
  const [best, runnerUp] = ranked;
  if (best === undefined || best[0] === "und") return null;
  // A script used by one language only (Japanese kana, Hangul, Thai, Greek, …): no runner-up, no doubt.
  if (runnerUp === undefined) return best[0];
  if ([...prose].length < LANGUAGE_MIN_CHARS || runnerUp[1] > LANGUAGE_MAX_RUNNER_UP) return null;
  return best[0];
}

// Coding: precise rather than greedy. A prompt is about code when it shows code, names a technology that only
// exists in programming, or pairs a programming language whose name is also an ordinary word (Python, Java,
// Rust, …) with a programming word, or uses two distinct programming words of which one is a core word
// ("program" and "array").
const CODE_SYNTAX: readonly RegExp[] = [
  /```|~~~/,
  /`[^`\n]*[(){}[\];=<>][^`\n]*`/,
  /\b(?:def|fn|func)\s+[A-Za-z_]\w*\s*\(/,
  /\bfunction\s*[A-Za-z_$]?[\w$]*\s*\([^)]*\)\s*\{/,
  /\b(?:const|var)\s+[A-Za-z_$][\w$]*\s*=/,
  /#include\s*[<"]/,
  /^\s*(?:import\s+[\w.]+(?:\s+as\s+\w+)?|from\s+[\w.]+\s+import\s+[\w*, ]+)\s*;?\s*$/m,
  /\bimport\s+(?:\{[^}]*\}|\*\s+as\s+\w+|\w+)\s+from\s+["']/,
  /\b(?:public|private|protected)\s+(?:static\s+)?(?:void|int|String|class)\b/,
  /\b(?:console\.log|System\.out\.print\w*|printf|fmt\.Print\w*)\s*\(/,
  /\b[A-Za-z_]\w*\.[A-Za-z_]\w*\([^()\n]*\)/,
  /\bTraceback \(most recent call last\)/,
  /\b[A-Z]\w*(?:Error|Exception):/,
  /\bSELECT\s+[\w*,.\s]+?\s+FROM\s+\w+/,
  /<\/?(?:div|span|html|body|head|script|button|input|form|table|ul|li)\b[^>]*>/i,
  /\b(?:npm|pnpm|pip3?|cargo|git|docker|kubectl|brew|apt-get)\s+(?:install|run|build|commit|push|pull|clone|add|apply|exec|init|checkout|rebase|merge)\b/,
];

/** Names and phrases that exist only in programming; one is enough. */
const TECH_TERMS = [
  "javascript",
  "typescript",
  "c\\+\\+",
  "c#",
  "golang",
  "kotlin",
  "php",
  "sql",
  "mysql",
  "postgres(?:ql)?",
  "sqlite",
  "mongodb",
  "html",
  "css",
  "json",
  "yaml",
  "regex(?:es|p)?",
  "regular expressions?",
  "numpy",
  "pytorch",
  "tensorflow",
  "node\\.?js",
  "npm",
  "dockerfile",
  "docker",
  "kubernetes",
  "leetcode",
  "django",
  "haskell",
  "matlab",
  "fortran",
  "cobol",
  "verilog",
  "powershell",
  "bash scripts?",
  "shell scripts?",
  "github",
  "gitlab",
  "stack ?overflow",
  "linked lists?",
  "binary search(?: trees?)?",
  "hash ?maps?",
  "hash tables?",
  "time complexity",
  "space complexity",
  "big[- ]o notation",
  "data structures?",
  "stack traces?",
  "syntax errors?",
  "compiler errors?",
  "runtime errors?",
  "segmentation faults?",
  "segfaults?",
  "null pointers?",
  "unit tests?",
  "unit testing",
  "pull requests?",
  "merge conflicts?",
  "source code",
  "code review",
  "quicksort",
  "bubble sort",
  "merge sort",
  "dynamic programming",
  "object[- ]oriented",
  "rest api",
  "graphql",
  "webpack",
  "jquery",
];

/** Programming languages whose names are also ordinary words: they count only with a programming word. */
const AMBIGUOUS_LANGUAGES = ["python", "java", "rust", "ruby", "swift", "perl", "scala", "lua", "dart"];

/** Programming words that are also ordinary words: a language name or a second distinct word must come with
 * them, and of two words one must be a core word ("a movie script about a class reunion" is not coding). */
const PROGRAMMING_WORD_PATTERNS: readonly { readonly pattern: string; readonly core: boolean }[] = [
  { pattern: "code|coding", core: true },
  { pattern: "functions?", core: true },
  { pattern: "algorithms?", core: true },
  { pattern: "compil(?:e|es|er|ers|ing|ed)", core: true },
  { pattern: "debug(?:s|ging|ged|ger)?", core: true },
  { pattern: "refactor(?:s|ing|ed)?", core: true },
  { pattern: "programming", core: true },
  { pattern: "recursion|recursive(?:ly)?", core: true },
  { pattern: "arrays?", core: true },
  { pattern: "apis?", core: true },
  { pattern: "databases?", core: true },
  { pattern: "software", core: true },
  { pattern: "syntax", core: true },
  { pattern: "programs?", core: false },
  { pattern: "scripts?", core: false },
  { pattern: "variables?", core: false },
  { pattern: "loops?", core: false },
  { pattern: "class(?:es)?", core: false },
  { pattern: "methods?", core: false },
  { pattern: "bugs?", core: false },
  { pattern: "librar(?:y|ies)", core: false },
  { pattern: "frameworks?", core: false },
  { pattern: "implement(?:s|ing|ation|ed)?", core: false },
];

function wordsPattern(words: readonly string[]): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}_])(?:${words.join("|")})(?![\\p{L}\\p{N}_])`, "iu");
}

const TECH_TERM = wordsPattern(TECH_TERMS);
const AMBIGUOUS_LANGUAGE = wordsPattern(AMBIGUOUS_LANGUAGES);
const PROGRAMMING_WORDS = PROGRAMMING_WORD_PATTERNS.map(({ pattern, core }) => ({
  regex: wordsPattern([pattern]),
  core,
}));

/** Whether the text is about programming (see the rules above). */
export function isCodingPrompt(text: string): boolean {
  if (CODE_SYNTAX.some((pattern) => pattern.test(text)) || TECH_TERM.test(text)) return true;
  let distinctWords = 0;
  let hasCoreWord = false;
  for (const word of PROGRAMMING_WORDS) {
    if (!word.regex.test(text)) continue;
    distinctWords++;
    hasCoreWord ||= word.core;
  }
  if (distinctWords === 0) return false;
  return AMBIGUOUS_LANGUAGE.test(text) || (distinctWords >= 2 && hasCoreWord);
}

/** Tokens of all user turns, o200k encoding; special-token text ("<|endoftext|>") counts as ordinary text. */
export function countUserTokens(userTurns: readonly string[]): number {
  let total = 0;
  for (const turn of userTurns) total += countTokens(turn, { disallowedSpecial: new Set() });
  return total;
}

export interface CategoryInput {
  readonly userTurns: readonly string[];
  readonly platform: string;
  readonly community: string;
}

/**
 * The category keys of a battle: always "overall"; `lang:<iso639-3>` when the language is clear; "coding";
 * "long" (user turns ≥ LONG_PROMPT_TOKENS tokens); "multiturn" (more than one user turn); `platform:<name>`;
 * `community:<platform>:<id>`.
 */
export function categorize(input: CategoryInput): string[] {
  const platform = input.platform.toLowerCase();
  const text = input.userTurns.join("\n\n");
  const categories = [OVERALL];
  const language = detectLanguage(text);
  if (language !== null) categories.push(`lang:${language}`);
  if (isCodingPrompt(text)) categories.push(CODING);
  if (countUserTokens(input.userTurns) >= LONG_PROMPT_TOKENS) categories.push(LONG);
  if (input.userTurns.length > 1) categories.push(MULTITURN);
  categories.push(`platform:${platform}`, `community:${platform}:${input.community}`);
  return categories;
}

const NAME = "[a-z0-9][a-z0-9_-]{0,31}";
const PLATFORM_KEY = new RegExp(`^platform:${NAME}$`);
// Discord snowflakes, Telegram chat ids (negative for groups), or other platforms' opaque ids.
const COMMUNITY_KEY = new RegExp(`^community:${NAME}:-?[A-Za-z0-9_.@-]{1,64}$`);

/** Whether `key` is a category key (for a user-typed category option). */
export function isValidCategory(key: string): boolean {
  if (key === OVERALL || key === CODING || key === LONG || key === MULTITURN || key === HARD) return true;
  if (key.startsWith("lang:")) return LANGUAGE_SET.has(key.slice("lang:".length));
  return PLATFORM_KEY.test(key) || COMMUNITY_KEY.test(key);
}

const LANGUAGE_NAMES = new Intl.DisplayNames(["en"], { type: "language" });
/** Where the ICU data has no English name for franc's code. */
const LANGUAGE_NAME_OVERRIDES: Readonly<Record<string, string>> = { zlm: "Malay" };
const PLATFORM_NAMES: Readonly<Record<string, string>> = { discord: "Discord", telegram: "Telegram" };

function languageName(code: string): string {
  const override = LANGUAGE_NAME_OVERRIDES[code];
  if (override !== undefined) return override;
  try {
    const name = LANGUAGE_NAMES.of(code);
    return name === undefined || name === code ? `Language ${code}` : name;
  } catch {
    return `Language ${code}`;
  }
}

/** The category of the community `place` belongs to. */
export function communityCategory(place: { readonly platform: string; readonly community: string }): string {
  return `community:${place.platform.toLowerCase()}:${place.community}`;
}

/**
 * A short readable label for a category key, for leaderboard titles and option choices. A community's
 * category reads "This community" only for a viewer in that community (`viewer`), so that no title ever
 * mislabels another community's board.
 */
export function categoryLabel(
  key: string,
  viewer?: { readonly platform: string; readonly community: string },
): string {
  if (key === OVERALL) return "Overall";
  if (key === CODING) return "Coding";
  if (key === LONG) return `Long prompts (≥ ${LONG_PROMPT_TOKENS} tokens)`;
  if (key === MULTITURN) return "Multi-turn";
  if (key === HARD) return "Hard prompts";
  if (key.startsWith("lang:")) return languageName(key.slice("lang:".length));
  if (key.startsWith("platform:")) {
    const platform = key.slice("platform:".length);
    return PLATFORM_NAMES[platform] ?? platform.charAt(0).toUpperCase() + platform.slice(1);
  }
  if (key.startsWith("community:")) {
    if (viewer !== undefined && key === communityCategory(viewer)) return "This community";
    const [, platform = "", id = ""] = key.split(":");
    return `Community ${id} on ${PLATFORM_NAMES[platform] ?? platform}`;
  }
  return key;
}

/**
 * A category as a person types it → its key, or null: keys as they are ("lang:eng", "coding"), and the
 * shorthands "community" / "this community" (the community of `place`), "platform" (its platform) and a
 * language's English name ("French" → "lang:fra").
 */
export function resolveCategory(
  typed: string,
  place: { readonly platform: string; readonly community: string },
): string | null {
  const text = typed.trim();
  const lower = text.toLowerCase();
  if (lower === "") return OVERALL;
  if (lower === "community" || lower === "this community" || lower === "here")
    return communityCategory(place);
  if (lower === "platform") return `platform:${place.platform.toLowerCase()}`;
  if (isValidCategory(text)) return text;
  if (isValidCategory(lower)) return lower;
  const language = LANGUAGE_CODES.find((code) => languageName(code).toLowerCase() === lower);
  return language === undefined ? null : `lang:${language}`;
}
