// Validation of a /battle prompt before anything is generated (DESIGN.md "A battle", step 1).
import stripAnsi from "strip-ansi";
import type { LeakDetector } from "./leak.ts";

/** Longest prompt accepted, in characters (Unicode code points). */
export const PROMPT_MAX_CHARS = 8000;

export type PromptCheck = { ok: true; prompt: string } | { ok: false; error: string };

const EXAMPLE = "/battle Explain recursion to a ten-year-old";

function formatCount(count: number): string {
  return count.toLocaleString("en-US");
}

// C0 controls but tab and newline, DEL and C1 controls; bidi embeddings, overrides, isolates and marks, which can
// make a prompt display differently from what the models read (Trojan Source).
const CONTROLS = /[^\P{Cc}\n\t]/gu;
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// What shows nothing on screen: whitespace, format characters and default-ignorable code points (zero-width
// spaces and joiners, the Hangul filler, variation selectors, …).
const INVISIBLE = /[\s\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;

/**
 * The prompt as stored and sent to the models: terminal escape codes, control characters (but newline and tab)
 * and bidi controls removed, line breaks as \n, NFC-composed, trimmed.
 */
export function normalizePrompt(text: string): string {
  return stripAnsi(text.replace(/\r\n?/g, "\n"))
    .replace(CONTROLS, "")
    .replace(BIDI_CONTROLS, "")
    .normalize("NFC")
    .trim();
}

// Questions about the answering model's own identity, in the languages the bot's users write most. A battle is
// anonymous, so these are refused; a prompt that merely mentions a name that is also a word ("Claude Monet")
// is left to the leak detector's rules.
const IDENTITY_QUESTIONS: readonly RegExp[] = [
  /\b(?:who|what)\s+(?:are|r)\s+(?:you|u)\b(?!\s+(?:doing|going|reading|planning|thinking|talking|looking|trying|working|writing|making|saying|up\s+to))/i,
  /\bwhat(?:'|’|\s+i)?s\s+your\s+(?:real\s+|actual\s+|true\s+|model\s+)?(?:name|model|maker|creator|developer|identity|provider|version)\b/i,
  /\bwhat\s+is\s+your\s+(?:real\s+|actual\s+|true\s+|model\s+)?(?:name|model|maker|creator|developer|identity|provider|version)\b/i,
  /\bwho\s+(?:made|built|trained|created|developed|designed|owns|programmed)\s+you\b/i,
  /\b(?:which|what)\s+(?:company|companies|organi[sz]ation|lab|team|firm|model|llm|ai)\b[^.?!\n]{0,60}\b(?:trained|made|built|created|developed|designed|owns|are)\s+you\b/i,
  /\b(?:company|organi[sz]ation|lab|team|firm|people)\s+(?:that|who|which)\s+(?:trained|made|built|created|developed|designed|owns)\s+you\b/i,
  /\b(?:tell|give|spell|reveal|say|write|type|print|state)\s+(?:me\s+|us\s+)?(?:out\s+)?your\s+(?:own\s+|real\s+|actual\s+|model\s+)?(?:name|model|maker|creator|identity)\b/i,
  /\b(?:are\s+you|r\s+u)\s+(?:made|built|trained|created|developed)\s+by\b/i,
  /\bintroduce\s+yourself\b/i,
  /你是谁|你是誰|你叫什么|你叫什麼|你的名字|谁(?:开发|训练|创造|制作)了你|誰(?:開發|訓練|創造|製作)了你|你是(?:哪个|哪個|什么|什麼)(?:模型|公司)/,
  /あなたは誰|あなたはだれ|あなたの名前|君は誰|お名前は/,
  /누구(?:세요|니|야|입니까)|이름이\s*(?:뭐|무엇)/,
  /qui[ée]n\s+eres|c[óo]mo\s+te\s+llamas|qui\s+es[-\s]tu|comment\s+t['’]appelles[-\s]tu|wer\s+bist\s+du|wie\s+hei(?:ß|ss)t\s+du|wer\s+hat\s+dich\s+(?:trainiert|gemacht|entwickelt)/i,
];

/** Whether a prompt asks the answering model who it is, what it is called or who made it. */
export function asksIdentity(prompt: string): boolean {
  const plain = prompt.normalize("NFKC");
  return IDENTITY_QUESTIONS.some((question) => question.test(plain));
}

/**
 * Normalises the prompt (normalizePrompt) and checks it: not empty, at most PROMPT_MAX_CHARS characters, and naming no registered model
 * or provider and not asking the models who they are (the answers would no longer be anonymous). Errors are user-facing and say what to change.
 */
export function validatePrompt(text: string, detector: Pick<LeakDetector, "find">): PromptCheck {
  const prompt = normalizePrompt(text);
  if (prompt.replace(INVISIBLE, "") === "") {
    if (text.trim() === "") return { ok: false, error: `Write a prompt after /battle, e.g. ${EXAMPLE}` };
    return {
      ok: false,
      error:
        "Your prompt has no visible text: it holds only invisible characters, control characters or terminal " +
        `escape codes, which are removed. Type your question as plain text, e.g. ${EXAMPLE}`,
    };
  }
  const length = [...prompt].length;
  if (length > PROMPT_MAX_CHARS) {
    return {
      ok: false,
      error:
        `Your prompt is ${formatCount(length)} characters long; the limit is ${formatCount(PROMPT_MAX_CHARS)}. ` +
        `Shorten it by ${formatCount(length - PROMPT_MAX_CHARS)} characters and try again.`,
    };
  }
  if (asksIdentity(prompt)) {
    return {
      ok: false,
      error:
        "Your prompt asks the models who they are or who made them. Battles are anonymous: the answers would " +
        "reveal the models, so the battle could not count. Ask something else, e.g. " +
        EXAMPLE.replace("/battle ", "") +
        ".",
    };
  }
  const hit = detector.find(prompt);
  if (hit !== null) {
    const what =
      hit.model === null ? "a model provider or one of its models" : "one of the models in this arena";
    return {
      ok: false,
      error:
        `Your prompt mentions "${hit.term}", which names ${what}. Battles are anonymous: the models must not ` +
        `know or reveal who they are, so please remove "${hit.term}" and try again.`,
    };
  }
  return { ok: true, prompt };
}
