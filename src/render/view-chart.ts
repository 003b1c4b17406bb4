// The chart a leaderboard view asks for, as an attachment: one place for both adapters and the sandbox.
import type { Attachment, LeaderboardView } from "../arena/types.ts";
import { renderBattleCountChart, renderRatingsChart, renderWinFractionHeatmap } from "./charts.ts";

export async function renderViewChart(view: LeaderboardView): Promise<Attachment | null> {
  if (view.board.models.length === 0) return null;
  const order = view.board.models.map((model) => model.model);
  const common = { category: view.categoryLabel };
  switch (view.chart) {
    case "ratings":
      return {
        name: "leaderboard-ratings.png",
        contentType: "image/png",
        description: `Ratings with 95% intervals — ${view.categoryLabel}`,
        data: await renderRatingsChart(view.board, { ...common, minBattles: view.minBattles }),
      };
    case "winfraction":
      return {
        name: "leaderboard-winfraction.png",
        contentType: "image/png",
        description: `Win fraction on non-tie battles, top 20 — ${view.categoryLabel}`,
        data: await renderWinFractionHeatmap(view.winFraction, { ...common, order }),
      };
    case "counts":
      return {
        name: "leaderboard-counts.png",
        contentType: "image/png",
        description: `Battle counts, top 20 — ${view.categoryLabel}`,
        data: await renderBattleCountChart(view.counts, { ...common, order }),
      };
  }
}
