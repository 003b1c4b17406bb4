// Battle texts that every platform shows alike: the heading of each side's answer and the stand-in for an
// empty one. Platforms add only their own formatting (bold, HTML) around them.
import type { Side } from "../arena/types.ts";

/** "Model A" for the first turn, "Model A · turn 2" for an answer to a follow-up. */
export function answerHeading(side: Side, turn: number): string {
  const name = `Model ${side.toUpperCase()}`;
  return turn > 1 ? `${name} · turn ${turn}` : name;
}

/** The answer as shown: a model that returned only whitespace is said to have answered nothing. */
export function answerBody(answer: string): string {
  return answer.trim() === "" ? "(empty answer)" : answer;
}
