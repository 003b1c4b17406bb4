// Pacing of the Sender, on a fake clock (and its call timeout, on a real one): which calls have run.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  type Pacing,
  type Rate,
  Sender,
  TelegramCallTimeout,
} from "../../../src/platforms/telegram/sender.ts";

/** The tests' pacing: a chat's and the overall rate, three attempts, 429 waits up to 5 s. */
function pacing(perChat: Rate, overall: Rate, extra: Partial<Pacing> = {}): Pacing {
  return { perChat, overall, attempts: 3, maxRetryAfterSeconds: 5, ...extra };
}

function pacedSender(perChat: Rate, overall: Rate) {
  const sender = new Sender(pacing(perChat, overall), () => {});
  const ran: string[] = [];
  const call = (chat: string, label: string) =>
    sender.inChat(chat, "sendMessage", async () => {
      ran.push(label);
      return label;
    });
  return { sender, ran, call };
}

describe("Sender pacing", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("holds a chat's calls beyond its rate, in order, while other chats go ahead", async () => {
    const { sender, ran, call } = pacedSender(
      { count: 2, intervalMs: 1000 },
      { count: 100, intervalMs: 1000 },
    );
    const calls = [call("A", "a1"), call("A", "a2"), call("A", "a3"), call("A", "a4"), call("B", "b1")];
    await vi.advanceTimersByTimeAsync(0);
    expect(ran).toEqual(["a1", "b1", "a2"]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(ran).toEqual(["a1", "b1", "a2", "a3"]);
    // Past the rate, calls are spread over the interval (p-throttle's strict mode): no interval holds more than 2.
    await vi.advanceTimersByTimeAsync(500);
    expect(ran).toEqual(["a1", "b1", "a2", "a3", "a4"]);
    expect(await Promise.all(calls)).toEqual(["a1", "a2", "a3", "a4", "b1"]);
    await sender.drain();
  });

  it("caps the calls of all chats together", async () => {
    const { sender, ran, call } = pacedSender(
      { count: 10, intervalMs: 1000 },
      { count: 3, intervalMs: 1000 },
    );
    const calls = ["A", "B", "C", "D", "E"].map((chat) => call(chat, chat));
    await vi.advanceTimersByTimeAsync(0);
    expect(ran).toEqual(["A", "B", "C"]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(ran).toEqual(["A", "B", "C", "D"]);
    await vi.advanceTimersByTimeAsync(334);
    expect(ran).toEqual(["A", "B", "C", "D", "E"]);
    await Promise.all(calls);
    await sender.drain();
  });
});

describe("Sender call timeout", () => {
  it("fails a call that gets no answer in time, and the chat's next call goes ahead", async () => {
    const sender = new Sender(
      pacing({ count: 10, intervalMs: 1000 }, { count: 100, intervalMs: 1000 }, { callTimeoutMs: 200 }),
      () => {},
    );
    const hung = sender.inChat("A", "editMessageReplyMarkup", () => new Promise<never>(() => {}));
    const next = sender.inChat("A", "sendMessage", async () => "sent");
    const failure = await hung.then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(TelegramCallTimeout);
    expect(failure).toMatchObject({ method: "editMessageReplyMarkup", timeoutMs: 200 });
    expect(await next).toBe("sent");
    await sender.drain();
  });
});

describe("Sender queue report", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("reports a call that waited a minute in its chat's queue", async () => {
    const waited: Array<[string, string]> = [];
    const sender = new Sender(
      pacing({ count: 1, intervalMs: 40_000 }, { count: 100, intervalMs: 1000 }),
      () => {},
      (method, chat) => waited.push([method, chat]),
    );
    const calls = [1, 2, 3].map((n) => sender.inChat("A", "sendMessage", async () => n));
    await vi.advanceTimersByTimeAsync(60_000);
    // The second ran at 40 s; the third is still queued at 60 s.
    expect(waited).toEqual([["sendMessage", "A"]]);
    await vi.advanceTimersByTimeAsync(40_000);
    expect(await Promise.all(calls)).toEqual([1, 2, 3]);
    await sender.drain();
  });
});
