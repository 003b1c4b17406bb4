// Pairwise matrices for charts: observed win fraction, battle counts, and win rates the ratings predict.
import type { ComparisonTable, Leaderboard, Matrix } from "./types.ts";

/** Row/column order: `order` if given (models missing from the table get empty rows), else the table's. */
function pairwiseMatrix(
  table: ComparisonTable,
  order: readonly string[] | undefined,
  include: (outcome: number) => boolean,
  value: (score: number, total: number) => number | null,
): Matrix {
  const models = order ?? table.models;
  const position = new Map(models.map((model, index) => [model, index]));
  const tablePosition = table.models.map((model) => position.get(model) ?? -1);
  const size = models.length;
  const score = new Float64Array(size * size);
  const total = new Float64Array(size * size);
  for (let row = 0; row < table.count.length; row++) {
    const outcome = table.outcome[row] ?? 0;
    if (!include(outcome)) continue;
    const i = tablePosition[table.a[row] ?? 0] ?? -1;
    const j = tablePosition[table.b[row] ?? 0] ?? -1;
    if (i < 0 || j < 0) continue;
    const weight = table.count[row] ?? 0;
    score[i * size + j] = (score[i * size + j] ?? 0) + weight * outcome;
    score[j * size + i] = (score[j * size + i] ?? 0) + weight * (1 - outcome);
    total[i * size + j] = (total[i * size + j] ?? 0) + weight;
    total[j * size + i] = (total[j * size + i] ?? 0) + weight;
  }
  const values = models.map((_, i) =>
    models.map((_, j) => (i === j ? null : value(score[i * size + j] ?? 0, total[i * size + j] ?? 0))),
  );
  return { models, values };
}

/**
 * values[i][j] = share of the decided (non-tie) battles between i and j that i won; null without any.
 * A fractional outcome other than 0.5 counts as that fraction of a win.
 */
export function winFractionMatrix(table: ComparisonTable, order?: readonly string[]): Matrix {
  return pairwiseMatrix(
    table,
    order,
    (outcome) => outcome !== 0.5,
    (score, total) => (total > 0 ? score / total : null),
  );
}

/** values[i][j] = comparisons between i and j (ties included); the diagonal is null. */
export function battleCountMatrix(table: ComparisonTable, order?: readonly string[]): Matrix {
  return pairwiseMatrix(
    table,
    order,
    () => true,
    (_score, total) => total,
  );
}

/**
 * values[i][j] = P(i beats j) = 1 / (1 + 10^((Rj − Ri)/400)) in the leaderboard's order; null on the
 * diagonal and between models of different components, whose ratings are not comparable.
 */
export function predictedWinRateMatrix(leaderboard: Leaderboard): Matrix {
  const rated = leaderboard.models;
  return {
    models: rated.map((entry) => entry.model),
    values: rated.map((row) =>
      rated.map((column) =>
        row === column || row.component !== column.component
          ? null
          : 1 / (1 + 10 ** ((column.rating - row.rating) / 400)),
      ),
    ),
  };
}
