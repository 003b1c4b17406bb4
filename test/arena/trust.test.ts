import { describe, expect, it } from "vitest";
import { allows, isOwner, moderatesCommunity, samePlaceForPress } from "../../src/arena/trust.ts";
import type { CommandContext, Place } from "../../src/arena/types.ts";

const trust = { owners: new Set(["discord:1"]), homes: new Set(["discord:home"]) };
const place = (community: string, channel = "c", thread?: string): Place => ({
  platform: "discord",
  community,
  channel,
  ...(thread === undefined ? {} : { thread }),
});
const ctx = (userId: string, admin: boolean, at: Place): CommandContext => ({
  actor: { platform: "discord", userId, displayName: userId, isCommunityAdmin: admin },
  place: at,
});

describe("trust", () => {
  it("makes owners of ARENA_MODERATORS everywhere and of home admins only at home", () => {
    expect(isOwner(trust, ctx("1", false, place("anywhere")))).toBe(true);
    expect(isOwner(trust, ctx("2", true, place("home")))).toBe(true);
    expect(isOwner(trust, ctx("2", true, place("elsewhere")))).toBe(false);
    expect(isOwner(trust, ctx("2", false, place("home")))).toBe(false);
    expect(
      isOwner(trust, {
        ...ctx("1", false, place("x")),
        actor: { ...ctx("1", false, place("x")).actor, platform: "telegram" },
      }),
    ).toBe(false);
  });

  it("lets an admin moderate only the community they act from", () => {
    const admin = ctx("3", true, place("g1"));
    expect(moderatesCommunity(trust, admin)).toBe(true);
    expect(moderatesCommunity(trust, admin, place("g2"))).toBe(false);
    expect(allows(trust, "community", admin)).toBe(true);
    expect(allows(trust, "owner", admin)).toBe(false);
    expect(allows(trust, "everyone", ctx("4", false, place("g1")))).toBe(true);
  });

  it("accepts presses only from the battle's channel (and thread when both have one)", () => {
    expect(samePlaceForPress(place("g", "c", "t"), place("g", "c", "t"))).toBe(true);
    expect(samePlaceForPress(place("g", "c"), place("g", "c", "t"))).toBe(true);
    expect(samePlaceForPress(place("g", "c", "t2"), place("g", "c", "t"))).toBe(false);
    expect(samePlaceForPress(place("g", "c2", "t"), place("g", "c", "t"))).toBe(false);
    expect(samePlaceForPress(place("g2", "c", "t"), place("g", "c", "t"))).toBe(false);
  });
});
