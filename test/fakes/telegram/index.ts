/**
 * Telegram Bot API emulator for tests and the offline sandbox (see README.md in this folder).
 *
 *   const telegram = await startTelegramEmulator({ botToken: "123456:TEST" });
 *   const bot = new Telegraf(token, { telegram: { apiRoot: telegram.apiRoot } });
 *   const alice = telegram.user({ firstName: "Alice" });
 *   const group = telegram.chat({ title: "Arena", kind: "forum", members: [[alice, "creator"]] });
 *   await telegram.sendCommand(alice, group, "/battle hi");
 *   await telegram.waitFor(() => telegram.botMessages(group.id).length > 0);
 *   await telegram.close();
 */
import { type EmulatorOptions, TelegramEmulator } from "./emulator.ts";

export { buttonData, openBattle } from "./battles.ts";
export type { ChatOptions, EmulatorOptions, SendOptions } from "./emulator.ts";
export { TelegramEmulator } from "./emulator.ts";
export { EntityParseError, parseTelegramHtml } from "./html.ts";
export type * from "./types.ts";

/** Starts the emulator on 127.0.0.1 on an ephemeral port. */
export async function startTelegramEmulator(options: EmulatorOptions): Promise<TelegramEmulator> {
  const emulator = new TelegramEmulator(options);
  await emulator.listen();
  return emulator;
}
