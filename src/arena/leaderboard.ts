// Leaderboards from the store's aggregate counts (O(models²), not O(votes)), cached until the next counted
// vote, and the update publisher that announces changes to subscribed channels.
import { battleCountMatrix, rankModels, tableFromCounts, winFractionMatrix } from "../ranking/index.ts";
import { formatQuantity } from "../render/format.ts";
import { type BoardParts, deduplicate, judgeBoard, plainBoard, styleBoard } from "./board-variants.ts";
import { categoryLabel } from "./categories.ts";
import type { Logger } from "./logger.ts";
import { encodePayload } from "./payloads.ts";
import type { ArenaStore, Subscription } from "./store.ts";
import type {
  ArenaEvent,
  ButtonSpec,
  ChartKind,
  LeaderboardOptions,
  LeaderboardView,
  Place,
  Reply,
} from "./types.ts";

/** Rows a leaderboard page shows; renderers fit pages within each platform's limits. */
export const LEADERBOARD_PAGE_SIZE = 20;
export const TOP_SIZE = 10;
/** Snapshots kept at most (categories × views × dedup quantiles people typed); the oldest goes first. */
const CACHED_SNAPSHOTS = 256;

type Snapshot = Omit<LeaderboardView, "chart" | "page">;

export interface LeaderboardServiceOptions {
  readonly store: ArenaStore;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly provisionalBattles: number;
  readonly publishEveryBattles: number;
  /** Publications wait for it: updates of one subscription are posted in the order they were decided. */
  readonly emit: (event: ArenaEvent) => void | Promise<void>;
  /** Platforms this process serves: it publishes only to their subscriptions (only their adapters can post). */
  readonly servedPlatforms?: () => readonly string[];
  /** The judge board's reference model (ARENA_JUDGE_REFERENCE), if any. */
  readonly judgeReference?: string | null;
}

const VARIANT_LABELS = { style: "style controlled", judge: "judge votes" } as const;

/** The title of a view: the category, then which board and whether prompts were deduplicated. */
function viewLabel(category: string, viewer: Place | undefined, options: LeaderboardOptions): string {
  const variant = options.variant ?? "default";
  const parts = [categoryLabel(category, viewer)];
  if (variant !== "default") parts.push(VARIANT_LABELS[variant]);
  if (options.dedup !== undefined) parts.push("deduplicated");
  return parts.join(" · ");
}

export class LeaderboardService {
  private readonly cache = new Map<string, { version: string; snapshot: Promise<Snapshot> }>();
  private publishing: Promise<void> | null = null;
  private publishAgain = false;

  constructor(private readonly options: LeaderboardServiceOptions) {}

  /** The leaderboard of `category` as a viewer at `viewer` sees it (labels depend on where it is shown). */
  async view(
    category: string,
    chart: ChartKind = "ratings",
    page = 0,
    viewer?: Place,
    options: LeaderboardOptions = {},
  ): Promise<LeaderboardView> {
    const snapshot = await this.snapshot(category, options);
    const pages = Math.max(1, Math.ceil(snapshot.board.models.length / LEADERBOARD_PAGE_SIZE));
    return {
      ...snapshot,
      categoryLabel: viewLabel(category, viewer, options),
      chart,
      page: Math.min(Math.max(0, page), pages - 1),
    };
  }

  private async snapshot(category: string, options: LeaderboardOptions): Promise<Snapshot> {
    const variant = options.variant ?? "default";
    const key = JSON.stringify([category, variant, options.dedup ?? null]);
    // The judge's votes do not move the aggregates version: their count joins the key of its board.
    const judged = variant === "judge" ? await this.options.store.judgedBattles() : null;
    const version = `${await this.options.store.aggregatesVersion()}:${judged?.length ?? ""}`;
    const cached = this.cache.get(key);
    if (cached && cached.version === version) return cached.snapshot;
    const snapshot =
      variant === "default" && options.dedup === undefined
        ? this.compute(category)
        : this.computeVariant(category, options, judged);
    this.cache.delete(key);
    this.cache.set(key, { version, snapshot });
    if (this.cache.size > CACHED_SNAPSHOTS) this.cache.delete(this.cache.keys().next().value ?? "");
    snapshot.catch(() => this.cache.delete(key));
    return snapshot;
  }

