// Leaderboards from the store's aggregate counts (O(models²), not O(votes)), cached until the next counted
// vote, and the update publisher that announces changes to subscribed channels.
import { battleCountMatrix, rankModels, tableFromCounts, winFractionMatrix } from "../ranking/index.ts";
import { formatQuantity } from "../render/format.ts";
import { categoryLabel } from "./categories.ts";
import type { Logger } from "./logger.ts";
import { encodePayload } from "./payloads.ts";
import type { ArenaStore, Subscription } from "./store.ts";
import type { ArenaEvent, ButtonSpec, ChartKind, LeaderboardView, Place, Reply } from "./types.ts";

/** Rows a leaderboard page shows; renderers fit pages within each platform's limits. */
export const LEADERBOARD_PAGE_SIZE = 20;
export const TOP_SIZE = 10;

type Snapshot = Omit<LeaderboardView, "chart" | "page">;

export interface LeaderboardServiceOptions {
  readonly store: ArenaStore;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly provisionalBattles: number;
  readonly publishEveryBattles: number;
  readonly emit: (event: ArenaEvent) => void;
  /** Platforms this process serves: it publishes only to their subscriptions (only their adapters can post). */
  readonly servedPlatforms?: () => readonly string[];
}

export class LeaderboardService {
  private readonly cache = new Map<string, { version: number; snapshot: Promise<Snapshot> }>();
  private publishing: Promise<void> | null = null;
  private publishAgain = false;

  constructor(private readonly options: LeaderboardServiceOptions) {}

  /** The leaderboard of `category` as a viewer at `viewer` sees it (labels depend on where it is shown). */
  async view(
    category: string,
    chart: ChartKind = "ratings",
    page = 0,
    viewer?: Place,
  ): Promise<LeaderboardView> {
    const snapshot = await this.snapshot(category);
    const pages = Math.max(1, Math.ceil(snapshot.board.models.length / LEADERBOARD_PAGE_SIZE));
    return {
      ...snapshot,
      categoryLabel: categoryLabel(category, viewer),
      chart,
      page: Math.min(Math.max(0, page), pages - 1),
    };
  }

  private async snapshot(category: string): Promise<Snapshot> {
    const version = await this.options.store.aggregatesVersion();
    const cached = this.cache.get(category);
    if (cached && cached.version === version) return cached.snapshot;
    const snapshot = this.compute(category);
    this.cache.set(category, { version, snapshot });
    snapshot.catch(() => this.cache.delete(category));
    return snapshot;
  }

  private async compute(category: string): Promise<Snapshot> {
    const table = tableFromCounts(await this.options.store.aggregateCounts(category));
    const board = await rankModels(table, { ci: "sandwich" });
    return {
      category,
      categoryLabel: categoryLabel(category),
      board,
      minBattles: this.options.provisionalBattles,
      winFraction: winFractionMatrix(table),
      counts: battleCountMatrix(table),
      computedAt: this.options.now(),
    };
  }

  /** The `/leaderboard` answer (and the answer to a page button). */
  async reply(category: string, chart: ChartKind, page: number, viewer?: Place): Promise<Reply> {
    const view = await this.view(category, chart, page, viewer);
    if (view.board.models.length === 0) {
      return {
        visibility: "public",
        text: `No counted battles yet in ${view.categoryLabel}. Start one with /battle and vote!`,
      };
    }
    const pages = Math.ceil(view.board.models.length / LEADERBOARD_PAGE_SIZE);
    const buttons: ButtonSpec[] = [];
    if (view.page > 0) {
      buttons.push({
        id: encodePayload({ action: "page", category, chart, page: view.page - 1 }),
        label: "◀ Previous",
        style: "secondary",
      });
    }
    if (view.page < pages - 1) {
      buttons.push({
        id: encodePayload({ action: "page", category, chart, page: view.page + 1 }),
        label: "Next ▶",
        style: "secondary",
      });
    }
    return {
      visibility: "public",
      text: `🏆 Leaderboard — ${view.categoryLabel}: ${formatQuantity(view.board.models.length, "model")}, ${formatQuantity(view.board.battles, "battle")}.`,
      leaderboard: view,
      ...(buttons.length > 0 ? { buttons: [buttons] } : {}),
    };
  }

  /** Called after each counted vote; runs the publisher, coalescing votes that arrive while it runs. */
  async countedVoteArrived(): Promise<void> {
    if (this.publishing) {
      this.publishAgain = true;
      return this.publishing;
    }
    this.publishing = (async () => {
      do {
        this.publishAgain = false;
        await this.publishDue();
      } while (this.publishAgain);
    })().finally(() => {
      this.publishing = null;
    });
    return this.publishing;
  }

  /**
   * Publishes to every subscription (of the platforms this process serves) whose top 10 changed or that is N
   * counted battles behind. Runs after counted votes and on the arena's tick, so votes taken by another process
   * reach this process's subscriptions too.
   */
  async publishDue(): Promise<void> {
    const served = this.options.servedPlatforms?.();
    for (const subscription of await this.options.store.subscriptions()) {
      if (served && !served.includes(subscription.place.platform)) continue;
      try {
        await this.publishIfDue(subscription);
      } catch (error) {
        this.options.logger.error({ subscription: subscription.id, err: String(error) }, "publishing failed");
      }
    }
  }

  private async publishIfDue(subscription: Subscription): Promise<void> {
    const view = await this.view(subscription.category, "ratings", 0, subscription.place);
    const top = view.board.models.slice(0, TOP_SIZE).map((model) => model.model);
    const total = view.board.battles;
    if (total === 0) return;
    const topChanged = top.join("\n") !== subscription.lastTop.join("\n");
    const dueByCount = total - subscription.lastBattleTotal >= subscription.everyBattles;
    if (!topChanged && !dueByCount) return;
    await this.options.store.markPublished(subscription.id, top, total);
    this.options.emit({
      type: "leaderboard.update",
      place: subscription.place,
      subscriptionId: subscription.id,
      view,
      text: updateText(view.categoryLabel, subscription.lastTop, top, total),
    });
  }
}

function updateText(
  label: string,
  before: readonly string[],
  after: readonly string[],
  total: number,
): string {
  const leader = after[0];
  if (leader && before[0] !== leader)
    return `📈 Leaderboard update — ${label}: ${leader} is now #1 (${formatQuantity(total, "battle")}).`;
  if (before.join("\n") !== after.join("\n"))
    return `📈 Leaderboard update — ${label}: the top ${TOP_SIZE} changed (${formatQuantity(total, "battle")}).`;
  return `📊 Leaderboard — ${label}: ${formatQuantity(total, "battle")} counted.`;
}
