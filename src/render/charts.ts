// PNG charts of a leaderboard, drawn by Vega-Lite: ratings with 95% intervals, the win-fraction heat map and
// the battle-count matrix. Solid card backgrounds keep them readable on light and dark chat themes alike.
import { writeFile } from "node:fs/promises";
import type { TopLevelSpec } from "vega-lite";
import type { Leaderboard, Matrix } from "../ranking/types.ts";
import { FONT_FAMILY, textWidth } from "./font.ts";
import { distinctShortNames, formatCount, formatInteger, formatQuantity } from "./format.ts";
import { specToPng } from "./png.ts";

export type ChartTheme = "light" | "dark";

export interface ChartOptions {
  /** Card colours; default "light" (a white card reads well on both chat themes). */
  readonly theme?: ChartTheme;
  /** Pixel density; default 2 (sharp on phones), less for charts so big that 2 would pass ~3 megapixels. */
  readonly scale?: number;
  /** Replaces the default title. */
  readonly title?: string;
  /** Added to the subtitle, e.g. "coding". */
  readonly category?: string;
}

export interface RatingsChartOptions extends ChartOptions {
  /** Models with fewer battles are drawn as open circles. */
  readonly minBattles?: number;
  /** Draw at most this many models (the best by rating); default all. */
  readonly maxModels?: number;
}

export interface MatrixChartOptions extends ChartOptions {
  /** Models in display order (e.g. the leaderboard's); default the matrix's own order. */
  readonly order?: readonly string[];
  /** Draw the first this many models of that order; default 20. */
  readonly maxModels?: number;
}

interface Palette {
  readonly background: string;
  readonly text: string;
  readonly muted: string;
  readonly grid: string;
  readonly emptyCell: string;
  readonly groups: readonly string[];
}

const PALETTES: Record<ChartTheme, Palette> = {
  light: {
    background: "#ffffff",
    text: "#1f2328",
    muted: "#59636e",
    grid: "#e4e7eb",
    emptyCell: "#f2f3f5",
    groups: ["#2563eb", "#d9480f", "#0f9d58", "#9c36b5", "#0b7285", "#c2255c"],
  },
  dark: {
    background: "#1e1f22",
    text: "#e8eaed",
    muted: "#a2a8b0",
    grid: "#3a3d42",
    emptyCell: "#2b2d31",
    groups: ["#6ea8fe", "#ff922b", "#51cf66", "#cc5de8", "#3bc9db", "#f06595"],
  },
};

const LABEL_FONT_SIZE = 12;
const MAX_LABEL_WIDTH = 270;

function baseConfig(palette: Palette) {
  return {
    font: FONT_FAMILY,
    view: { stroke: null },
    axis: {
      labelColor: palette.text,
      titleColor: palette.muted,
      domainColor: palette.grid,
      tickColor: palette.grid,
      gridColor: palette.grid,
      labelFontSize: LABEL_FONT_SIZE,
      titleFontSize: 12,
      titleFontWeight: "normal" as const,
      labelLimit: MAX_LABEL_WIDTH + 20,
      // Vega caps the room for labels at 200 px by default, which would put the title over long names.
      maxExtent: MAX_LABEL_WIDTH + 60,
    },
    legend: { labelColor: palette.text, titleColor: palette.muted, labelFontSize: 12, titleFontSize: 12 },
    title: {
      color: palette.text,
      subtitleColor: palette.muted,
      fontSize: 18,
      fontWeight: "bold" as const,
      subtitleFontSize: 12,
      anchor: "start" as const,
      offset: 14,
      subtitlePadding: 4,
    },
  };
}

/** Subtitle lines: the category first when there is one, then the parts, at most three to a line. */
function subtitleLines(category: string | undefined, parts: readonly string[]): string[] {
  const all = [...(category ? [`category: ${category}`] : []), ...parts];
  const lines: string[] = [];
  for (let i = 0; i < all.length; i += 3) lines.push(all.slice(i, i + 3).join(" · "));
  return lines;
}

function shortLabels(names: readonly string[]): string[] {
  return distinctShortNames(names, MAX_LABEL_WIDTH, (s) => textWidth(s, LABEL_FONT_SIZE));
}

