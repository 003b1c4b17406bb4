// `startBot` (what `arena start` runs) starts the Telegram adapter when TELEGRAM_TOKEN is set: one battle, with
// the default pacing, proves the wiring from configuration to reply chain.
import { describe, expect, it } from "vitest";
import { startBotBeforeAll } from "../setup.ts";
import { battleInPlace, buttonData, startWorld } from "./setup.ts";

describe("startBot with TELEGRAM_TOKEN", () => {
  const started = startBotBeforeAll(startWorld);

  it("sets the menu and runs a battle to a counted vote", async () => {
    const { world, bot, logger } = started;
    const { telegram } = world;
    expect(telegram.commands({ type: "default" })?.map((entry) => entry.command)).toContain("battle");
    expect(logger.lines.some((line) => line.message === "arena bot started")).toBe(true);

    const dana = telegram.user({ firstName: "Dana" });
    const chat = telegram.privateChat(dana);
    const battle = await battleInPlace(telegram, dana, chat, "Say hello");
    expect(battle.messages().map((message) => message.text?.split("\n")[0])).toEqual([
      "⚔️ Battle started by Dana. Two anonymous models are answering:",
      "Model A",
      "Model B",
      expect.stringMatching(/^Which answer is better/),
    ]);
    const voted = await telegram.pressButton(
      dana,
      chat,
      battle.vote.messageId,
      buttonData(battle.vote, "B is better"),
    );
    expect(voted.text).toMatch(/You voted: B is better/);
    const [open] = await bot.store.battlesInState("open");
    expect(open && (await bot.store.tally(open.id))).toEqual({ a: 0, b: 1, tie: 0, bad: 0 });
    // Counted, and in the aggregates only once it closes.
    expect(await bot.store.aggregateCounts("overall")).toEqual([]);
  });
});
