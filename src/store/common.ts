// What both stores (SQLite and PostgreSQL) share: the pure rules of a battle's tally and canonical aggregate key,
// ids, and the shaping of rows into the port's records. Only SQL differs between them.
import { randomBytes } from "node:crypto";
import type { ModelInput, RankingBattle, Subscription } from "../arena/store.ts";
import { addStyle, countStyle, NO_STYLE } from "../arena/style-counts.ts";
import type { BattleState, Place, Side, VoteChoice, VoteExclusion } from "../arena/types.ts";
import type { StyleCounts } from "../ranking/style.ts";
import type { ComparisonCount } from "../ranking/types.ts";

export const DEFAULT_VOTING_WINDOW_SECONDS = 3600;
export const FINAL_STATES: readonly BattleState[] = ["closed", "discarded", "errored"];
export const COUNTED_BATTLES_PAGE = 1000;
/** Heartbeats older than this belong to instances long gone; any newer heartbeat deletes them. */
export const HEARTBEAT_RETENTION_MS = 24 * 3600 * 1000;

/** What the battle's own state adds to a vote's exclusions. */
export const STATE_EXCLUSION: Record<BattleState, VoteExclusion | null> = {
  generating: "not_open",
  open: null,
  closed: "after_reveal",
  discarded: "leak",
  errored: "error",
};

/** 16 base64url characters (96 random bits): short enough for button payloads. */
export function newId(): string {
  return randomBytes(12).toString("base64url");
}

/** Counted votes per choice → the battle's outcome key. */
export interface CountedTally {
  readonly a: number;
  readonly b: number;
  readonly tie: number;
  readonly bad: number;
}

export function tallyTotal(t: CountedTally): number {
  return t.a + t.b + t.tie + t.bad;
}

/**
 * The canonical aggregate key of a battle with this counted tally: modelA < modelB, outcome flipped when swapped.
 * Always computed from integer half-points, so a later decrement finds exactly the float it incremented.
 * Null for a battle without counted votes or (never expected) a model against itself.
 */
export function canonicalOutcome(
  modelA: string,
  modelB: string,
  t: CountedTally,
): { readonly modelA: string; readonly modelB: string; readonly outcome: number } | null {
  const total = tallyTotal(t);
  if (total === 0 || modelA === modelB) return null;
  const halfPoints = 2 * t.a + t.tie + t.bad;
  if (modelA < modelB) return { modelA, modelB, outcome: halfPoints / (2 * total) };
  return { modelA: modelB, modelB: modelA, outcome: (2 * total - halfPoints) / (2 * total) };
}

/** The battle's outcome (A's mean score) for a tally with at least one vote. */
export function tallyOutcome(t: CountedTally): number {
  return (2 * t.a + t.tie + t.bad) / (2 * tallyTotal(t));
}

export function battleTally(row: {
  readonly countedA: number;
  readonly countedB: number;
  readonly countedTie: number;
  readonly countedBad: number;
}): CountedTally {
  return { a: row.countedA, b: row.countedB, tie: row.countedTie, bad: row.countedBad };
}

export function addChoice(t: CountedTally, choice: VoteChoice): CountedTally {
  return { ...t, [choice]: t[choice] + 1 };
}

/** The `second` of counted_votes_per_second for a vote at this time (ms). */
export function secondOf(at: number): number {
  return Math.floor(at / 1000);
}

/** A vote's exclusions: the engine's, and what the battle's state adds. */
export function voteExclusions(state: BattleState, decided: readonly VoteExclusion[]): VoteExclusion[] {
  const exclusions = [...new Set(decided)];
  const fromState = STATE_EXCLUSION[state];
  if (fromState && !exclusions.includes(fromState)) exclusions.push(fromState);
  return exclusions;
}

/** One aggregate row a closing battle adds to: its canonical key in one of its categories. */
export interface AggregateKey {
  readonly category: string;
  readonly modelA: string;
  readonly modelB: string;
  readonly outcome: number;
}

/**
 * The aggregate rows a battle with this tally adds one to as it closes, one per category, in one fixed order (so
 * that concurrent transactions lock rows in the same order). None without counted votes.
 */
export function closingAggregateKeys(
  battle: { readonly modelA: string; readonly modelB: string; readonly categories: readonly string[] },
  tally: CountedTally,
): AggregateKey[] {
  const key = canonicalOutcome(battle.modelA, battle.modelB, tally);
  if (!key) return [];
  return [...new Set(battle.categories)].sort(compareText).map((category) => ({ category, ...key }));
}

function compareText(x: string, y: string): number {
  if (x === y) return 0;
  return x < y ? -1 : 1;
}

/** Sorts canonical rows the way aggregateCounts returns them (the primary key's order). */
export function compareCounts(x: ComparisonCount, y: ComparisonCount): number {
  if (x.modelA !== y.modelA) return compareText(x.modelA, y.modelA);
  if (x.modelB !== y.modelB) return compareText(x.modelB, y.modelB);
  return x.outcome - y.outcome;
}

