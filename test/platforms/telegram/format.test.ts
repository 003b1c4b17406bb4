import { describe, expect, it } from "vitest";
import { commandData } from "../../../commands/index.ts";
import { commandLineOf, commandMenus } from "../../../src/platforms/telegram/commands.ts";
import {
  ALERT_LIMIT,
  alertText,
  answerParts,
  MESSAGE_LIMIT,
  markdownToHtml,
  textParts,
  topicName,
} from "../../../src/platforms/telegram/format.ts";
import { parseTelegramHtml } from "../../fakes/telegram/index.ts";

describe("Telegram HTML", () => {
  it("escapes model output so it can never break the message, and formats code and bold", () => {
    const html = markdownToHtml(
      "Use <b> & **bold** and `a<b`\n```ts\nif (a < b && c > d) {}\n```\n</pre> still text",
    );
    const parsed = parseTelegramHtml(html);
    expect(parsed.text).toBe("Use <b> & bold and a<b\nif (a < b && c > d) {}\n</pre> still text");
    expect(parsed.entities.map((entity) => entity.type)).toEqual(["bold", "code", "pre"]);
    expect(parsed.entities[2]).toMatchObject({ language: "ts" });
  });

  it("closes a code block the answer left open", () => {
    const parsed = parseTelegramHtml(markdownToHtml("Here:\n```\nunfinished <code>"));
    expect(parsed.text).toBe("Here:\nunfinished <code>");
    expect(parsed.entities).toEqual([{ type: "pre", offset: 6, length: 17 }]);
  });

  it("splits an answer that escaping makes longer into parts that fit after escaping", () => {
    const answer = Array.from({ length: 400 }, (_, line) => `${line}: a <b> & c > d`.padEnd(30, "&")).join(
      "\n",
    );
    const parts = answerParts("Model B", answer);
    expect(parts.length).toBeGreaterThan(3);
    for (const part of parts) {
      expect(part.html.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
      expect(part.plain.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
      const parsed = parseTelegramHtml(part.html);
      expect(parsed.entities[0]).toMatchObject({ type: "bold", offset: 0 });
    }
    const bodies = parts.map((part) =>
      parseTelegramHtml(part.html).text.replace(/^Model B \(\d+\/\d+\)\n\n/, ""),
    );
    expect(bodies.join("\n")).toBe(answer);
    expect(parts.map((part) => part.plain.split("\n")[0])).toEqual(
      parts.map((_, index) => `Model B (${index + 1}/${parts.length})`),
    );
  });

  it("keeps a long code block whole in every part, reopened with its language", () => {
    const code = Array.from({ length: 600 }, (_, line) => `x[${line}] = a < b && b > c;`).join("\n");
    const parts = answerParts("Model A", `Intro\n\n\`\`\`js\n${code}\n\`\`\`\nOutro`);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(part.html.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
      const pre = parseTelegramHtml(part.html).entities.filter((entity) => entity.type === "pre");
      expect(pre.length).toBeGreaterThan(0);
      expect(pre.every((entity) => (entity as { language?: string }).language === "js")).toBe(true);
    }
  });

  it("keeps plain notices as escaped text in one part when they fit", () => {
    expect(textParts("1 < 2 & 3 > 2")).toEqual([{ html: "1 &lt; 2 &amp; 3 &gt; 2", plain: "1 < 2 & 3 > 2" }]);
    expect(textParts("x ".repeat(5000)).length).toBe(3);
  });

  it("trims alerts to 200 characters at a word and names topics within 128 characters", () => {
    const long = `🗳️ You voted: A is better.\nModel A is ${"very-long-name ".repeat(20)}`;
    const alert = alertText(long);
    expect(alert.length).toBeLessThanOrEqual(ALERT_LIMIT);
    expect(alert.endsWith("very-long-name…")).toBe(true);
    expect(alertText("short")).toBe("short");
    expect(topicName(`⚔️ ${"word ".repeat(60)}`).length).toBeLessThanOrEqual(128);
    expect(topicName("  two\nlines ")).toBe("two lines");
  });
});

describe("Telegram commands", () => {
  it("reads /command, /command@this_bot and ignores commands for other bots", () => {
    const entity = (length: number) => [{ type: "bot_command", offset: 0, length }];
    expect(commandLineOf("/battle  what is 2+2? ", entity(7), "arena_bot")).toEqual({
      name: "battle",
      addressed: false,
      text: "what is 2+2?",
    });
    expect(commandLineOf("/Battle@Arena_Bot hi", entity(17), "arena_bot")).toEqual({
      name: "battle",
      addressed: true,
      text: "hi",
    });
    expect(commandLineOf("/battle@other_bot hi", entity(17), "arena_bot")).toBeNull();
    expect(commandLineOf("no command", undefined, "arena_bot")).toBeNull();
  });

  it("builds menus within Telegram's rules: each scope's commands only in the menus of those who may run them", () => {
    const { everyone, communityModerators, owners } = commandMenus(commandData);
    const names = (entries: readonly { command: string }[]) => entries.map((entry) => entry.command).sort();
    const inScope = (...scopes: string[]) =>
      commandData
        .filter((data) => scopes.includes(data.scope))
        .map((data) => data.name)
        .sort();
    expect(inScope("community").length).toBeGreaterThan(0);
    expect(inScope("owner").length).toBeGreaterThan(0);
    expect(names(everyone)).toEqual(inScope("everyone"));
    expect(names(communityModerators)).toEqual(inScope("everyone", "community"));
    expect(names(owners)).toEqual(inScope("everyone", "community", "owner"));
    for (const entry of owners) {
      expect(entry.command).toMatch(/^[a-z0-9_]{1,32}$/);
      expect(entry.description.length).toBeGreaterThanOrEqual(3);
      expect(entry.description.length).toBeLessThanOrEqual(256);
    }
  });
});