function messageCardSpec(title: string, message: string, opts: ChartOptions): TopLevelSpec {
  const palette = PALETTES[opts.theme ?? "light"];
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: 360,
    height: 60,
    padding: 20,
    background: palette.background,
    title: { text: title },
    data: { values: [{ message }] },
    mark: { type: "text", fontSize: 14, color: palette.muted, align: "left", x: 0, y: 30 },
    encoding: { text: { field: "message", type: "nominal" } },
    config: baseConfig(palette),
  };
}

function toPng(spec: TopLevelSpec, opts: ChartOptions): Promise<Uint8Array> {
  return specToPng(spec, opts.scale, PALETTES[opts.theme ?? "light"].background);
}

/** Ratings with their 95% intervals, best first; groups of models never compared get their own colour. */
export function renderRatingsChart(board: Leaderboard, opts: RatingsChartOptions = {}): Promise<Uint8Array> {
  return toPng(ratingsChartSpec(board, opts), opts);
}

/** The Vega-Lite specification of `renderRatingsChart` (the web page draws the same chart, interactive). */
export function ratingsChartSpec(board: Leaderboard, opts: RatingsChartOptions = {}): TopLevelSpec {
  const palette = PALETTES[opts.theme ?? "light"];
  const title = opts.title ?? "Arena leaderboard";
  if (board.models.length === 0) return messageCardSpec(title, "No battles counted yet.", opts);

  // Ratings of models that were never compared, even indirectly, are on unrelated scales: one block per group.
  const models = [...board.models]
    .sort((x, y) => x.component - y.component || y.rating - x.rating)
    .slice(0, opts.maxModels);
  const labels = shortLabels(models.map((m) => m.model));
  const manyGroups = board.components.length > 1;
  const groupName = (component: number) =>
    `group ${component + 1} (${board.components[component]?.length ?? 0} models)`;
  const rows = models.map((m, i) => ({
    label: labels[i],
    model: m.model,
    interval: `${Math.round(m.lower)} – ${Math.round(m.upper)}`,
    battles: m.battles,
    rating: m.rating,
    lower: m.lower,
    upper: m.upper,
    value: String(Math.round(m.rating)),
    group: groupName(m.component),
    provisional: opts.minBattles !== undefined && m.battles < opts.minBattles,
  }));

  const low = Math.min(...models.map((m) => m.lower));
  const high = Math.max(...models.map((m) => m.upper));
  const span = Math.max(high - low, 20);
  // Room on the right for the rating printed after each bar.
  const domain = [Math.floor(low - span * 0.04), Math.ceil(high + span * 0.12)];
  const groupsShown = [...new Set(models.map((m) => m.component))].sort((x, y) => x - y);
  const color = manyGroups
    ? {
        field: "group",
        type: "nominal" as const,
        scale: {
          domain: groupsShown.map(groupName),
          range: groupsShown.map((c) => palette.groups[c % palette.groups.length] ?? palette.text),
        },
        legend: {
          title: null,
          orient: "top" as const,
          direction: "horizontal" as const,
          symbolType: "circle",
          symbolOpacity: 1,
        },
      }
    : { value: palette.groups[0] ?? palette.text };
  const x = {
    type: "quantitative" as const,
    scale: { domain, zero: false, nice: false },
  };

  // Tooltips change nothing in a PNG; on the web page (vega-embed) they name the point under the pointer.
  const tooltip = [
    { field: "model", type: "nominal" as const, title: "Model" },
    { field: "value", type: "nominal" as const, title: "Rating" },
    { field: "interval", type: "nominal" as const, title: "95% interval" },
    { field: "battles", type: "quantitative" as const, title: "Battles" },
  ];
  const notes = [
    formatQuantity(board.battles, "battle"),
    `${board.models.length} models`,
    board.ci === "none" ? "no intervals" : `95% CI (${board.ci})`,
  ];
  if (models.length < board.models.length) notes.push(`top ${models.length} shown`);
  if (manyGroups) notes.push("ratings compare only within a group");
  if (rows.some((r) => r.provisional))
    notes.push(`○ provisional: under ${formatInteger(opts.minBattles ?? 0)} battles`);

  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: 520,
    height: { step: 20 },
    padding: 20,
    background: palette.background,
    title: { text: title, subtitle: subtitleLines(opts.category, notes) },
    data: { values: rows },
    encoding: {
      y: {
        field: "label",
        type: "nominal",
        sort: null,
        axis: { title: null, domain: false, ticks: false, labelPadding: 8 },
      },
    },
    layer: [
      {
        mark: { type: "rule", strokeWidth: 3, strokeCap: "round", opacity: 0.45 },
        encoding: {
          x: { ...x, field: "lower", axis: { title: "Rating (95% interval)", grid: true, tickCount: 8 } },
          x2: { field: "upper" },
          color,
          tooltip,
        },
      },
      {
        transform: [{ filter: "!datum.provisional" }],
        mark: { type: "point", filled: true, size: 70, opacity: 1 },
        encoding: { x: { ...x, field: "rating" }, color, tooltip },
      },
      {
        transform: [{ filter: "datum.provisional" }],
        mark: { type: "point", filled: false, size: 70, strokeWidth: 2, opacity: 1 },
        encoding: { x: { ...x, field: "rating" }, color, tooltip },
      },
      {
        mark: { type: "text", align: "left", baseline: "middle", dx: 7, fontSize: 11, color: palette.muted },
        encoding: { x: { ...x, field: "upper" }, text: { field: "value", type: "nominal" } },
      },
    ],
    config: baseConfig(palette),
  };
}

