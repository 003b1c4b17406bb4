// Where things go in Telegram. A Place's `thread` is either a forum topic ("<message_thread_id>") or the root
// message of a reply chain ("reply:<message_id>"): the prefix keeps the two apart after a restart.
import type { Place } from "../../arena/types.ts";

export const PLATFORM = "telegram";
const REPLY_CHAIN = "reply:";

/** A message's destination: a chat, optionally a forum topic, optionally a message it replies to. */
export interface Target {
  readonly chatId: number;
  readonly topicId?: number;
  readonly replyTo?: number;
}

export function chatPlace(chatId: number, topicId: number | undefined): Place {
  const place: Place = { platform: PLATFORM, community: String(chatId), channel: String(chatId) };
  return topicId === undefined ? place : { ...place, thread: String(topicId) };
}

export function replyChainThread(rootMessageId: number): string {
  return `${REPLY_CHAIN}${rootMessageId}`;
}

export function targetOf(place: Place): Target {
  const chatId = Number(place.channel);
  if (place.thread === undefined) return { chatId };
  if (place.thread.startsWith(REPLY_CHAIN)) {
    return { chatId, replyTo: Number(place.thread.slice(REPLY_CHAIN.length)) };
  }
  return { chatId, topicId: Number(place.thread) };
}

/** The Bot API fields that put a message at a target. */
export function placementOf(target: Target): {
  message_thread_id?: number;
  reply_parameters?: { message_id: number; allow_sending_without_reply: boolean };
} {
  return {
    ...(target.topicId === undefined ? {} : { message_thread_id: target.topicId }),
    ...(target.replyTo === undefined
      ? {}
      : { reply_parameters: { message_id: target.replyTo, allow_sending_without_reply: true } }),
  };
}
