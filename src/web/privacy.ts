// What the public page may show of a place. The adapters' conventions decide what is private: a Telegram private
// chat has the user's own (positive) id as its community, groups have negative ids; a Discord DM's community is
// "dm:<userId>". A platform we do not know is treated as private.

import type { Place } from "../arena/types.ts";
import type { WebPrompts } from "../config.ts";

export function isPrivateChat(place: Pick<Place, "platform" | "community">): boolean {
  if (place.platform === "telegram") return !place.community.startsWith("-");
  if (place.platform === "discord") return place.community.startsWith("dm:");
  return true;
}

/** "telegram:-100123" for a place, as ARENA_WEB_PROMPTS and ARENA_WEB_COMMUNITIES name communities. */
export function communityName(place: Pick<Place, "platform" | "community">): string {
  return `${place.platform}:${place.community}`;
}

/** Whether a battle held at `place` may show its prompt. */
export function promptVisible(place: Pick<Place, "platform" | "community">, policy: WebPrompts): boolean {
  if (policy === "off") return false;
  if (policy === "public") return !isPrivateChat(place);
  return policy.includes(communityName(place));
}

/** "community:telegram:-100123" → "telegram:-100123"; null for any other category key. */
export function communityOfCategory(key: string): string | null {
  return key.startsWith("community:") ? key.slice("community:".length) : null;
}