interface MatrixCell {
  readonly row: string;
  readonly col: string;
  readonly rowModel: string;
  readonly colModel: string;
  readonly value: number;
  readonly text: string;
}

function selectModels(matrix: Matrix, opts: MatrixChartOptions): number[] {
  const index = new Map(matrix.models.map((m, i) => [m, i]));
  const order = opts.order ?? matrix.models;
  const picked: number[] = [];
  for (const model of order) {
    const i = index.get(model);
    if (i !== undefined) picked.push(i);
  }
  return picked.slice(0, opts.maxModels ?? 20);
}

function matrixChartSpec(
  matrix: Matrix,
  opts: MatrixChartOptions,
  kind: {
    title: string;
    subtitle: string;
    format: (value: number) => string;
    colorScale: Record<string, unknown>;
    /** Cells whose colour is dark enough for light text. */
    darkCell: string;
    /** What a cell's value is, for its tooltip. */
    valueTitle: string;
    /** Axis titles, or null where rows and columns mean the same (a symmetric matrix). */
    rowTitle: string | null;
    columnTitle: string | null;
  },
): TopLevelSpec {
  const palette = PALETTES[opts.theme ?? "light"];
  const picked = selectModels(matrix, opts);
  if (picked.length === 0) return messageCardSpec(kind.title, "No battles counted yet.", opts);
  const labels = shortLabels(picked.map((i) => matrix.models[i] ?? ""));
  const cells: MatrixCell[] = [];
  picked.forEach((i, r) => {
    picked.forEach((j, c) => {
      const value = matrix.values[i]?.[j];
      if (i === j || value === null || value === undefined || !Number.isFinite(value)) return;
      cells.push({
        row: labels[r] ?? "",
        col: labels[c] ?? "",
        rowModel: matrix.models[i] ?? "",
        colModel: matrix.models[j] ?? "",
        value,
        text: kind.format(value),
      });
    });
  });
  const subtitle = [kind.subtitle];
  if (picked.length < matrix.models.length)
    subtitle.push(`top ${picked.length} of ${matrix.models.length} models`);
  const step = picked.length <= 12 ? 42 : 34;
  const axisScale = { domain: labels };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: { step },
    height: { step },
    padding: 20,
    background: palette.background,
    title: { text: opts.title ?? kind.title, subtitle: subtitleLines(opts.category, subtitle) },
    data: { values: cells },
    encoding: {
      x: {
        field: "col",
        type: "nominal",
        scale: axisScale,
        axis: {
          title: kind.columnTitle,
          orient: "top",
          labelAngle: -45,
          labelAlign: "left",
          domain: false,
          ticks: false,
        },
      },
      y: {
        field: "row",
        type: "nominal",
        scale: axisScale,
        axis: { title: kind.rowTitle, domain: false, ticks: false },
      },
    },
    layer: [
      {
        mark: { type: "rect", stroke: palette.background, strokeWidth: 1.5 },
        encoding: {
          color: { field: "value", type: "quantitative", scale: kind.colorScale, legend: null },
          tooltip: [
            { field: "rowModel", type: "nominal", title: kind.rowTitle ?? "Model" },
            { field: "colModel", type: "nominal", title: kind.columnTitle ?? "Opponent" },
            { field: "text", type: "nominal", title: kind.valueTitle },
          ],
        },
      },
      {
        mark: { type: "text", fontSize: step >= 40 ? 12 : 11, baseline: "middle" },
        encoding: {
          text: { field: "text", type: "nominal" },
          color: { condition: { test: kind.darkCell, value: "#ffffff" }, value: "#1f2328" },
        },
      },
    ],
    config: { ...baseConfig(palette), view: { stroke: null, fill: palette.emptyCell } },
  };
}

