// Flood control for the Bot API: calls into one chat are paced and run in order (one queue per chat), all
// chats together are paced too, and a 429 answer is retried after the `retry_after` Telegram asks for.
import { setTimeout as sleep } from "node:timers/promises";
import PQueue from "p-queue";
import { TelegramError } from "telegraf";

export interface Rate {
  /** At most this many calls… */
  readonly count: number;
  /** …per this many milliseconds. */
  readonly intervalMs: number;
}

export interface Pacing {
  /** Telegram asks for about one message per second in a chat; short bursts are tolerated. */
  readonly perChat: Rate;
  /** Telegram's bulk limit is about 30 messages per second for the whole bot. */
  readonly overall: Rate;
  /** Attempts of one call when Telegram answers 429 (the first one included). */
  readonly attempts: number;
  /** A `retry_after` longer than this is not waited for: the call fails. */
  readonly maxRetryAfterSeconds: number;
}

export const DEFAULT_PACING: Pacing = {
  perChat: { count: 5, intervalMs: 5_000 },
  overall: { count: 25, intervalMs: 1_000 },
  attempts: 3,
  maxRetryAfterSeconds: 60,
};

export class Sender {
  private readonly chats = new Map<string, PQueue>();
  private readonly overall: PQueue;
  private stopped = new AbortController();

  constructor(
    private readonly pacing: Pacing,
    private readonly onRetry: (method: string, retryAfterSeconds: number, attempt: number) => void,
  ) {
    this.overall = new PQueue({ intervalCap: pacing.overall.count, interval: pacing.overall.intervalMs });
  }

  /** A call into one chat (send, edit): in order with the chat's other calls, paced, retried on 429. */
  inChat<T>(chatId: string | number, method: string, call: () => Promise<T>): Promise<T> {
    const key = String(chatId);
    let queue = this.chats.get(key);
    if (!queue) {
      queue = new PQueue({
        concurrency: 1,
        intervalCap: this.pacing.perChat.count,
        interval: this.pacing.perChat.intervalMs,
      });
      const created = queue;
      created.on("idle", () => {
        if (this.chats.get(key) === created && created.size === 0 && created.pending === 0)
          this.chats.delete(key);
      });
      this.chats.set(key, queue);
    }
    return queue.add(() => this.retrying(method, () => this.overall.add(call)));
  }

  /** A call bound to no chat (answerCallbackQuery, getChatMember, …): retried on 429, not queued. */
  direct<T>(method: string, call: () => Promise<T>): Promise<T> {
    return this.retrying(method, call);
  }

  /** Resolves once every queued call has run; later 429 waits are cut short. */
  async drain(): Promise<void> {
    this.stopped.abort();
    await Promise.all([...this.chats.values()].map((queue) => queue.onIdle()));
    await this.overall.onIdle();
    this.stopped = new AbortController();
  }

  private async retrying<T>(method: string, call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const retryAfter = retryAfterOf(error);
        if (
          retryAfter === null ||
          attempt >= this.pacing.attempts ||
          retryAfter > this.pacing.maxRetryAfterSeconds ||
          this.stopped.signal.aborted
        ) {
          throw error;
        }
        this.onRetry(method, retryAfter, attempt);
        await sleep(retryAfter * 1000, undefined, { signal: this.stopped.signal }).catch(() => {});
      }
    }
  }
}

/** Seconds Telegram asks to wait (429 Too Many Requests), or null for any other outcome. */
export function retryAfterOf(error: unknown): number | null {
  if (!(error instanceof TelegramError) || error.code !== 429) return null;
  const seconds = error.parameters?.retry_after;
  return typeof seconds === "number" && seconds >= 0 ? seconds : 1;
}
