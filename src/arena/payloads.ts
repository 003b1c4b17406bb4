// Button payloads (Discord custom_id, Telegram callback_data). Opaque by design: a battle id and an action,
// never a model name or which side is which. Telegram allows 64 bytes, Discord 100 characters.
import type { ChartKind, LeaderboardOptions, LeaderboardVariant, VoteChoice } from "./types.ts";

export const PAYLOAD_MAX_BYTES = 64;

export type Payload =
  | { readonly action: "vote"; readonly battleId: string; readonly choice: VoteChoice }
  | { readonly action: "continue"; readonly battleId: string }
  | { readonly action: "close"; readonly battleId: string }
  | {
      readonly action: "page";
      readonly category: string;
      readonly chart: ChartKind;
      readonly page: number;
      readonly options?: LeaderboardOptions;
    };

const VOTE_CODES: Record<VoteChoice, string> = { a: "a", b: "b", tie: "t", bad: "x" };
const CHART_CODES: Record<ChartKind, string> = { ratings: "r", winfraction: "w", counts: "c" };
const VARIANT_CODES: Record<LeaderboardVariant, string> = { default: "", style: "s", judge: "j" };
/** A page payload's view segment: chart code, variant code, then "d" and the dedup quantile. */
const VIEW_SEGMENT = /^([rwc])([sj]?)(?:d(0|1|0\.\d{1,6}))?$/;

function invert<K extends string>(record: Record<K, string>): Map<string, K> {
  return new Map(Object.entries(record).map(([key, code]) => [code as string, key as K]));
}
const VOTE_BY_CODE = invert(VOTE_CODES);
const CHART_BY_CODE = invert(CHART_CODES);
const VARIANT_BY_CODE = invert(VARIANT_CODES);

export function encodePayload(payload: Payload): string {
  let encoded: string;
  switch (payload.action) {
    case "vote":
      encoded = `v:${payload.battleId}:${VOTE_CODES[payload.choice]}`;
      break;
    case "continue":
      encoded = `c:${payload.battleId}`;
      break;
    case "close":
      encoded = `k:${payload.battleId}`;
      break;
    case "page":
      encoded = `p:${viewSegment(payload.chart, payload.options ?? {})}:${payload.page}:${payload.category}`;
      break;
  }
  if (Buffer.byteLength(encoded) > PAYLOAD_MAX_BYTES) {
    throw new Error(`button payload over ${PAYLOAD_MAX_BYTES} bytes: ${encoded.length} characters`);
  }
  return encoded;
}

/** Returns null for anything this version did not produce (old buttons, tampered payloads). */
export function decodePayload(encoded: string): Payload | null {
  const [tag, first, second, ...rest] = encoded.split(":");
  if (tag === "v" && first && second && rest.length === 0) {
    const choice = VOTE_BY_CODE.get(second);
    return choice ? { action: "vote", battleId: first, choice } : null;
  }
  if ((tag === "c" || tag === "k") && first && second === undefined) {
    return { action: tag === "c" ? "continue" : "close", battleId: first };
  }
  if (tag === "p" && first && second !== undefined) {
    const view = VIEW_SEGMENT.exec(first);
    const chart = CHART_BY_CODE.get(view?.[1] ?? "");
    const variant = VARIANT_BY_CODE.get(view?.[2] ?? "");
    const page = Number(second);
    const category = rest.join(":");
    if (!chart || !variant || !Number.isInteger(page) || page < 0 || category === "") return null;
    const options: LeaderboardOptions = {
      ...(variant === "default" ? {} : { variant }),
      ...(view?.[3] === undefined ? {} : { dedup: Number(view[3]) }),
    };
    return { action: "page", chart, page, category, ...(Object.keys(options).length > 0 ? { options } : {}) };
  }
  return null;
}

function viewSegment(chart: ChartKind, options: LeaderboardOptions): string {
  const dedup = options.dedup === undefined ? "" : `d${Number(options.dedup.toFixed(6))}`;
  return `${CHART_CODES[chart]}${VARIANT_CODES[options.variant ?? "default"]}${dedup}`;
}
