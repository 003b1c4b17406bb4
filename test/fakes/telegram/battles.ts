// What a member does to run a battle in the emulator, shared by tests and benchmarks that drive a whole bot.
import type { TelegramEmulator } from "./emulator.ts";
import type { BotMessage, TelegramChat, TelegramUser } from "./types.ts";

/** The callback data of the button on `message` whose label contains `label`. */
export function buttonData(message: BotMessage | undefined, label: string): string {
  const button = message?.replyMarkup?.inline_keyboard
    .flat()
    .find((candidate) => candidate.text.includes(label));
  if (!button?.callback_data) throw new Error(`no button "${label}" on message ${message?.messageId}`);
  return button.callback_data;
}

/** Sends /battle and waits for the battle's vote message (the reply with buttons in the command's chain). */
export async function openBattle(
  telegram: TelegramEmulator,
  user: TelegramUser,
  chat: TelegramChat,
  prompt: string,
  timeoutMs = 30_000,
): Promise<BotMessage> {
  const command = await telegram.sendCommand(user, chat, `/battle ${prompt}`);
  const root = await telegram.waitFor(
    () => telegram.botMessages(chat.id).find((message) => message.replyToMessageId === command.message_id),
    timeoutMs,
  );
  return telegram.waitFor(
    () =>
      telegram
        .botMessages(chat.id)
        .find((message) => message.replyToMessageId === root.messageId && message.replyMarkup !== undefined),
    timeoutMs,
  );
}
