// Pacing of the Sender, on a fake clock: which calls have run, never how long they took.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type Rate, Sender } from "../../../src/platforms/telegram/sender.ts";

function pacedSender(perChat: Rate, overall: Rate) {
  const sender = new Sender({ perChat, overall, attempts: 3, maxRetryAfterSeconds: 5 }, () => {});
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
    expect(ran).toEqual(["A", "B", "C", "D", "E"]);
    await Promise.all(calls);
    await sender.drain();
  });
});
