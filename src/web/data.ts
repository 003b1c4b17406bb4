// What the web page shows, read through the arena's leaderboard service and the store port (never the ORM).
// Only closed battles: the leaderboard comes from the store's aggregates (which count a battle once it closed),
// lists and exports skip every battle that has not closed. Nothing identifies a voter or a creator, community
// boards appear only for the communities listed in ARENA_WEB_COMMUNITIES (in chat they are readable only from
// inside), and prompts only where ARENA_WEB_PROMPTS allows.
import { categoryLabel, OVERALL } from "../arena/categories.ts";
import { type FastChatRecord, toFastChatRecord } from "../arena/export.ts";
import type { LeaderboardService } from "../arena/leaderboard.ts";
import type { ArenaStore, CountedBattle } from "../arena/store.ts";
import type { LeaderboardView } from "../arena/types.ts";
import type { WebPrompts } from "../config.ts";
import { isProvisional } from "../render/table.ts";
import { communityOfCategory, promptVisible } from "./privacy.ts";
import type {
  LeaderboardResponse,
  ModelBattle,
  ModelBattlesResponse,
  WebCategory,
  WebRankedModel,
} from "./schema.ts";

/** Battles a model's page lists (newest first); the totals count them all. */
export const MODEL_BATTLES_SHOWN = 100;

/** Closed battles are re-read at most this often (and at once after a counted vote). */
const CLOSED_BATTLES_TTL_MS = 5_000;

export interface WebSource {
  readonly store: Pick<ArenaStore, "categories" | "countedBattles" | "getBattle" | "aggregatesVersion">;
  readonly leaderboards: Pick<LeaderboardService, "view">;
}

export interface WebPolicy {
  readonly prompts: WebPrompts;
  /** "telegram:<chatId>" / "discord:<guildId>" whose community boards the page lists. */
  readonly communities: readonly string[];
}

export interface ClosedBattle extends CountedBattle {
  readonly closedAt: Date;
}

export interface BoardData {
  readonly json: LeaderboardResponse;
  readonly view: LeaderboardView;
}

export class WebData {
  private closed: { version: number; at: number; battles: Promise<ClosedBattle[]> } | null = null;

  constructor(
    private readonly source: WebSource,
    private readonly policy: WebPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /** Overall first (even before any battle), then by battles; community boards only when listed. */
  async categories(): Promise<WebCategory[]> {
    const counted = await this.source.store.categories();
    const shown = counted.filter(({ category }) => this.categoryListed(category));
    const overall = shown.find(({ category }) => category === OVERALL);
    const others = shown
      .filter(({ category }) => category !== OVERALL)
      .sort((x, y) => y.battles - x.battles || x.category.localeCompare(y.category));
    return [{ category: OVERALL, battles: overall?.battles ?? 0 }, ...others].map(
      ({ category, battles }) => ({
        key: category,
        label: categoryLabel(category),
        battles,
      }),
    );
  }

  private categoryListed(category: string): boolean {
    const community = communityOfCategory(category);
    return community === null || this.policy.communities.includes(community);
  }

  /** The leaderboard of a listed category; null for any other key. */
  async board(category: string): Promise<BoardData | null> {
    const categories = await this.categories();
    const entry = categories.find((candidate) => candidate.key === category);
    if (!entry) return null;
    const [view, closed] = await Promise.all([this.source.leaderboards.view(category), this.closedBattles()]);
    let lastUpdate: Date | null = null;
    for (const battle of closed)
      if (battle.categories.includes(category) && (!lastUpdate || battle.closedAt > lastUpdate))
        lastUpdate = battle.closedAt;
    const models: WebRankedModel[] = view.board.models.map((model) => ({
      rank: model.rankUb,
      model: model.model,
      rating: model.rating,
      lower: model.lower,
      upper: model.upper,
      battles: model.battles,
      provisional: isProvisional(model, view.minBattles),
      group: model.component + 1,
    }));
    return {
      view,
      json: {
        category,
        categoryLabel: entry.label,
        categories,
        battles: view.board.battles,
        minBattles: view.minBattles,
        intervals: view.board.ci,
        lastUpdate: lastUpdate?.toISOString() ?? null,
        computedAt: view.computedAt.toISOString(),
        models,
        winFraction: {
          models: [...view.winFraction.models],
          values: view.winFraction.values.map((r) => [...r]),
        },
        counts: { models: [...view.counts.models], values: view.counts.values.map((r) => [...r]) },
      },
    };
  }

  /** A model's closed battles; null when it has none and is on no leaderboard. */
  async modelBattles(model: string): Promise<ModelBattlesResponse | null> {
    const own = (await this.closedBattles()).filter(
      (battle) => battle.modelA === model || battle.modelB === model,
    );
    if (own.length === 0) return null;
    const rows = own.map((battle) => battleOf(model, battle));
    const recent = own
      .slice()
      .sort((x, y) => y.closedAt.getTime() - x.closedAt.getTime())
      .slice(0, MODEL_BATTLES_SHOWN);
    return {
      model,
      battles: own.length,
      won: rows.filter((row) => row.outcome === "won").length,
      lost: rows.filter((row) => row.outcome === "lost").length,
      tied: rows.filter((row) => row.outcome === "tie").length,
      recent: await Promise.all(
        recent.map(async (battle) => ({ ...battleOf(model, battle), prompt: await this.promptOf(battle) })),
      ),
    };
  }

  private async promptOf(battle: ClosedBattle): Promise<string | null> {
    if (this.policy.prompts === "off") return null;
    const record = await this.source.store.getBattle(battle.id);
    if (record?.state !== "closed" || !promptVisible(record.place, this.policy.prompts)) return null;
    return record.turns.find((turn) => turn.turn === 1)?.userContent ?? null;
  }

  /**
   * Closed battles in FastChat's clean-battle format (the `arena export` records). Community tags name chats
   * (a private chat's is its user's id): only listed communities keep theirs.
   */
  async fastChatExport(): Promise<FastChatRecord[]> {
    return (await this.closedBattles()).map((battle) => {
      const record = toFastChatRecord(battle);
      return { ...record, category_tags: record.category_tags.filter((tag) => this.categoryListed(tag)) };
    });
  }

  /** Counted battles that have closed (an open battle's votes are still blind), oldest first. */
  private async closedBattles(): Promise<ClosedBattle[]> {
    const version = await this.source.store.aggregatesVersion();
    const now = this.now();
    if (this.closed && this.closed.version === version && now - this.closed.at < CLOSED_BATTLES_TTL_MS)
      return this.closed.battles;
    const battles = (async () => {
      const closed: ClosedBattle[] = [];
      for await (const battle of this.source.store.countedBattles())
        if (battle.closedAt !== null) closed.push({ ...battle, closedAt: battle.closedAt });
      return closed;
    })();
    this.closed = { version, at: now, battles };
    battles.catch(() => {
      this.closed = null;
    });
    return battles;
  }
}

function battleOf(model: string, battle: ClosedBattle): Omit<ModelBattle, "prompt"> {
  const asA = battle.modelA === model;
  const score = asA ? battle.outcome : 1 - battle.outcome;
  return {
    id: battle.id,
    closedAt: battle.closedAt.toISOString(),
    opponent: asA ? battle.modelB : battle.modelA,
    side: asA ? "A" : "B",
    outcome: score > 0.5 ? "won" : score < 0.5 ? "lost" : "tie",
    votes: {
      for: asA ? battle.tally.a : battle.tally.b,
      against: asA ? battle.tally.b : battle.tally.a,
      tie: battle.tally.tie,
      bothBad: battle.tally.bad,
    },
    turns: battle.turns,
  };
}
