/** Reading Bot API parameters and checking them as Telegram does. */
import type http from "node:http";
import { Readable } from "node:stream";
import { text as readText } from "node:stream/consumers";
import { EntityParseError, parseTelegramHtml } from "./html.ts";
import type { InjectedError, InlineKeyboardMarkup, MessageEntity } from "./types.ts";

export type Params = Record<string, unknown>;
export interface Upload {
  filename: string;
  bytes: Buffer;
}

export class ApiError extends Error {
  constructor(
    readonly errorCode: number,
    readonly description: string,
    readonly retryAfter?: number,
  ) {
    super(description);
  }
}
export const badRequest = (reason: string) => new ApiError(400, `Bad Request: ${reason}`);

export const TEXT_LIMIT = 4096;
export const CAPTION_LIMIT = 1024;
const CALLBACK_DATA_LIMIT = 64;
export const ALERT_TEXT_LIMIT = 200;
const JSON_PARAMS = [
  "reply_markup",
  "entities",
  "caption_entities",
  "reply_parameters",
  "scope",
  "commands",
  "allowed_updates",
  "link_preview_options",
];

export function parseJsonObject(text: string): Params | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Params) : undefined;
  } catch {
    return undefined;
  }
}

/** Parameters that are JSON objects arrive as strings in form bodies. */
export function normaliseParams(params: Params): Params {
  for (const name of JSON_PARAMS) {
    const value = params[name];
    if (typeof value !== "string") continue;
    try {
      params[name] = JSON.parse(value);
    } catch {
      throw badRequest(`can't parse ${name} JSON object`);
    }
  }
  return params;
}

export function summarise(params: Params): Params {
  const summary: Params = {};
  for (const [key, value] of Object.entries(params)) {
    summary[key] = isUpload(value) ? { filename: value.filename, size: value.bytes.length } : value;
  }
  return summary;
}

export function isUpload(value: unknown): value is Upload {
  return typeof value === "object" && value !== null && Buffer.isBuffer((value as Upload).bytes);
}

export function requiredString(params: Params, name: string): string {
  const value = params[name];
  if (value === undefined || value === null || value === "") throw badRequest(`${name} is empty`);
  return String(value);
}

export function optionalString(params: Params, name: string): string | undefined {
  const value = params[name];
  return value === undefined || value === null ? undefined : String(value);
}

export function requiredInt(params: Params, name: string): number {
  const value = optionalInt(params, name);
  if (value === undefined) throw badRequest(`${name} is empty`);
  return value;
}

export function optionalInt(params: Params, name: string): number | undefined {
  const value = params[name];
  if (value === undefined || value === null || value === "") return undefined;
  const number = Number(value);
  if (!Number.isInteger(number)) throw badRequest(`${name} is invalid`);
  return number;
}

export function flag(params: Params, name: string): boolean {
  const value = params[name];
  return value === true || value === "true" || value === "1";
}

export function jsonParam<T>(params: Params, name: string): T | undefined {
  const value = params[name];
  return value === undefined || value === null ? undefined : (value as T);
}

export function formatText(
  raw: string,
  params: Params,
  entitiesParam: "entities" | "caption_entities",
): { text: string; entities: MessageEntity[]; parseMode: string | undefined } {
  const explicit = jsonParam<MessageEntity[]>(params, entitiesParam);
  if (Array.isArray(explicit)) {
    for (const entity of explicit) {
      if (entity.offset < 0 || entity.length <= 0 || entity.offset + entity.length > raw.length) {
        throw badRequest("can't parse entities: entity beyond the end of the text");
      }
    }
    return { text: raw, entities: explicit, parseMode: undefined };
  }
  const parseMode = optionalString(params, "parse_mode");
  if (parseMode === undefined || parseMode === "") return { text: raw, entities: [], parseMode: undefined };
  if (parseMode.toLowerCase() !== "html") {
    throw badRequest(`unsupported parse_mode ${parseMode} (the emulator implements HTML only)`);
  }
  try {
    return { ...parseTelegramHtml(raw), parseMode };
  } catch (error) {
    if (error instanceof EntityParseError) throw badRequest(`can't parse entities: ${error.message}`);
    throw error;
  }
}

export function validateMarkup(raw: unknown): InlineKeyboardMarkup | undefined {
  if (raw === undefined || raw === null) return undefined;
  const markup = raw as Partial<InlineKeyboardMarkup>;
  if (!Array.isArray(markup.inline_keyboard)) return undefined;
  for (const row of markup.inline_keyboard) {
    if (!Array.isArray(row))
      throw badRequest(
        'can\'t parse inline keyboard button: field "inline_keyboard" must be an Array of Arrays',
      );
    for (const button of row) {
      if (typeof button?.text !== "string" || button.text === "") throw badRequest("BUTTON_TEXT_EMPTY");
      if (button.callback_data === undefined && button.url === undefined) {
        throw badRequest(
          "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
        );
      }
      if (button.callback_data !== undefined) {
        const bytes = Buffer.byteLength(button.callback_data);
        if (bytes < 1 || bytes > CALLBACK_DATA_LIMIT) throw badRequest("BUTTON_DATA_INVALID");
      }
    }
  }
  return { inline_keyboard: markup.inline_keyboard.map((row) => row.map((button) => ({ ...button }))) };
}

export function injectedError(injected: InjectedError): ApiError {
  const defaults: Record<number, string> = {
    400: "Bad Request",
    403: "Forbidden: bot was blocked by the user",
    429: `Too Many Requests: retry after ${injected.retry_after ?? 1}`,
    500: "Internal Server Error",
  };
  const description = injected.description ?? defaults[injected.error_code] ?? "Error";
  return new ApiError(injected.error_code, description, injected.retry_after);
}

/** Width and height of a PNG or JPEG, or undefined when the bytes are neither (Telegram refuses those). */
export function imageSize(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes.length >= 24 && bytes.readUInt32BE(0) === 0x89504e47) {
    return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    // Walk JPEG segments to the first start-of-frame marker.
    let offset = 2;
    while (offset + 9 < bytes.length && bytes[offset] === 0xff) {
      const marker = bytes[offset + 1] ?? 0;
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { width: bytes.readUInt16BE(offset + 7), height: bytes.readUInt16BE(offset + 5) };
      }
      offset += 2 + bytes.readUInt16BE(offset + 2);
    }
  }
  return undefined;
}

/** Bot API parameters from the query string, a JSON, urlencoded or multipart body (files become Uploads). */
export async function readParams(req: http.IncomingMessage, url: URL): Promise<Params> {
  const params: Params = Object.fromEntries(url.searchParams);
  const type = req.headers["content-type"] ?? "";
  if (req.method !== "POST") return normaliseParams(params);
  if (type.startsWith("multipart/form-data")) {
    const request = new Request("http://127.0.0.1/", {
      method: "POST",
      headers: { "content-type": type },
      body: Readable.toWeb(req) as ReadableStream,
      duplex: "half",
    } as RequestInit);
    for (const [key, value] of await request.formData()) {
      params[key] =
        typeof value === "string"
          ? value
          : { filename: value.name, bytes: Buffer.from(await value.arrayBuffer()) };
    }
  } else {
    const body = await readText(req);
    if (type.startsWith("application/json") && body !== "") {
      try {
        Object.assign(params, JSON.parse(body));
      } catch {
        throw badRequest("can't parse JSON body");
      }
    } else if (type.startsWith("application/x-www-form-urlencoded")) {
      Object.assign(params, Object.fromEntries(new URLSearchParams(body)));
    }
  }
  return normaliseParams(params);
}
