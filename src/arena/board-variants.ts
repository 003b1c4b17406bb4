// The leaderboard's other views, computed from per-battle data rather than the aggregates: prompt
// deduplication, the style-controlled fit (LMArena, 2024) and the judge model's board with AlpacaEval's
// figures (human–judge agreement, win rates against a reference model, raw and length-controlled).
import { lengthControlledWinRate, winRateMetrics } from "../ranking/alpacaeval.ts";
import { dedupPrompts } from "../ranking/dedup.ts";
import {
  aggregate,
  battleCountMatrix,
  type Leaderboard,
  type Matrix,
  rankModels,
  winFractionMatrix,
} from "../ranking/index.ts";
import { rankStyleControlled, STYLE_ELEMENT_COUNT, STYLE_ELEMENTS } from "../ranking/style.ts";
import { formatQuantity } from "../render/format.ts";
import type { JudgedBattle, RankingBattle } from "./store.ts";

/** The seed of the leaderboard's deduplication draw: the same battles always keep the same rows. */
export const DEDUP_SEED = 1;
/** FastChat's deduplication key is cut at this many characters. */
const DEDUP_KEY_CHARS = 10_000;
/** Win rates listed under the judge board. */
const WIN_RATE_LINES = 10;

export interface BoardParts {
  readonly board: Leaderboard;
  readonly winFraction: Matrix;
  readonly counts: Matrix;
  readonly notes: readonly string[];
}

/** The battles that survive deduplication at quantile `q`, and a note saying how many were left out. */
export function deduplicate(
  battles: readonly RankingBattle[],
  q: number,
): { readonly kept: RankingBattle[]; readonly note: string } {
  const ids = new Map<string, number>();
  const prompt = Int32Array.from(battles, (battle) => {
    const key = battle.prompt.slice(0, DEDUP_KEY_CHARS);
    let id = ids.get(key);
    if (id === undefined) {
      id = ids.size;
      ids.set(key, id);
    }
    return id;
  });
  const result = dedupPrompts(prompt, q, DEDUP_SEED);
  const kept = battles.filter((_, row) => result.keep[row] === 1);
  const note =
    result.dropped === 0
      ? `Deduplication (quantile ${q}): no prompt is asked more than ${formatCutoff(result.cutoff)} times, nothing left out.`
      : `Deduplication (quantile ${q}): ${formatQuantity(result.dropped, "battle")} of ${formatQuantity(result.frequentPrompts, "frequent prompt")} left out (at most ${Math.floor(result.cutoff)} kept per prompt).`;
  return { kept, note };
}

function formatCutoff(cutoff: number): string {
  return Number.isFinite(cutoff) ? String(Math.floor(cutoff)) : "0";
}

function tableOf(battles: readonly { modelA: string; modelB: string; outcome: number }[]) {
  return aggregate(battles.map(({ modelA, modelB, outcome }) => ({ modelA, modelB, outcome })));
}

/** The plain Bradley–Terry board of these battles (sandwich intervals, as the default board). */
export async function plainBoard(battles: readonly RankingBattle[], notes: readonly string[]) {
  const table = tableOf(battles);
  return {
    board: await rankModels(table, { ci: "sandwich" }),
    winFraction: winFractionMatrix(table),
    counts: battleCountMatrix(table),
    notes,
  } satisfies BoardParts;
}

const ELEMENT_NAMES: Record<(typeof STYLE_ELEMENTS)[number], string> = {
  tokens: "length",
  headers: "headers",
  lists: "lists",
  bold: "bold",
};

/** Ratings with answer length and markdown held equal, and the fitted style coefficients as notes. */
export async function styleBoard(
  battles: readonly RankingBattle[],
  notes: readonly string[],
): Promise<BoardParts> {
  const table = tableOf(battles);
  const models = [...table.models];
  const index = new Map(models.map((model, i) => [model, i]));
  const k = STYLE_ELEMENT_COUNT;
  const styleA = new Float64Array(battles.length * k);
  const styleB = new Float64Array(battles.length * k);
  battles.forEach((battle, row) => {
    STYLE_ELEMENTS.forEach((element, j) => {
      styleA[row * k + j] = battle.styleA[element];
      styleB[row * k + j] = battle.styleB[element];
    });
  });
  const fitted = await rankStyleControlled(
    {
      models,
      count: battles.length,
      modelA: Int32Array.from(battles, (battle) => index.get(battle.modelA) ?? 0),
      modelB: Int32Array.from(battles, (battle) => index.get(battle.modelB) ?? 0),
      outcome: Float64Array.from(battles, (battle) => battle.outcome),
      styleA,
      styleB,
    },
    { ci: "sandwich" },
  );
  const coefficients = fitted.coefficients
    .map((c) =>
      c.std === 0
        ? `${ELEMENT_NAMES[c.element]} — (no variation)`
        : `${ELEMENT_NAMES[c.element]} ${signed(c.value)} [${signed(c.lower)}, ${signed(c.upper)}]`,
    )
    .join(", ");
  return {
    board: fitted.leaderboard,
    winFraction: winFractionMatrix(table),
    counts: battleCountMatrix(table),
    notes: [
      ...notes,
      `Style coefficients (logit per standard deviation, 95% interval): ${coefficients}.`,
      "Ratings are what each model would score if both answers had the same length and markdown.",
    ],
  };
}

