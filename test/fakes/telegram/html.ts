/**
 * Telegram's `parse_mode: "HTML"`, as the Bot API applies it: the text is turned into plain text plus
 * MessageEntity objects (offsets in UTF-16 code units), and anything outside the supported subset is refused
 * with "can't parse entities". See https://core.telegram.org/bots/api#html-style.
 */

export interface MessageEntity {
  type: string;
  offset: number;
  length: number;
  url?: string;
  language?: string;
  custom_emoji_id?: string;
}

export class EntityParseError extends Error {}

const SIMPLE_TAGS: Record<string, string> = {
  b: "bold",
  strong: "bold",
  i: "italic",
  em: "italic",
  u: "underline",
  ins: "underline",
  s: "strikethrough",
  strike: "strikethrough",
  del: "strikethrough",
  "tg-spoiler": "spoiler",
  code: "code",
  pre: "pre",
};
const NAMED_ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

interface OpenTag {
  name: string;
  entity: MessageEntity | undefined;
}

/** Parses Telegram-flavoured HTML; throws EntityParseError with Telegram's wording on malformed input. */
export function parseTelegramHtml(html: string): { text: string; entities: MessageEntity[] } {
  let text = "";
  const entities: MessageEntity[] = [];
  const open: OpenTag[] = [];
  const byteOffset = (index: number) => Buffer.byteLength(html.slice(0, index));
  let i = 0;
  while (i < html.length) {
    const char = html[i];
    if (char === "&") {
      const match = /^&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/.exec(html.slice(i));
      const name = match?.[1];
      if (match && name !== undefined) {
        const decoded = decodeEntity(name);
        if (decoded !== undefined) {
          text += decoded;
          i += match[0].length;
          continue;
        }
      }
      text += "&";
      i++;
      continue;
    }
    if (char !== "<") {
      text += char;
      i++;
      continue;
    }
    const end = html.indexOf(">", i);
    if (end === -1) throw new EntityParseError(`Unclosed start tag at byte offset ${byteOffset(i)}`);
    const inside = html.slice(i + 1, end);
    if (inside.startsWith("/")) {
      const name = inside.slice(1).trim().toLowerCase();
      const top = open.pop();
      if (!top) throw new EntityParseError(`Unexpected end tag at byte offset ${byteOffset(i)}`);
      if (top.name !== name) {
        throw new EntityParseError(
          `Unmatched end tag at byte offset ${byteOffset(i)}, expected "</${top.name}>", found "</${name}>"`,
        );
      }
      if (top.entity) top.entity.length = text.length - top.entity.offset;
    } else {
      const nameMatch = /^([a-zA-Z][a-zA-Z0-9-]*)/.exec(inside);
      const name = nameMatch?.[1]?.toLowerCase();
      if (name === undefined)
        throw new EntityParseError(`Unsupported start tag at byte offset ${byteOffset(i)}`);
      const attributes = parseAttributes(inside.slice(name.length));
      const parent = open[open.length - 1];
      if (parent && parent.name === "code") {
        throw new EntityParseError(
          `Unsupported start tag "${name}" inside "code" at byte offset ${byteOffset(i)}`,
        );
      }
      const entity = startEntity(name, attributes, text.length, parent, byteOffset(i));
      if (entity) entities.push(entity);
      open.push({ name, entity });
    }
    i = end + 1;
  }
  const unclosed = open.pop();
  if (unclosed)
    throw new EntityParseError(`Can't find end tag corresponding to start tag "${unclosed.name}"`);
  return { text, entities: entities.filter((entity) => entity.length > 0) };
}

function startEntity(
  name: string,
  attributes: Map<string, string>,
  offset: number,
  parent: OpenTag | undefined,
  at: number,
): MessageEntity | undefined {
  // <pre><code class="language-x"> is one pre entity carrying the language, not two entities.
  if (name === "code" && parent?.name === "pre" && parent.entity) {
    const language = /^language-(.+)$/.exec(attributes.get("class") ?? "")?.[1];
    if (language !== undefined) parent.entity.language = language;
    return undefined;
  }
  if (parent?.name === "pre")
    throw new EntityParseError(`Unsupported start tag "${name}" inside "pre" at byte offset ${at}`);
  const simple = SIMPLE_TAGS[name];
  if (simple) return { type: simple, offset, length: 0 };
  if (name === "span") {
    if (attributes.get("class") !== "tg-spoiler") {
      throw new EntityParseError(`Tag "span" must have class "tg-spoiler" at byte offset ${at}`);
    }
    return { type: "spoiler", offset, length: 0 };
  }
  if (name === "a") {
    const url = attributes.get("href");
    if (url === undefined) return undefined;
    return { type: "text_link", offset, length: 0, url };
  }
  if (name === "blockquote") {
    return { type: attributes.has("expandable") ? "expandable_blockquote" : "blockquote", offset, length: 0 };
  }
  if (name === "tg-emoji") {
    const id = attributes.get("emoji-id");
    if (id === undefined)
      throw new EntityParseError(`Tag "tg-emoji" must have attribute "emoji-id" at byte offset ${at}`);
    return { type: "custom_emoji", offset, length: 0, custom_emoji_id: id };
  }
  throw new EntityParseError(`Unsupported start tag "${name}" at byte offset ${at}`);
}

function parseAttributes(source: string): Map<string, string> {
  const attributes = new Map<string, string>();
  const pattern = /([a-zA-Z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;
  for (const match of source.matchAll(pattern)) {
    const name = match[1];
    if (name === undefined) continue;
    const raw = match[2] ?? match[3] ?? match[4] ?? "";
    attributes.set(
      name.toLowerCase(),
      raw.replace(/&(lt|gt|amp|quot);/g, (_, entity: string) => NAMED_ENTITIES[entity] ?? ""),
    );
  }
  return attributes;
}

function decodeEntity(name: string): string | undefined {
  if (!name.startsWith("#")) return NAMED_ENTITIES[name];
  const codePoint = name.startsWith("#x")
    ? Number.parseInt(name.slice(2), 16)
    : Number.parseInt(name.slice(1), 10);
  return codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : undefined;
}