/** Counted tallies per battle → one category's canonical counts (recountFromVotes). */
export function countOutcomes(
  perBattle: Iterable<{ readonly modelA: string; readonly modelB: string } & CountedTally>,
): ComparisonCount[] {
  const counts = new Map<string, ComparisonCount>();
  for (const battle of perBattle) {
    const key = canonicalOutcome(battle.modelA, battle.modelB, battle);
    if (!key) continue;
    const id = JSON.stringify([key.modelA, key.modelB, key.outcome]);
    counts.set(id, { ...key, count: (counts.get(id)?.count ?? 0) + 1 });
  }
  return [...counts.values()].sort(compareCounts);
}

/**
 * Rows to add straight into aggregates (addAggregateCounts): canonicalised, rows of one key summed, self-pairs and
 * empty rows dropped.
 */
export function canonicalRows(rows: readonly ComparisonCount[]): ComparisonCount[] {
  const summed = new Map<string, ComparisonCount>();
  for (const row of rows) {
    if (row.modelA === row.modelB || row.count <= 0) continue;
    const key =
      row.modelA < row.modelB
        ? { modelA: row.modelA, modelB: row.modelB, outcome: row.outcome }
        : { modelA: row.modelB, modelB: row.modelA, outcome: 1 - row.outcome };
    const id = JSON.stringify([key.modelA, key.modelB, key.outcome]);
    summed.set(id, { ...key, count: (summed.get(id)?.count ?? 0) + row.count });
  }
  return [...summed.values()];
}

export function placeOf(row: {
  platform: string;
  community: string;
  channel: string;
  thread: string | null;
}): Place {
  const place = { platform: row.platform, community: row.community, channel: row.channel };
  return row.thread ? { ...place, thread: row.thread } : place;
}

export function toSubscription(row: {
  readonly id: string;
  readonly platform: string;
  readonly community: string;
  readonly channel: string;
  readonly thread: string;
  readonly category: string;
  readonly everyBattles: number;
  readonly lastTop: string[];
  readonly lastBattleTotal: number;
  readonly createdAt: Date;
}): Subscription {
  return {
    id: row.id,
    place: placeOf({ ...row, thread: row.thread === "" ? null : row.thread }),
    category: row.category,
    everyBattles: row.everyBattles,
    lastTop: row.lastTop,
    lastBattleTotal: row.lastBattleTotal,
    createdAt: row.createdAt,
  };
}

export function modelFields(input: ModelInput) {
  return {
    baseUrl: input.baseUrl,
    model: input.model,
    apiKeyEnv: input.apiKeyEnv,
    aliases: [...input.aliases],
    weight: input.weight,
    enabled: input.enabled,
    maxTokens: input.maxTokens,
    temperature: input.temperature,
    systemPrompt: input.systemPrompt,
  };
}

/** The style counts kept with an answer; null for rows saved before they were kept (counted from the text). */
export function storedStyle(row: {
  readonly tokens: number | null;
  readonly headers: number | null;
  readonly lists: number | null;
  readonly bold: number | null;
}): StyleCounts | null {
  const { tokens, headers, lists, bold } = row;
  if (tokens === null || headers === null || lists === null || bold === null) return null;
  return { tokens, headers, lists, bold };
}

/** The style columns of turns for an answer being saved (null without an answer). */
export function styleColumns(content: string | null) {
  const style = content === null ? null : countStyle(content);
  return {
    styleTokens: style?.tokens ?? null,
    styleHeaders: style?.headers ?? null,
    styleLists: style?.lists ?? null,
    styleBold: style?.bold ?? null,
  };
}

/** One turn side of a ranking battle, as the rankingBattles queries return them (battle order, turn, side). */
export interface RankingTurnRow {
  readonly id: string;
  readonly modelA: string;
  readonly modelB: string;
  readonly outcome: number;
  readonly side: Side;
  readonly userContent: string;
  readonly content: string | null;
  readonly tokens: number | null;
  readonly headers: number | null;
  readonly lists: number | null;
  readonly bold: number | null;
}

/** Folds turn rows (grouped by battle) into ranking battles: the prompt and each side's style counts. */
export function rankingBattlesFrom(rows: Iterable<RankingTurnRow>): RankingBattle[] {
  type Mutable = { -readonly [K in keyof RankingBattle]: RankingBattle[K] };
  const result: Mutable[] = [];
  for (const row of rows) {
    let current = result.at(-1);
    if (current?.id !== row.id) {
      current = {
        id: row.id,
        modelA: row.modelA,
        modelB: row.modelB,
        outcome: row.outcome,
        prompt: "",
        styleA: NO_STYLE,
        styleB: NO_STYLE,
      };
      result.push(current);
    }
    const style = storedStyle(row) ?? countStyle(row.content ?? "");
    if (row.side === "a") {
      current.prompt += `${row.userContent}\n`;
      current.styleA = addStyle(current.styleA, style);
    } else {
      current.styleB = addStyle(current.styleB, style);
    }
  }
  return result;
}

/** Answers per battle and side, in turn order, from (battleId, side, content) rows. */
export function answersByBattle(
  texts: Iterable<{ readonly battleId: string; readonly side: Side; readonly content: string | null }>,
): Map<string, { a: string[]; b: string[] }> {
  const answers = new Map<string, { a: string[]; b: string[] }>();
  for (const text of texts) {
    let entry = answers.get(text.battleId);
    if (!entry) {
      entry = { a: [], b: [] };
      answers.set(text.battleId, entry);
    }
    entry[text.side].push(text.content ?? "");
  }
  return answers;
}
