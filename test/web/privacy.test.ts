import { describe, expect, it } from "vitest";
import { isPrivateChat, promptVisible } from "../../src/web/privacy.ts";

const telegramGroup = { platform: "telegram", community: "-1001234" };
const telegramPrivate = { platform: "telegram", community: "1001" };
const discordGuild = { platform: "discord", community: "42424242" };
const discordDm = { platform: "discord", community: "dm:1001" };

describe("what the web page shows of a place", () => {
  it("knows private chats by the adapters' conventions, and treats an unknown platform as private", () => {
    expect(isPrivateChat(telegramGroup)).toBe(false);
    expect(isPrivateChat(telegramPrivate)).toBe(true);
    expect(isPrivateChat(discordGuild)).toBe(false);
    expect(isPrivateChat(discordDm)).toBe(true);
    expect(isPrivateChat({ platform: "matrix", community: "!room" })).toBe(true);
  });

  it("shows prompts only as ARENA_WEB_PROMPTS says: never when off, never a private chat's when public", () => {
    for (const place of [telegramGroup, telegramPrivate, discordGuild, discordDm])
      expect(promptVisible(place, "off")).toBe(false);
    expect(promptVisible(telegramGroup, "public")).toBe(true);
    expect(promptVisible(discordGuild, "public")).toBe(true);
    expect(promptVisible(telegramPrivate, "public")).toBe(false);
    expect(promptVisible(discordDm, "public")).toBe(false);
    const listed = ["telegram:-1001234", "telegram:1001"];
    expect(promptVisible(telegramGroup, listed)).toBe(true);
    expect(promptVisible(telegramPrivate, listed)).toBe(true);
    expect(promptVisible(discordGuild, listed)).toBe(false);
  });
});