/** Fraction of non-tie battles that the row model won against the column model; top 20 by default. */
export function renderWinFractionHeatmap(matrix: Matrix, opts: MatrixChartOptions = {}): Promise<Uint8Array> {
  return toPng(winFractionChartSpec(matrix, opts), opts);
}

/** The Vega-Lite specification of `renderWinFractionHeatmap`. */
export function winFractionChartSpec(matrix: Matrix, opts: MatrixChartOptions = {}): TopLevelSpec {
  return matrixChartSpec(matrix, opts, {
    title: "Win fraction of model A against model B",
    subtitle: "non-tie battles · empty cell: no battle",
    format: (v) => v.toFixed(2),
    colorScale: { scheme: "redblue", domain: [0, 1], domainMid: 0.5 },
    darkCell: "datum.value < 0.2 || datum.value > 0.8",
    valueTitle: "Win fraction of A",
    rowTitle: "Model A",
    columnTitle: "Model B",
  });
}

/** How many battles each pair of models fought; top 20 by default. */
export function renderBattleCountChart(matrix: Matrix, opts: MatrixChartOptions = {}): Promise<Uint8Array> {
  return toPng(battleCountChartSpec(matrix, opts), opts);
}

/** The Vega-Lite specification of `renderBattleCountChart`. */
export function battleCountChartSpec(matrix: Matrix, opts: MatrixChartOptions = {}): TopLevelSpec {
  let max = 0;
  for (const row of matrix.values) for (const v of row) if (v !== null && v > max) max = v;
  return matrixChartSpec(matrix, opts, {
    title: "Battles between each pair of models",
    subtitle: "all counted battles, ties included",
    format: (v) => formatCount(Math.round(v)),
    colorScale: { scheme: "blues", domain: [0, Math.max(1, max)] },
    darkCell: `datum.value > ${0.55 * Math.max(1, max)}`,
    valueTitle: "Battles",
    rowTitle: null,
    columnTitle: null,
  });
}

/** Writes OUT-ratings.png, OUT-winfraction.png and OUT-counts.png; returns their paths. */
export async function writeLeaderboardCharts(
  outPrefix: string,
  board: Leaderboard,
  winMatrix: Matrix,
  countMatrix: Matrix,
  opts: ChartOptions & { readonly minBattles?: number } = {},
): Promise<string[]> {
  const order = board.models.map((m) => m.model);
  const charts: [string, Promise<Uint8Array>][] = [
    [`${outPrefix}-ratings.png`, renderRatingsChart(board, opts)],
    [`${outPrefix}-winfraction.png`, renderWinFractionHeatmap(winMatrix, { ...opts, order })],
    [`${outPrefix}-counts.png`, renderBattleCountChart(countMatrix, { ...opts, order })],
  ];
  for (const [path, png] of charts) await writeFile(path, await png);
  return charts.map(([path]) => path);
}
