// Option schemas and checks more than one command uses.
import { z } from "zod";
import { resolveCategory } from "../src/arena/categories.ts";
import type { Place } from "../src/arena/types.ts";

/** A leaderboard category as typed; resolved against the caller's place by `categoryKey`. */
export const categoryInput = z.string().trim().default("overall");

export const UNKNOWN_CATEGORY =
  "Unknown category. Try overall, coding, long, multiturn, community (this community), platform, a language such as French, or lang:eng.";

/** The category key, or null when the text names no category. */
export function categoryKey(typed: string, place: Place): string | null {
  return resolveCategory(typed, place);
}
