// Counted battles in FastChat's clean-battle format, so any arena tool (and `arena rank`) can read them.
import { categoryLabel } from "./categories.ts";
import type { CountedBattle } from "./store.ts";

export interface FastChatRecord {
  readonly question_id: string;
  readonly model_a: string;
  readonly model_b: string;
  readonly winner: "model_a" | "model_b" | "tie" | "tie (bothbad)";
  readonly judge: string;
  readonly turn: number;
  readonly anony: true;
  readonly language: string;
  readonly tstamp: number;
  /** Beyond FastChat: the exact mean of the counted votes (A = 1), and the votes behind it. */
  readonly outcome: number;
  readonly votes: CountedBattle["tally"];
  readonly platform: string;
  readonly category_tags: readonly string[];
}

/**
 * FastChat needs one winner per battle; ours is the mean of several votes. The winner is the side the mean
 * favours; an even mean is a tie, "tie (bothbad)" when both-bad votes outnumber tie votes. `outcome` keeps
 * the exact value.
 */
export function toFastChatRecord(battle: CountedBattle): FastChatRecord {
  const winner =
    battle.outcome > 0.5
      ? "model_a"
      : battle.outcome < 0.5
        ? "model_b"
        : battle.tally.bad > battle.tally.tie
          ? "tie (bothbad)"
          : "tie";
  const language = battle.categories.find((category) => category.startsWith("lang:"));
  return {
    question_id: battle.id,
    model_a: battle.modelA,
    model_b: battle.modelB,
    winner,
    judge: `arena-bot:${battle.platform}`,
    turn: battle.turns,
    anony: true,
    language: language ? categoryLabel(language) : "unknown",
    tstamp: (battle.closedAt ?? battle.createdAt).getTime() / 1000,
    outcome: battle.outcome,
    votes: battle.tally,
    platform: battle.platform,
    category_tags: battle.categories,
  };
}
