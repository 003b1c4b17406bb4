// Where things go in Telegram. A Place's `thread` is either a forum topic ("<message_thread_id>") or the root
// message of a reply chain ("reply:<message_id>", or "reply:<message_id>:<topic>" for a chain inside a forum
// topic): the prefix keeps the two apart after a restart.
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

/** The topic is kept so that a chain whose root was deleted still lands in its topic. */
export function replyChainThread(rootMessageId: number, topicId: number | undefined): string {
  return topicId === undefined
    ? `${REPLY_CHAIN}${rootMessageId}`
    : `${REPLY_CHAIN}${rootMessageId}:${topicId}`;
}

export function targetOf(place: Place): Target {
  const chatId = Number(place.channel);
  if (place.thread === undefined) return { chatId };
  if (place.thread.startsWith(REPLY_CHAIN)) {
    const [root, topic] = place.thread.slice(REPLY_CHAIN.length).split(":");
    return { chatId, replyTo: Number(root), ...(topic === undefined ? {} : { topicId: Number(topic) }) };
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
