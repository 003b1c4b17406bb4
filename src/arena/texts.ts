// Everything the arena says to people, in one place: vote prompt, reveals, refusals, error descriptions.

import { truncateText } from "../render/graphemes.ts";
import type { GenerationError } from "./model-client.ts";
import type { BattleRecord } from "./store.ts";
import type { BattleNames, Reply, Tally, VoteChoice } from "./types.ts";

/** Shown above the vote buttons. */
export const VOTE_PROMPT =
  "Which answer is better? Your vote stays anonymous; the names are revealed when voting closes.";

/** The one message a user gets when a handler fails on our side (details go to the log). */
export const SOMETHING_WENT_WRONG =
  "Something went wrong on our side while handling that; it has been logged. Please try again.";

export const CHOICE_TEXT: Record<VoteChoice, string> = {
  a: "A is better",
  b: "B is better",
  tie: "Tie",
  bad: "Both are bad",
};

export const FOREIGN_COMMUNITY_BOARD =
  "That is another community's leaderboard: it can only be seen from inside that community.";

export function privateReply(text: string): Reply {
  return { visibility: "private", text };
}

/** A private answer saying what to fix; nothing was changed. */
export function refusal(text: string): Reply {
  return { visibility: "private", text, refused: true };
}

export function threadTitle(prompt: string): string {
  const oneLine = prompt.replace(/\s+/g, " ").trim();
  return `⚔️ ${truncateText(oneLine, 80)}`;
}

export function describeGenerationError(error: GenerationError): string {
  switch (error.kind) {
    case "timeout":
      return "it took too long to answer";
    case "rate_limited":
      return "its provider is rate-limiting us";
    case "provider_error":
      return `its provider returned an error${error.status ? ` (HTTP ${error.status})` : ""}`;
    case "refused":
      return "its provider refused the prompt (moderation)";
    case "interrupted":
      return "its answer was cut off mid-stream";
    case "empty":
      return "it returned an empty answer";
    case "cancelled":
      return "the generation was cancelled";
    case "config":
      return "it is not configured correctly (a moderator should check its settings)";
  }
}

export function notOpenText(battle: BattleRecord): string {
  switch (battle.state) {
    case "closed":
      return `Voting on this battle has closed. Model A was ${battle.modelA}, Model B was ${battle.modelB}.`;
    case "discarded":
      return "This battle was discarded because a model's identity leaked; it takes no votes.";
    case "errored":
      return "This battle failed while generating; it takes no votes.";
    case "generating":
      return "The answers are still being generated.";
    case "open":
      return "This battle is open.";
  }
}

export function revealText(names: BattleNames, tally: Tally, by: "window" | "creator" | "moderator"): string {
  const total = tally.a + tally.b + tally.tie + tally.bad;
  const why =
    by === "window"
      ? "The voting window ended."
      : by === "creator"
        ? "Closed by its creator."
        : "Closed by a moderator.";
  const votes =
    total === 0
      ? "No votes were cast."
      : `Votes: A is better ${tally.a} · B is better ${tally.b} · Tie ${tally.tie} · Both are bad ${tally.bad}`;
  return `🔓 Voting closed. ${why}\nModel A was ${names.a}, Model B was ${names.b}.\n${votes}`;
}

export function formatMinutes(minutes: number): string {
  if (minutes % 60 === 0) return `${minutes / 60} hour${minutes === 60 ? "" : "s"}`;
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}
