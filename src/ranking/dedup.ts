// Prompt deduplication as LMArena does it (FastChat's monitor/deduplication.py): count the battles of each
// distinct prompt, take the q-quantile of those counts as a cutoff, and of every prompt asked more often than
// the cutoff keep only ⌊cutoff⌋ battles drawn at random (seeded), so that a flood of "hi" cannot outweigh
// everything else. Battles without a known prompt are kept.
import { quantile } from "./bootstrap.ts";
import type { FastChatBattles } from "./fastchat.ts";
import { createRandom } from "./random.ts";

export interface DedupResult {
  /** 1 for a row kept, 0 for a row dropped as a duplicate prompt. */
  readonly keep: Uint8Array;
  /** The q-quantile of the battles-per-prompt counts (NaN when no row has a prompt). */
  readonly cutoff: number;
  readonly dropped: number;
  /** Prompts asked more often than the cutoff. */
  readonly frequentPrompts: number;
}

/** Which rows survive; `prompt[row]` is a prompt id, −1 for unknown. Throws unless 0 ≤ q ≤ 1. */
export function dedupPrompts(prompt: Int32Array, q: number, seed: number): DedupResult {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`the dedup quantile must be in [0, 1], got ${q}`);
  const rowsOf = new Map<number, number[]>();
  for (let row = 0; row < prompt.length; row++) {
    const id = prompt[row] ?? -1;
    if (id < 0) continue;
    let rows = rowsOf.get(id);
    if (rows === undefined) {
      rows = [];
      rowsOf.set(id, rows);
    }
    rows.push(row);
  }
  const keep = new Uint8Array(prompt.length).fill(1);
  if (rowsOf.size === 0) return { keep, cutoff: Number.NaN, dropped: 0, frequentPrompts: 0 };
  const counts = Float64Array.from(rowsOf.values(), (rows) => rows.length).sort();
  const cutoff = quantile(counts, q);
  const allowed = Math.floor(cutoff);
  const random = createRandom(seed, 0x5eed);
  let dropped = 0;
  let frequentPrompts = 0;
  // Map order is first appearance in the file: the draw depends only on the data and the seed.
  for (const rows of rowsOf.values()) {
    if (rows.length <= cutoff) continue;
    frequentPrompts++;
    // A partial Fisher–Yates shuffle puts a uniform random `allowed`-subset first.
    for (let i = 0; i < allowed; i++) {
      const j = i + Math.floor(random.next() * (rows.length - i));
      [rows[i], rows[j]] = [rows[j] ?? 0, rows[i] ?? 0];
    }
    for (let i = allowed; i < rows.length; i++) keep[rows[i] ?? 0] = 0;
    dropped += rows.length - allowed;
  }
  return { keep, cutoff, dropped, frequentPrompts };
}

/** The battles with duplicate-prompt rows removed and counted under skipped.duplicate_prompt. */
export function deduplicateBattles(
  battles: FastChatBattles,
  q: number,
  seed: number,
): FastChatBattles & { readonly dedup: DedupResult } {
  if (battles.prompt === undefined) throw new Error("deduplication needs battles parsed with prompts");
  const result = dedupPrompts(battles.prompt, q, seed);
  const rows: number[] = [];
  for (let row = 0; row < battles.count; row++) if (result.keep[row] === 1) rows.push(row);
  const pick = <T extends Float64Array | Int32Array>(values: T, width = 1): T => {
    const out = new (values.constructor as new (length: number) => T)(rows.length * width);
    rows.forEach((row, index) => {
      for (let j = 0; j < width; j++) out[index * width + j] = values[row * width + j] ?? 0;
    });
    return out;
  };
  const width = battles.styleA === undefined ? 0 : battles.styleA.length / Math.max(battles.count, 1);
  return {
    models: battles.models,
    count: rows.length,
    modelA: pick(battles.modelA),
    modelB: pick(battles.modelB),
    outcome: pick(battles.outcome),
    tstamp: pick(battles.tstamp),
    skipped:
      result.dropped > 0
        ? { ...battles.skipped, duplicate_prompt: (battles.skipped.duplicate_prompt ?? 0) + result.dropped }
        : battles.skipped,
    ...(battles.styleA !== undefined && battles.styleB !== undefined
      ? { styleA: pick(battles.styleA, width), styleB: pick(battles.styleB, width) }
      : {}),
    prompt: pick(battles.prompt),
    dedup: result,
  };
}
