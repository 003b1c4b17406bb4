// Leaderboards as text: an aligned monospace table (Telegram <pre>, Discord code blocks) and pages of
// plain data shaped like Discord embeds. No platform library is imported here: adapters translate.
import type { Leaderboard, RatedModel } from "../ranking/types.ts";
import {
  codePointLength,
  formatCount,
  formatInteger,
  formatInterval,
  formatQuantity,
  shortenMiddle,
} from "./format.ts";

export interface TableOptions {
  /** Characters per line; the model column shrinks to fit. Default 48 (readable on a phone). */
  readonly maxWidth?: number;
  /** At most this many models; default: as many as fit in `maxChars`. */
  readonly maxRows?: number;
  /** Shown in the title line. */
  readonly category?: string;
  /** Models with fewer battles get a provisional mark (*); default 0 (no mark). */
  readonly minBattles?: number;
  /** Length budget of the whole text; default 4096, one Telegram message. */
  readonly maxChars?: number;
}

const DEFAULT_MAX_WIDTH = 48;
const TELEGRAM_MESSAGE_LIMIT = 4096;
const MIN_NAME_WIDTH = 6;

/** True when a model has fewer battles than the provisional threshold. */
export function isProvisional(model: RatedModel, minBattles: number | undefined): boolean {
  return minBattles !== undefined && model.battles < minBattles;
}

function titleOf(category: string | undefined): string {
  return category ? `Leaderboard · ${category}` : "Leaderboard";
}

function summaryOf(board: Leaderboard): string {
  const ci = board.ci === "none" ? "" : ` · 95% CI (${board.ci})`;
  return `${formatQuantity(board.battles, "battle")} · ${formatQuantity(board.models.length, "model")}${ci}`;
}

// A model name must not close the code block it is shown in.
function safeName(name: string): string {
  return name.replaceAll("`", "'");
}

interface Column {
  readonly header: string;
  readonly align: "left" | "right";
  readonly cell: (model: RatedModel) => string;
}