  /** Style-controlled, deduplicated or judge boards: from per-battle rows rather than the aggregates. */
  private async computeVariant(
    category: string,
    options: LeaderboardOptions,
    judged: Awaited<ReturnType<ArenaStore["judgedBattles"]>> | null,
  ): Promise<Snapshot> {
    let parts: BoardParts;
    if (judged !== null) {
      const inCategory = judged.filter((battle) => battle.categories.includes(category));
      const judges = await this.judgeNames(inCategory);
      parts = await judgeBoard(inCategory, judges, this.options.judgeReference ?? null);
    } else {
      let battles = await this.options.store.rankingBattles(category);
      const notes: string[] = [];
      if (options.dedup !== undefined) {
        const deduplicated = deduplicate(battles, options.dedup);
        battles = deduplicated.kept;
        notes.push(deduplicated.note);
      }
      parts =
        options.variant === "style" ? await styleBoard(battles, notes) : await plainBoard(battles, notes);
    }
    return {
      category,
      categoryLabel: categoryLabel(category),
      board: parts.board,
      minBattles: this.options.provisionalBattles,
      winFraction: parts.winFraction,
      counts: parts.counts,
      computedAt: this.options.now(),
      ...(options.variant === undefined || options.variant === "default" ? {} : { variant: options.variant }),
      ...(options.dedup === undefined ? {} : { dedup: options.dedup }),
      notes: parts.notes,
    };
  }

  private async judgeNames(battles: readonly { battleId: string }[]): Promise<string | null> {
    const last = battles.at(-1);
    return last === undefined ? null : ((await this.options.store.judgeVote(last.battleId))?.judge ?? null);
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
  async reply(
    category: string,
    chart: ChartKind,
    page: number,
    viewer?: Place,
    options: LeaderboardOptions = {},
  ): Promise<Reply> {
    const view = await this.view(category, chart, page, viewer, options);
    if (view.board.models.length === 0) {
      return {
        visibility: "public",
        text:
          options.variant === "judge"
            ? `No judge votes yet in ${view.categoryLabel}. The judge votes on closed battles when ARENA_JUDGE_MODEL and ARENA_JUDGE_VOTES are set.`
            : `No counted battles yet in ${view.categoryLabel}. Start one with /battle and vote!`,
      };
    }
    const pages = Math.ceil(view.board.models.length / LEADERBOARD_PAGE_SIZE);
    const buttons: ButtonSpec[] = [];
    if (view.page > 0) {
      buttons.push({
        id: encodePayload({ action: "page", category, chart, page: view.page - 1, options }),
        label: "◀ Previous",
        style: "secondary",
      });
    }
    if (view.page < pages - 1) {
      buttons.push({
        id: encodePayload({ action: "page", category, chart, page: view.page + 1, options }),
        label: "Next ▶",
        style: "secondary",
      });
    }
    return {
      visibility: "public",
      text: [
        `🏆 Leaderboard — ${view.categoryLabel}: ${formatQuantity(view.board.models.length, "model")}, ${formatQuantity(view.board.battles, "battle")}.`,
        ...(view.notes ?? []),
      ].join("\n"),
      leaderboard: view,
      ...(buttons.length > 0 ? { buttons: [buttons] } : {}),
    };
  }

  /** Called after a battle with counted votes closes; runs the publisher, coalescing closes meanwhile. */
  async countedBattleClosed(): Promise<void> {
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
   * counted battles behind. Runs after counted battles close and on the arena's tick, so battles closed by another process
   * reach this process's subscriptions too.
   */
  async publishDue(): Promise<void> {
    const served = this.options.servedPlatforms?.();
    // With several processes on one database, one publisher per platform (the others skip its subscriptions).
    const publishes = new Map<string, boolean>();
    const mayPublish = async (platform: string) => {
      let yes = publishes.get(platform);
      if (yes === undefined) {
        yes = await this.options.store.isPublisher(platform);
        publishes.set(platform, yes);
      }
      return yes;
    };
    for (const subscription of await this.options.store.subscriptions()) {
      if (served && !served.includes(subscription.place.platform)) continue;
      try {
        if (await mayPublish(subscription.place.platform)) await this.publishIfDue(subscription);
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
    await this.options.emit({
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
