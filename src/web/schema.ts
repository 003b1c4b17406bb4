// What the web page's JSON says, as zod schemas: the server builds its answers to these types, and anyone reading
// the JSON (the tests, a community's own tools) can validate it. Strict objects: no field beyond these leaves.
import { z } from "zod";

const isoDate = z.iso.datetime();

export const webCategorySchema = z.strictObject({
  key: z.string().min(1),
  label: z.string().min(1),
  /** Counted battles in this category. */
  battles: z.number().int().nonnegative(),
});

export const webMatrixSchema = z.strictObject({
  models: z.array(z.string()),
  values: z.array(z.array(z.number().nullable())),
});

export const webRankedModelSchema = z.strictObject({
  /** 1 + models whose interval lies entirely above this one's (LMArena's "Rank (UB)"). */
  rank: z.number().int().positive(),
  model: z.string().min(1),
  rating: z.number(),
  lower: z.number(),
  upper: z.number(),
  battles: z.number().nonnegative(),
  /** Fewer battles than `minBattles`. */
  provisional: z.boolean(),
  /** Group of models compared with each other (ratings of different groups are not comparable). */
  group: z.number().int().positive(),
});

export const leaderboardResponseSchema = z.strictObject({
  category: z.string().min(1),
  categoryLabel: z.string().min(1),
  categories: z.array(webCategorySchema),
  battles: z.number().nonnegative(),
  minBattles: z.number().int().nonnegative(),
  intervals: z.enum(["sandwich", "bootstrap", "none"]),
  /** When the newest battle of this category closed; null while it has none. */
  lastUpdate: isoDate.nullable(),
  computedAt: isoDate,
  models: z.array(webRankedModelSchema),
  winFraction: webMatrixSchema,
  counts: webMatrixSchema,
});

export type WebCategory = z.infer<typeof webCategorySchema>;
export type WebRankedModel = z.infer<typeof webRankedModelSchema>;
export type LeaderboardResponse = z.infer<typeof leaderboardResponseSchema>;

export const modelBattleSchema = z.strictObject({
  id: z.string().min(1),
  closedAt: isoDate,
  opponent: z.string().min(1),
  /** The side the model was shown as. */
  side: z.enum(["A", "B"]),
  outcome: z.enum(["won", "lost", "tie"]),
  /** Counted votes from this model's point of view. */
  votes: z.strictObject({
    for: z.number().int().nonnegative(),
    against: z.number().int().nonnegative(),
    tie: z.number().int().nonnegative(),
    bothBad: z.number().int().nonnegative(),
  }),
  turns: z.number().int().nonnegative(),
  /** The first prompt, only where ARENA_WEB_PROMPTS allows it; null otherwise. */
  prompt: z.string().nullable(),
});

export const modelBattlesResponseSchema = z.strictObject({
  model: z.string().min(1),
  battles: z.number().int().nonnegative(),
  won: z.number().int().nonnegative(),
  lost: z.number().int().nonnegative(),
  tied: z.number().int().nonnegative(),
  /** Newest first, at most MODEL_BATTLES_SHOWN. */
  recent: z.array(modelBattleSchema),
});

export type ModelBattle = z.infer<typeof modelBattleSchema>;
export type ModelBattlesResponse = z.infer<typeof modelBattlesResponseSchema>;
