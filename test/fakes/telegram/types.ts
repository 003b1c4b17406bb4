/** Wire objects of the Bot API as the emulator produces them (a subset of https://core.telegram.org/bots/api). */
import type { MessageEntity } from "./html.ts";

export type { MessageEntity };

export interface TelegramUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  username?: string;
  language_code?: string;
}

export type ChatType = "private" | "group" | "supergroup";

export interface TelegramChat {
  id: number;
  type: ChatType;
  title?: string;
  first_name?: string;
  username?: string;
  is_forum?: true;
}

export type MemberStatus = "creator" | "administrator" | "member" | "left" | "kicked";

export interface InlineKeyboardButton {
  text: string;
  callback_data?: string;
  url?: string;
}

export interface InlineKeyboardMarkup {
  inline_keyboard: InlineKeyboardButton[][];
}

export interface PhotoSize {
  file_id: string;
  file_unique_id: string;
  width: number;
  height: number;
  file_size?: number;
}

export interface TelegramMessage {
  message_id: number;
  from: TelegramUser;
  chat: TelegramChat;
  date: number;
  message_thread_id?: number;
  is_topic_message?: true;
  reply_to_message?: TelegramMessage;
  text?: string;
  entities?: MessageEntity[];
  caption?: string;
  caption_entities?: MessageEntity[];
  photo?: PhotoSize[];
  reply_markup?: InlineKeyboardMarkup;
  edit_date?: number;
  forum_topic_created?: { name: string; icon_color: number };
}

export interface CallbackQuery {
  id: string;
  from: TelegramUser;
  message: TelegramMessage;
  chat_instance: string;
  data: string;
}

export interface Update {
  update_id: number;
  message?: TelegramMessage;
  callback_query?: CallbackQuery;
}

export interface BotCommand {
  command: string;
  description: string;
}

export type BotCommandScope =
  | { type: "default" }
  | { type: "all_private_chats" }
  | { type: "all_group_chats" }
  | { type: "all_chat_administrators" }
  | { type: "chat"; chat_id: number }
  | { type: "chat_administrators"; chat_id: number }
  | { type: "chat_member"; chat_id: number; user_id: number };

/** A message the bot sent, as it stands now (edits applied), for assertions. */
export interface BotMessage {
  messageId: number;
  chatId: number;
  threadId: number | undefined;
  /** The text, or the caption of a photo. */
  text: string | undefined;
  entities: MessageEntity[];
  /** The parse_mode the bot used for the current text, if any. */
  parseMode: string | undefined;
  replyMarkup: InlineKeyboardMarkup | undefined;
  replyToMessageId: number | undefined;
  photo: { fileId: string; bytes: Buffer | undefined; filename: string | undefined } | undefined;
  edited: boolean;
  wire: TelegramMessage;
}

export interface CallbackAnswer {
  queryId: string;
  fromUserId: number;
  data: string;
  text: string | undefined;
  showAlert: boolean;
  url: string | undefined;
}

/** One Bot API call the bot made, with its parameters (uploaded files summarised). */
export interface RecordedCall {
  method: string;
  params: Record<string, unknown>;
  error: { error_code: number; description: string } | undefined;
  /** When the call arrived (Date.now()). */
  at: number;
}

export interface InjectedError {
  error_code: number;
  description?: string;
  retry_after?: number;
}

export interface WebhookDelivery {
  updateId: number;
  url: string;
  /** HTTP status the webhook answered, or undefined when the connection failed. */
  status: number | undefined;
  secretSent: string | undefined;
}

export interface WebhookInfo {
  url: string;
  has_custom_certificate: boolean;
  pending_update_count: number;
  max_connections?: number;
  allowed_updates?: string[];
  last_error_date?: number;
  last_error_message?: string;
}

/** What the bot visibly did, for live observers (see TelegramEmulator.subscribe). */
export type EmulatorEvent =
  | { type: "sent" | "edited"; message: BotMessage }
  | { type: "deleted"; chatId: number; messageId: number }
  | { type: "callbackAnswer"; answer: CallbackAnswer };
