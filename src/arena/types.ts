// The arena's vocabulary, shared by the engine, the commands, the store port and the platform adapters.
import type { Leaderboard, Matrix } from "../ranking/types.ts";

/** "discord", "telegram", … A new platform is a new adapter folder, so this stays an open string. */
export type PlatformName = string;

/** Who acts. `userId` is the platform's id; the store only ever sees a keyed hash of it. */
export interface Actor {
  readonly platform: PlatformName;
  readonly userId: string;
  readonly displayName: string;
  /** The platform says this user administers the community (Discord Manage Server, Telegram chat admin). */
  readonly isCommunityAdmin: boolean;
}

/** Where something happens: a community (guild, chat), a channel in it and optionally a thread or topic. */
export interface Place {
  readonly platform: PlatformName;
  /** Discord guild id; Telegram chat id. A private chat is its own community. */
  readonly community: string;
  /** Discord channel id; Telegram chat id. */
  readonly channel: string;
  /** Discord thread id; Telegram forum topic id (message_thread_id) or the root message of a reply chain. */
  readonly thread?: string;
}

export interface CommandContext {
  readonly actor: Actor;
  readonly place: Place;
}

export type Side = "a" | "b";
export type VoteChoice = "a" | "b" | "tie" | "bad";

export type BattleState = "generating" | "open" | "closed" | "discarded" | "errored";

/** Why a vote did not count. A vote with no reason counted. */
export type VoteExclusion = "leak" | "error" | "after_reveal" | "rate_limit" | "flagged_voter" | "not_open";

export interface Tally {
  readonly a: number;
  readonly b: number;
  readonly tie: number;
  readonly bad: number;
}

export interface ButtonSpec {
  /** Opaque payload (Discord custom_id, Telegram callback_data): ≤ 64 bytes, never a model name or side mapping. */
  readonly id: string;
  readonly label: string;
  readonly style: "primary" | "secondary" | "success" | "danger";
}

export interface Attachment {
  readonly name: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly description?: string;
}

export type ChartKind = "ratings" | "winfraction" | "counts";

/** Which board: human votes (default), human votes with style controlled, or the judge model's votes. */
export type LeaderboardVariant = "default" | "style" | "judge";

export interface LeaderboardOptions {
  /** Default "default". */
  readonly variant?: LeaderboardVariant;
  /** Prompt deduplication quantile (LMArena's down-sampling of frequent prompts); none when absent. */
  readonly dedup?: number;
}

/** A leaderboard as the engine hands it to an adapter, which renders it with src/render. */
export interface LeaderboardView {
  readonly category: string;
  readonly categoryLabel: string;
  readonly board: Leaderboard;
  /** Models with fewer battles than this are marked provisional. */
  readonly minBattles: number;
  readonly winFraction: Matrix;
  readonly counts: Matrix;
  readonly chart: ChartKind;
  /** Zero-based page for paged renderings. */
  readonly page: number;
  readonly computedAt: Date;
  /** Absent for the default board. */
  readonly variant?: LeaderboardVariant;
  readonly dedup?: number;
  /** Lines the reply adds under its title: style coefficients, judge agreement and win rates. */
  readonly notes?: readonly string[];
}

/** What a battle's thread should be opened as. The adapter posts the reply, opens the thread, then calls
 * `Arena.placeBattle(battleId, place)`; generation starts there. */
export interface BattleOpening {
  readonly battleId: string;
  readonly threadTitle: string;
  readonly prompt: string;
}

/** A platform-neutral answer to a command or a button press. */
export interface Reply {
  readonly visibility: "private" | "public";
  /** Plain text; adapters escape it for their format. */
  readonly text: string;
  /** Rows of buttons. */
  readonly buttons?: readonly (readonly ButtonSpec[])[];
  readonly attachments?: readonly Attachment[];
  readonly leaderboard?: LeaderboardView;
  readonly battle?: BattleOpening;
  /** The request was refused (permission, invalid input, unknown target): nothing changed. */
  readonly refused?: boolean;
}

/** Asks the adapter to collect one free-text field (Discord modal); a Telegram adapter asks for a reply instead. */
export interface TextPrompt {
  readonly id: string;
  readonly title: string;
  readonly label: string;
  readonly placeholder: string;
  readonly maxLength: number;
}

export type PressResult = { readonly reply: Reply } | { readonly textPrompt: TextPrompt };

export interface BattleNames {
  readonly a: string;
  readonly b: string;
}

/** What happens later, announced to the adapter of `place.platform`. */
export type ArenaEvent =
  | {
      readonly type: "battle.turn";
      readonly battleId: string;
      readonly place: Place;
      /** 1 for the first prompt, 2 for the first follow-up, … */
      readonly turn: number;
      readonly prompt: string;
      readonly answers: { readonly a: string; readonly b: string };
      /** Vote buttons, then Continue/Close: render all rows under the answers, after `votePrompt`. */
      readonly buttons: readonly (readonly ButtonSpec[])[];
      readonly votePrompt: string;
      /** Messages remembered for earlier turns (their vote buttons): strip their buttons. */
      readonly messageIds: readonly string[];
    }
  | {
      readonly type: "battle.discarded";
      readonly battleId: string;
      readonly place: Place;
      readonly text: string;
      readonly names: BattleNames;
      /** Messages the adapter asked to remember (rememberMessage): strip their buttons. */
      readonly messageIds: readonly string[];
    }
  | {
      readonly type: "battle.errored";
      readonly battleId: string;
      readonly place: Place;
      readonly text: string;
      readonly messageIds: readonly string[];
    }
  | {
      readonly type: "battle.closed";
      readonly battleId: string;
      readonly place: Place;
      readonly text: string;
      readonly names: BattleNames;
      readonly tally: Tally;
      readonly messageIds: readonly string[];
    }
  | {
      readonly type: "leaderboard.update";
      readonly place: Place;
      readonly subscriptionId: string;
      readonly text: string;
      readonly view: LeaderboardView;
    };

export type ArenaEventListener = (event: ArenaEvent) => void | Promise<void>;