function signed(value: number): string {
  return `${value >= 0 ? "+" : "−"}${Math.abs(value).toFixed(3)}`;
}

/** A human outcome as a verdict: A (1), B (0) or tie (0.5). */
function humanVerdict(outcome: number): number {
  return outcome > 0.5 ? 1 : outcome < 0.5 ? 0 : 0.5;
}

/**
 * Human–judge agreement as AlpacaEval counts it: 1 when both prefer the same side (or both call it a tie), 0 when
 * they prefer opposite sides, 0.5 when exactly one of them calls it a tie. Battles without a human outcome are
 * left out. NaN when there is none.
 */
export function humanJudgeAgreement(battles: readonly JudgedBattle[]): { share: number; battles: number } {
  let sum = 0;
  let count = 0;
  for (const battle of battles) {
    if (battle.humanOutcome === null) continue;
    sum += 1 - Math.abs(humanVerdict(battle.humanOutcome) - battle.judgeOutcome);
    count++;
  }
  return { share: count === 0 ? Number.NaN : sum / count, battles: count };
}

export interface ReferenceWinRate {
  readonly model: string;
  readonly battles: number;
  /** AlpacaEval's win rate (%) and its standard error, and the length-controlled rate (%). */
  readonly winRate: number;
  readonly standardError: number;
  readonly lengthControlled: number;
}

/** Each model's judge win rate against `reference`, from their battles with it, best length-controlled first. */
export function referenceWinRates(battles: readonly JudgedBattle[], reference: string): ReferenceWinRate[] {
  const byModel = new Map<string, { preference: number; own: string; base: string }[]>();
  for (const battle of battles) {
    const referenceIsA = battle.modelA === reference;
    if (!referenceIsA && battle.modelB !== reference) continue;
    const model = referenceIsA ? battle.modelB : battle.modelA;
    if (model === reference) continue;
    const score = referenceIsA ? 1 - battle.judgeOutcome : battle.judgeOutcome;
    const list = byModel.get(model) ?? [];
    list.push({
      preference: 1 + score,
      own: referenceIsA ? battle.answerB : battle.answerA,
      base: referenceIsA ? battle.answerA : battle.answerB,
    });
    byModel.set(model, list);
  }
  const rates: ReferenceWinRate[] = [];
  for (const [model, list] of byModel) {
    const raw = winRateMetrics(list.map((entry) => entry.preference));
    const controlled = lengthControlledWinRate(
      list.map((entry) => ({
        generator1: reference,
        generator2: model,
        output1: entry.base,
        output2: entry.own,
        preference: entry.preference,
        instruction: "",
      })),
    );
    rates.push({
      model,
      battles: list.length,
      winRate: raw.win_rate,
      standardError: raw.standard_error,
      lengthControlled: controlled.rate,
    });
  }
  return rates.sort((x, y) => y.lengthControlled - x.lengthControlled || (x.model < y.model ? -1 : 1));
}

function percent(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(1)}%` : "—";
}

/** The judge's own board: Bradley–Terry on its votes, with agreement and reference win rates as notes. */
export async function judgeBoard(
  battles: readonly JudgedBattle[],
  judge: string | null,
  reference: string | null,
): Promise<BoardParts> {
  const table = tableOf(
    battles.map((battle) => ({ modelA: battle.modelA, modelB: battle.modelB, outcome: battle.judgeOutcome })),
  );
  const agreement = humanJudgeAgreement(battles);
  const notes = [
    `Votes of the judge model${judge === null ? "" : ` ${judge}`}, never counted in the human leaderboard.`,
    agreement.battles === 0
      ? "Human–judge agreement: no closed battle with human votes yet."
      : `Human–judge agreement: ${percent(100 * agreement.share)} over ${formatQuantity(agreement.battles, "battle")} (a tie against a preference counts half).`,
  ];
  if (reference !== null) {
    const rates = referenceWinRates(battles, reference);
    if (rates.length === 0) notes.push(`Win rate against ${reference}: no judged battle with it yet.`);
    else {
      notes.push(`Win rate against ${reference} (raw ± standard error / length-controlled):`);
      for (const rate of rates.slice(0, WIN_RATE_LINES)) {
        notes.push(
          `• ${rate.model}: ${percent(rate.winRate)}${Number.isFinite(rate.standardError) ? ` ± ${rate.standardError.toFixed(1)}` : ""} / ${percent(rate.lengthControlled)} (${formatQuantity(rate.battles, "battle")})`,
        );
      }
    }
  }
  return {
    board: await rankModels(table, { ci: "sandwich" }),
    winFraction: winFractionMatrix(table),
    counts: battleCountMatrix(table),
    notes,
  };
}
