// Server-rendered HTML: the table and lists work without script; page.js draws the charts from the Vega-Lite
// specs embedded as JSON data blocks (not executed, so the CSP needs no inline script).
import { battleCountChartSpec, ratingsChartSpec, winFractionChartSpec } from "../render/charts.ts";
import { formatInterval } from "../render/format.ts";
import type { BoardData } from "./data.ts";
import type { ModelBattlesResponse } from "./schema.ts";

/** Text that is already HTML. */
class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Value = Html | string | number | null | undefined | readonly Html[];

function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** A template whose values are escaped unless they are Html already. */
function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0] ?? "";
  values.forEach((value, i) => {
    if (value instanceof Html) out += value.text;
    else if (Array.isArray(value)) out += value.map((item: Html) => item.text).join("");
    else if (value !== null && value !== undefined) out += escapeHtml(String(value));
    out += strings[i + 1] ?? "";
  });
  return new Html(out);
}

/** JSON inside <script type="application/json">: "<" escaped so no value can close the element. */
function jsonBlock(id: string, value: unknown): Html {
  return new Html(
    `<script type="application/json" id="${id}">${JSON.stringify(value).replaceAll("<", "\\u003c")}</script>`,
  );
}

/** "2026-01-01 12:00 UTC" */
export function formatDate(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function layout(title: string, body: Html, scripts: boolean): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="/assets/page.css">
</head>
<body>
${body}
${
  scripts
    ? html`<script src="/assets/vega/vega.min.js"></script>
<script src="/assets/vega-lite/vega-lite.min.js"></script>
<script src="/assets/vega-embed/vega-embed.min.js"></script>
<script src="/assets/page.js"></script>`
    : ""
}
</body>
</html>
`.text;
}

export function modelHref(model: string): string {
  return `/model?name=${encodeURIComponent(model)}`;
}

export function leaderboardPage({ json, view }: BoardData): string {
  const order = json.models.map((model) => model.model);
  const category = json.categoryLabel;
  const specs = {
    ratings: ratingsChartSpec(view.board, { category, minBattles: json.minBattles }),
    winfraction: winFractionChartSpec(view.winFraction, { category, order }),
    counts: battleCountChartSpec(view.counts, { category, order }),
  };
  const options = json.categories.map(
    (entry) =>
      html`<option value="${entry.key}"${entry.key === json.category ? new Html(" selected") : ""}>${entry.label} (${entry.battles})</option>`,
  );
  const groups = new Set(json.models.map((model) => model.group)).size;
  const rows = json.models.map(
    (model) => html`<tr data-model="${model.model}">
<td class="num">${model.rank}</td>
<td><a href="${modelHref(model.model)}">${model.model}</a>${model.provisional ? html` <span class="provisional" title="fewer than ${json.minBattles} battles">provisional</span>` : ""}</td>
<td class="num">${Math.round(model.rating)}</td>
<td class="num">${json.intervals === "none" ? "–" : formatInterval(model.rating, model.lower, model.upper)}</td>
<td class="num">${Math.round(model.battles)}</td>
${groups > 1 ? html`<td class="num">${model.group}</td>` : ""}
</tr>`,
  );
  const table =
    json.models.length === 0
      ? html`<p class="empty">No closed battles counted yet in ${category}.</p>`
      : html`<table id="leaderboard">
<thead><tr><th class="num">Rank</th><th>Model</th><th class="num">Rating</th><th class="num">95% CI</th><th class="num">Battles</th>${groups > 1 ? html`<th class="num" title="models never compared with another group">Group</th>` : ""}</tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
  const charts = (
    [
      ["ratings", "Ratings with 95% intervals"],
      ["winfraction", "Win fraction"],
      ["counts", "Battle counts"],
    ] as const
  ).map(
    ([kind, title]) =>
      html`<section class="chart-section"><h2>${title}</h2><div class="chart" id="chart-${kind}" data-chart="${kind}"></div></section>`,
  );
  const body = html`<header>
<h1>Arena leaderboard</h1>
<form class="category-switch" method="get" action="/">
<label for="category">Category</label>
<select id="category" name="category">${options}</select>
<button type="submit">Show</button>
</form>
</header>
<main>
<p class="summary" id="summary">${category}: ${json.models.length} models · ${Math.round(json.battles)} battles · last update: ${json.lastUpdate ? html`<time id="last-update" datetime="${json.lastUpdate}">${formatDate(json.lastUpdate)}</time>` : html`<span id="last-update">none yet</span>`}</p>
${table}
${json.models.length === 0 ? "" : html`<div class="charts">${charts}</div>`}
<p class="links">Data: <a href="/api/leaderboard?category=${encodeURIComponent(json.category)}">leaderboard JSON</a> · <a href="/api/battles.json">battles (FastChat format)</a></p>
</main>
${jsonBlock("chart-specs", specs)}`;
  return layout(`Arena leaderboard — ${category}`, body, json.models.length > 0);
}

export function modelPage(data: ModelBattlesResponse): string {
  const rows = data.recent.map(
    (battle) => html`<tr data-battle="${battle.id}">
<td><time datetime="${battle.closedAt}">${formatDate(battle.closedAt)}</time></td>
<td><a href="${modelHref(battle.opponent)}">${battle.opponent}</a></td>
<td class="outcome-${battle.outcome}">${battle.outcome}</td>
<td class="num">${battle.votes.for} – ${battle.votes.against}${battle.votes.tie > 0 ? `, ${battle.votes.tie} tie` : ""}${battle.votes.bothBad > 0 ? `, ${battle.votes.bothBad} both bad` : ""}</td>
<td class="num">${battle.turns}</td>
<td class="prompt">${battle.prompt ?? html`<span class="muted">not public</span>`}</td>
</tr>`,
  );
  const body = html`<header><h1>${data.model}</h1><p><a href="/">← Leaderboard</a></p></header>
<main>
<p class="summary" id="summary">${data.battles} closed battles: ${data.won} won, ${data.lost} lost, ${data.tied} tied${data.battles > data.recent.length ? ` (the latest ${data.recent.length} below)` : ""}.</p>
<table id="battles">
<thead><tr><th>Closed</th><th>Opponent</th><th>Outcome</th><th class="num">Votes (for – against)</th><th class="num">Turns</th><th>Prompt</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</main>`;
  return layout(`${data.model} — Arena`, body, false);
}

export function messagePage(title: string, message: string): string {
  return layout(
    title,
    html`<header><h1>${title}</h1></header><main><p class="message">${message}</p><p><a href="/">← Leaderboard</a></p></main>`,
    false,
  );
}
