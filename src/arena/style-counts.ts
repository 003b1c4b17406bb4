// The style counts of an answer that LMArena's style control uses (src/ranking/style.ts): tokens, markdown
// headers, list items and bold spans. Markdown is counted outside fenced code blocks (a "# comment" in a Python
// block is no header); tokens are counted over the whole answer, o200k encoding.
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import type { StyleCounts } from "../ranking/style.ts";

export const NO_STYLE: StyleCounts = { tokens: 0, headers: 0, lists: 0, bold: 0 };

const FENCED_BLOCK = /```[^`]*```/g;
const HEADER = /^#{1,6}\s/gm;
const ORDERED_ITEM = /^\s*\d+\.\s/gm;
const UNORDERED_ITEM = /^\s*[-*+]\s/gm;
const BOLD_STARS = /\*\*[^*\n]+\*\*/g;
const BOLD_UNDERSCORES = /__[^_\n]+__/g;

function matches(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}

/** The style counts of one answer. */
export function countStyle(answer: string): StyleCounts {
  const prose = answer.replace(FENCED_BLOCK, "");
  return {
    tokens: countTokens(answer, { disallowedSpecial: new Set() }),
    headers: matches(prose, HEADER),
    lists: matches(prose, ORDERED_ITEM) + matches(prose, UNORDERED_ITEM),
    bold: matches(prose, BOLD_STARS) + matches(prose, BOLD_UNDERSCORES),
  };
}

/** Counts of several answers together (all assistant turns of one side of a battle). */
export function addStyle(x: StyleCounts, y: StyleCounts): StyleCounts {
  return {
    tokens: x.tokens + y.tokens,
    headers: x.headers + y.headers,
    lists: x.lists + y.lists,
    bold: x.bold + y.bold,
  };
}