/** An aligned monospace leaderboard, at most `maxChars` long. Escape it for HTML before putting it in <pre>. */
export function renderMonospaceTable(board: Leaderboard, opts: TableOptions = {}): string {
  const maxWidth = opts.maxWidth ?? DEFAULT_MAX_WIDTH;
  const maxChars = opts.maxChars ?? TELEGRAM_MESSAGE_LIMIT;
  const title = shortenMiddle(titleOf(opts.category), maxWidth);
  if (board.models.length === 0) return `${title}\nNo battles counted yet.`;

  const anyProvisional = board.models.some((m) => isProvisional(m, opts.minBattles));
  const manyGroups = board.components.length > 1;
  const numberColumns: Column[] = [
    {
      header: "Rating",
      align: "right",
      cell: (m) =>
        `${Math.round(m.rating)}${anyProvisional ? (isProvisional(m, opts.minBattles) ? "*" : " ") : ""}`,
    },
  ];
  if (board.ci !== "none") {
    numberColumns.push({
      header: "95% CI",
      align: "right",
      cell: (m) => formatInterval(m.rating, m.lower, m.upper),
    });
  }
  numberColumns.push({ header: "Battles", align: "right", cell: (m) => formatCount(m.battles) });
  if (manyGroups) numberColumns.push({ header: "G", align: "right", cell: (m) => String(m.component + 1) });

  const rankColumn: Column = { header: "#", align: "right", cell: (m) => String(m.rankUb) };
  const widthOf = (column: Column) =>
    Math.max(codePointLength(column.header), ...board.models.map((m) => codePointLength(column.cell(m))));
  const fixedWidth = [rankColumn, ...numberColumns].reduce((sum, c) => sum + widthOf(c) + 2, 0);
  const longestName = Math.max(5, ...board.models.map((m) => codePointLength(safeName(m.model))));
  const nameWidth = Math.max(MIN_NAME_WIDTH, Math.min(longestName, maxWidth - fixedWidth));
  const nameColumn: Column = {
    header: "Model",
    align: "left",
    cell: (m) => shortenMiddle(safeName(m.model), nameWidth),
  };
  const columns = [rankColumn, nameColumn, ...numberColumns];
  const widths = columns.map((c) => (c === nameColumn ? nameWidth : widthOf(c)));

  const line = (cells: readonly string[]) =>
    cells
      .map((text, i) => {
        const pad = " ".repeat(Math.max(0, (widths[i] ?? 0) - codePointLength(text)));
        return columns[i]?.align === "right" ? pad + text : text + pad;
      })
      .join("  ")
      .trimEnd();

  const header = line(columns.map((c) => c.header));
  const rule = "─".repeat(codePointLength(header));
  const rows = board.models.map((m) => line(columns.map((c) => c.cell(m))));

  const notes: string[] = [];
  if (anyProvisional) notes.push(`* provisional: under ${formatInteger(opts.minBattles ?? 0)} battles`);
  if (manyGroups) notes.push("G: groups never compared; ratings compare within a group");
  const head = [title, summaryOf(board), "", header, rule];

  const textLength = (lines: readonly string[]) => lines.reduce((sum, l) => sum + l.length + 1, -1);
  let shown = Math.min(rows.length, opts.maxRows ?? rows.length);
  const build = (count: number) => {
    const more = rows.length - count;
    const tail = more > 0 ? [`… ${formatInteger(more)} more`, ...notes] : notes;
    return [...head, ...rows.slice(0, count), ...(tail.length > 0 ? ["", ...tail] : [])];
  };
  while (shown > 0 && textLength(build(shown)) > maxChars) shown--;
  return build(shown).join("\n");
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** The table as Telegram HTML (`parse_mode: "HTML"`): `<pre>…</pre>`, escaped, within one 4096-char message. */
export function telegramTableHtml(board: Leaderboard, opts: TableOptions = {}): string {
  const limit = opts.maxChars ?? TELEGRAM_MESSAGE_LIMIT;
  let budget = limit - "<pre></pre>".length;
  for (;;) {
    const html = `<pre>${escapeHtml(renderMonospaceTable(board, { ...opts, maxChars: budget }))}</pre>`;
    if (html.length <= limit || budget <= 0) return html;
    budget -= html.length - limit;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Discord embeds, as plain data.

/** Discord's documented embed limits. */
export const DISCORD_EMBED_LIMITS = {
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  total: 6000,
} as const;

export interface EmbedField {
  readonly name: string;
  readonly value: string;
  readonly inline: boolean;
}

export interface EmbedPage {
  readonly title: string;
  readonly description: string;
  readonly fields: readonly EmbedField[];
  readonly footer: string;
}

export interface PageOptions {
  /** Models per page, 1–25; default 10. */
  readonly pageSize?: number;
  readonly category?: string;
  readonly minBattles?: number;
}

/** Characters Discord counts towards an embed's 6000 total. */
export function embedLength(page: EmbedPage): number {
  return (
    page.title.length +
    page.description.length +
    page.footer.length +
    page.fields.reduce((sum, f) => sum + f.name.length + f.value.length, 0)
  );
}

function fieldFor(
  board: Leaderboard,
  m: RatedModel,
  minBattles: number | undefined,
  nameLimit: number,
): EmbedField {
  const group = board.components.length > 1 ? ` · group ${m.component + 1}` : "";
  const prefix = `#${m.rankUb} · `;
  const name = prefix + shortenMiddle(m.model, nameLimit - prefix.length - group.length) + group;
  const interval = board.ci === "none" ? "" : ` (${formatInterval(m.rating, m.lower, m.upper)})`;
  const provisional = isProvisional(m, minBattles) ? " · *provisional*" : "";
  const value = `**${Math.round(m.rating)}**${interval} · ${formatQuantity(m.battles, "battle")}${provisional}`;
  return { name, value: value.slice(0, DISCORD_EMBED_LIMITS.fieldValue), inline: false };
}

/** The leaderboard as pages of embed-shaped data, each within Discord's embed limits. */
export function leaderboardPages(board: Leaderboard, opts: PageOptions = {}): EmbedPage[] {
  const pageSize = Math.min(DISCORD_EMBED_LIMITS.fields, Math.max(1, Math.floor(opts.pageSize ?? 10)));
  const title = shortenMiddle(titleOf(opts.category), DISCORD_EMBED_LIMITS.title);
  if (board.models.length === 0) {
    return [{ title, description: "No battles counted yet.", fields: [], footer: "" }];
  }
  const notes = ["Rank (UB): 1 + models surely better"];
  if (board.models.some((m) => isProvisional(m, opts.minBattles))) {
    notes.push(`*provisional*: under ${formatInteger(opts.minBattles ?? 0)} battles`);
  }
  if (board.components.length > 1) notes.push("groups were never compared");
  const description = summaryOf(board);
  const pageCount = Math.ceil(board.models.length / pageSize);
  const pages: EmbedPage[] = [];
  for (let p = 0; p < pageCount; p++) {
    const models = board.models.slice(p * pageSize, (p + 1) * pageSize);
    const footer = [`Page ${p + 1}/${pageCount}`, ...notes].join(" · ");
    // Long names are the only unbounded part: share what the 6000 total leaves among the field names.
    const values = models.map(
      (m) => fieldFor(board, m, opts.minBattles, DISCORD_EMBED_LIMITS.fieldName).value,
    );
    const fixed =
      title.length + description.length + footer.length + values.reduce((sum, v) => sum + v.length, 0);
    const nameLimit = Math.min(
      DISCORD_EMBED_LIMITS.fieldName,
      Math.floor((DISCORD_EMBED_LIMITS.total - fixed) / models.length),
    );
    const fields = models.map((m) => fieldFor(board, m, opts.minBattles, nameLimit));
    const page: EmbedPage = { title, description, fields, footer };
    pages.push(page);
  }
  return pages;
}
