// Platform user ids are stored only as keyed hashes: votes stay auditable per voter without keeping who voted.
import { createHmac } from "node:crypto";
import type { PlatformName } from "./types.ts";

export type UserHasher = (platform: PlatformName, userId: string) => string;

export function createUserHasher(key: string | Uint8Array): UserHasher {
  return (platform, userId) =>
    createHmac("sha256", key).update(`${platform}:${userId}`).digest("base64url").slice(0, 32);
}
