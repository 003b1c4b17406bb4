// Option schemas more than one command takes.
import { z } from "zod";
import { isValidCategory } from "../src/arena/categories.ts";

/** A leaderboard category key; "overall" when left out. */
export const categoryInput = z
  .string()
  .trim()
  .default("overall")
  .refine(isValidCategory, { message: "unknown category: try overall, coding, long, multiturn or lang:eng" });
