// Telegram delivers an update again when it did not see it acknowledged (a webhook answer lost or late, a
// getUpdates answer lost in transit, a poller that stopped before confirming its offset). Each update is handled
// once: the first delivery of an update_id claims it, later ones are skipped.

/** Decides whether an update is new. A store-backed one can make the decision across processes. */
export interface UpdateDeduplicator {
  /** true the first time `updateId` is claimed, false for every later delivery of it. */
  claim(updateId: number): boolean | Promise<boolean>;
}

/** Update ids this process has seen, the most recent `capacity` of them (the oldest are forgotten first). */
export class RecentUpdateIds implements UpdateDeduplicator {
  private readonly seen = new Set<number>();

  constructor(private readonly capacity = 10_000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error("capacity must be a positive integer");
  }

  claim(updateId: number): boolean {
    if (this.seen.has(updateId)) return false;
    this.seen.add(updateId);
    // A Set iterates in insertion order: the first id is the oldest.
    if (this.seen.size > this.capacity) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}
