// The text form of commands (Telegram, the sandbox, the command line) and the dispatcher's handling of it.
import { describe, expect, it } from "vitest";
import { commandData, parseTextOptions, UNREAD_WORDS } from "../../commands/index.ts";

function data(name: string) {
  const found = commandData.find((command) => command.name === name);
  if (!found) throw new Error(`no /${name}`);
  return found;
}

describe("parseTextOptions", () => {
  it("keeps a prompt verbatim, words with = and line breaks included", () => {
    const prompt = "If x=5 and y=x*2, what is y?\n\n  Show  your work.";
    expect(parseTextOptions(data("battle"), prompt)).toEqual({ prompt: prompt.trim() });
    expect(parseTextOptions(data("battle"), "prompt=hi there")).toEqual({ prompt: "prompt=hi there" });
  });

  it("fills options in order, takes leading name=value words of the command's own options", () => {
    expect(parseTextOptions(data("model"), "weight gpt-4o 2")).toEqual({
      subcommand: "weight",
      name: "gpt-4o",
      weight: 2,
    });
    expect(parseTextOptions(data("model"), "weight weight=3 gpt-4o")).toEqual({
      subcommand: "weight",
      name: "gpt-4o",
      weight: 3,
    });
    expect(parseTextOptions(data("leaderboard"), "chart=counts coding")).toEqual({
      category: "coding",
      chart: "counts",
    });
  });

  it("gives an aliases list (a rest option) the rest of the line", () => {
    expect(
      parseTextOptions(data("model"), "add gamma https://example.org/v1 g-1 ARENA_KEY_G 2 Gamma, G 1"),
    ).toEqual({
      subcommand: "add",
      name: "gamma",
      base_url: "https://example.org/v1",
      model: "g-1",
      api_key_env: "ARENA_KEY_G",
      weight: 2,
      aliases: "Gamma, G 1",
    });
  });

  it("reports words that fill no option instead of dropping them", () => {
    expect(parseTextOptions(data("model"), "enable alpha beta")).toEqual({
      subcommand: "enable",
      name: "alpha",
      [UNREAD_WORDS]: "beta",
    });
    expect(parseTextOptions(data("arena"), "window 30 minutes")).toEqual({
      subcommand: "window",
      minutes: 30,
      [UNREAD_WORDS]: "minutes",
    });
  });
});
