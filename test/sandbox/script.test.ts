import { describe, expect, it } from "vitest";
import { parseLine } from "../../src/sandbox/script.ts";

describe("sandbox script lines", () => {
  it("reads slash commands of the bot, with the rest of the line as their text", () => {
    expect(parseLine("/battle  Why is the sky blue? ")).toEqual({
      kind: "command",
      name: "battle",
      text: "Why is the sky blue?",
    });
    expect(parseLine("/model weight terse-7b 2")).toEqual({
      kind: "command",
      name: "model",
      text: "weight terse-7b 2",
    });
    expect(parseLine("/leaderboard")).toEqual({ kind: "command", name: "leaderboard", text: "" });
    expect(parseLine("/teleport home")).toMatchObject({
      kind: "error",
      message: /unknown command \/teleport/,
    });
  });

  it("reads the sandbox's own actions", () => {
    expect(parseLine("vote A")).toEqual({ kind: "vote", choice: "a" });
    expect(parseLine("vote bad")).toEqual({ kind: "vote", choice: "bad" });
    expect(parseLine("as Bob")).toEqual({ kind: "as", user: "bob" });
    expect(parseLine("battle 2")).toEqual({ kind: "switch", battle: 2 });
    expect(parseLine("continue and in French?")).toEqual({ kind: "continue", text: "and in French?" });
    expect(parseLine("close")).toEqual({ kind: "close" });
    expect(parseLine("wait 1.5")).toEqual({ kind: "wait", seconds: 1.5 });
    expect(parseLine("quit")).toEqual({ kind: "quit" });
    expect(parseLine("help")).toEqual({ kind: "help" });
  });

  it("skips blank lines and comments", () => {
    expect(parseLine("   ")).toEqual({ kind: "nothing" });
    expect(parseLine("# a demo")).toEqual({ kind: "nothing" });
  });

  it("explains what it cannot read", () => {
    for (const line of [
      "vote maybe",
      "as",
      "as two names",
      "battle 0",
      "battle x",
      "continue",
      "close now",
      "wait -1",
      "dance",
    ]) {
      expect(parseLine(line), line).toMatchObject({ kind: "error" });
    }
  });
});
