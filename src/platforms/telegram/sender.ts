// Flood control for the Bot API: calls into one chat are paced and run in order (one queue per chat), all
// chats together are paced too, and a 429 answer is retried after the `retry_after` Telegram asks for. A call that
// gets no answer in time fails, so that one hung request cannot hold up its chat's later messages.
import { setTimeout as sleep } from "node:timers/promises";
import pLimit, { type LimitFunction } from "p-limit";
import pThrottle from "p-throttle";
import pTimeout from "p-timeout";
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
  /** An attempt with no answer after this long fails with TelegramCallTimeout (telegraf's own limit is 500 s). */
  readonly callTimeoutMs?: number;
}

/** A Bot API call that got no answer in time; it may still take effect (the request cannot be taken back). */
export class TelegramCallTimeout extends Error {
  override readonly name = "TelegramCallTimeout";
  constructor(
    readonly method: string,
    readonly timeoutMs: number,
  ) {
    super(`telegram ${method}: no answer after ${timeoutMs} ms`);
  }
}

export const DEFAULT_CALL_TIMEOUT_MS = 30_000;

export const DEFAULT_PACING: Pacing = {
  perChat: { count: 5, intervalMs: 5_000 },
  overall: { count: 25, intervalMs: 1_000 },
  attempts: 3,
  maxRetryAfterSeconds: 60,
};

/** A call still waiting in its chat's queue after this long is reported: the chat is far behind. */
export const SLOW_QUEUE_MS = 60_000;

export type SlowQueueReporter = (method: string, chatId: string, waitedMs: number) => void;

/** One chat's lane: its calls run one at a time, in order, at most `perChat` of them per interval. */
interface ChatLane {
  readonly serial: LimitFunction;
  readonly paced: <T>(call: () => Promise<T>) => Promise<T>;
  /** When its last call ended. */
  lastUsed: number;
}

/** A throttled runner of calls (p-throttle, strict: no interval ever holds more than `rate.count` calls). */
function pacedBy(rate: Rate): <T>(call: () => Promise<T>) => Promise<T> {
  const throttled = pThrottle({ limit: rate.count, interval: rate.intervalMs, strict: true })(
    (call: () => Promise<unknown>) => call(),
  );
  return <T>(call: () => Promise<T>) => throttled(call) as Promise<T>;
}

export class Sender {
  private readonly chats = new Map<string, ChatLane>();
  private readonly overall: <T>(call: () => Promise<T>) => Promise<T>;
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopped = new AbortController();

  constructor(
    private readonly pacing: Pacing,
    private readonly onRetry: (method: string, retryAfterSeconds: number, attempt: number) => void,
    private readonly onSlowQueue: SlowQueueReporter = () => {},
  ) {
    this.overall = pacedBy(pacing.overall);
  }

  /** A call into one chat (send, edit): in order with the chat's other calls, paced, retried on 429. */
  inChat<T>(chatId: string | number, method: string, call: () => Promise<T>): Promise<T> {
    const key = String(chatId);
    const lane = this.lane(key);
    const queuedAt = Date.now();
    const watchdog = setTimeout(
      () => this.onSlowQueue(method, key, Date.now() - queuedAt),
      SLOW_QUEUE_MS,
    ).unref();
    const result = lane.serial(() =>
      this.retrying(method, () =>
        lane.paced(() => {
          clearTimeout(watchdog);
          return this.overall(() => this.timed(method, call));
        }),
      ),
    );
    return this.track(result.finally(() => this.released(key, lane)));
  }

  /** A call bound to no chat (answerCallbackQuery, getChatMember, …): retried on 429, not queued. */
  direct<T>(method: string, call: () => Promise<T>): Promise<T> {
    return this.track(this.retrying(method, () => this.timed(method, call)));
  }

  /** Resolves once every queued call has run; later 429 waits are cut short. */
  async drain(): Promise<void> {
    this.stopped.abort();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    this.stopped = new AbortController();
  }

  private lane(key: string): ChatLane {
    let lane = this.chats.get(key);
    if (!lane) {
      lane = { serial: pLimit(1), paced: pacedBy(this.pacing.perChat), lastUsed: Date.now() };
      this.chats.set(key, lane);
    }
    return lane;
  }

  /** An idle lane is forgotten once its interval has passed (sooner, a new lane could exceed the rate). */
  private released(key: string, lane: ChatLane): void {
    const interval = this.pacing.perChat.intervalMs;
    lane.lastUsed = Date.now();
    setTimeout(() => {
      const idle = lane.serial.activeCount + lane.serial.pendingCount === 0;
      if (idle && Date.now() - lane.lastUsed >= interval && this.chats.get(key) === lane)
        this.chats.delete(key);
    }, interval).unref();
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    void promise.then(
      () => this.inFlight.delete(promise),
      () => this.inFlight.delete(promise),
    );
    return promise;
  }

  /** One attempt, given up after the call timeout (the queues then move on; drain does not wait for it). */
  private timed<T>(method: string, call: () => Promise<T>): Promise<T> {
    const milliseconds = this.pacing.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    return pTimeout(call(), { milliseconds, message: new TelegramCallTimeout(method, milliseconds) });
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
