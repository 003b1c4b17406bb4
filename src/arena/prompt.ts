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

/**
 * Normalises the prompt (normalizePrompt) and checks it: not empty, at most PROMPT_MAX_CHARS characters, and naming no registered model
 * or provider (the answers would no longer be anonymous). Errors are user-facing and say what to change.
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
