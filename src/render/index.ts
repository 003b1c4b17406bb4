export type { ChartOptions, ChartTheme, MatrixChartOptions, RatingsChartOptions } from "./charts.ts";
export {
  renderBattleCountChart,
  renderRatingsChart,
  renderWinFractionHeatmap,
  writeLeaderboardCharts,
} from "./charts.ts";
export { splitMessage } from "./split.ts";
export type { EmbedField, EmbedPage, PageOptions, TableOptions } from "./table.ts";
export {
  DISCORD_EMBED_LIMITS,
  embedLength,
  isProvisional,
  leaderboardPages,
  renderMonospaceTable,
  telegramTableHtml,
} from "./table.ts";
export { renderViewChart } from "./view-chart.ts";
