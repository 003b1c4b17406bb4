// Validation of a /battle prompt before anything is generated (DESIGN.md "A battle", step 1).
import type { LeakDetector } from "./leak.ts";

/** Longest prompt accepted, in characters (Unicode code points). */
export const PROMPT_MAX_CHARS = 8000;

export type PromptCheck = { ok: true; prompt: string } | { ok: false; error: string };

const EXAMPLE = "/battle Explain recursion to a ten-year-old";

function formatCount(count: number): string {
  return count.toLocaleString("en-US");
}

/**
 * Trims the prompt and checks it: not empty, at most PROMPT_MAX_CHARS characters, and naming no registered model
 * or provider (the answers would no longer be anonymous). Errors are user-facing and say what to change.
 */
export function validatePrompt(text: string, detector: Pick<LeakDetector, "find">): PromptCheck {
  const prompt = text.trim();
  if (prompt === "") {
    return { ok: false, error: `Write a prompt after /battle, e.g. ${EXAMPLE}` };
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
