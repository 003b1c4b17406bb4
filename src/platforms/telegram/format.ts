// Text for Telegram: HTML parse mode with everything escaped, code fences as <pre><code>, and parts that fit
// one message (4,096 characters, measured on the HTML actually sent). Every part keeps a plain-text twin for
// when Telegram refuses the formatting.
import { answerBody } from "../../render/battle-text.ts";
import { safeCut, truncateText } from "../../render/graphemes.ts";
import { splitMessage } from "../../render/split.ts";

export const MESSAGE_LIMIT = 4096;
export const ALERT_LIMIT = 200;
export const CAPTION_LIMIT = 1024;

/** One message: the HTML to send with parse_mode "HTML", and the plain text to fall back to. */
export interface MessagePart {
  readonly html: string;
  readonly plain: string;
}

export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

const FENCE = /^\s{0,3}(`{3,}|~{3,})\s*([A-Za-z0-9_+#.-]*)/;

/** Model output (Markdown-ish) as Telegram HTML: fences → <pre><code>, `code` → <code>, **bold** → <b>. */
export function markdownToHtml(text: string): string {
  const out: string[] = [];
  let fence: { marker: string; language: string; lines: string[] } | null = null;
  const closeFence = () => {
    if (!fence) return;
    const attribute = fence.language ? ` class="language-${escapeHtml(fence.language)}"` : "";
    out.push(`<pre><code${attribute}>${escapeHtml(fence.lines.join("\n"))}</code></pre>`);
    fence = null;
  };
  for (const line of text.split("\n")) {
    const match = FENCE.exec(line);
    if (fence) {
      if (match && line.trim().startsWith(fence.marker) && line.trim() === match[1]) closeFence();
      else fence.lines.push(line);
    } else if (match) {
      fence = { marker: match[1] ?? "```", language: match[2] ?? "", lines: [] };
    } else {
      out.push(inlineHtml(line));
    }
  }
  closeFence();
  return out.join("\n");
}

/** One line outside code blocks: `code` spans first, then **bold** only in the text between them. */
function inlineHtml(line: string): string {
  return line
    .split(/(`[^`\n]+`)/)
    .map((segment, index) =>
      index % 2 === 1
        ? `<code>${escapeHtml(segment.slice(1, -1))}</code>`
        : escapeHtml(segment).replace(/\*\*([^*\n]+?)\*\*/g, "<b>$1</b>"),
    )
    .join("");
}

/** Plain text (no Markdown reading) as parts: for prompts, notices and reveals. */
export function textParts(text: string, limit = MESSAGE_LIMIT): MessagePart[] {
  return fitParts(text, limit, escapeHtml).map(({ html, raw }) => ({ html, plain: raw }));
}

/**
 * A model's answer as parts headed "Model A", "Model A (2/3)", …: split with splitMessage (code fences stay
 * whole), converted to HTML, and re-split wherever escaping made a part longer than a message.
 */
export function answerParts(title: string, answer: string, limit = MESSAGE_LIMIT): MessagePart[] {
  const headerRoom = title.length + 16;
  const pieces = fitParts(answerBody(answer), limit - headerRoom, markdownToHtml);
  return pieces.map(({ html, raw }, index) => {
    const heading = pieces.length === 1 ? title : `${title} (${index + 1}/${pieces.length})`;
    return { html: `<b>${escapeHtml(heading)}</b>\n\n${html}`, plain: `${heading}\n\n${raw}` };
  });
}

function fitParts(
  text: string,
  limit: number,
  toHtml: (raw: string) => string,
): { raw: string; html: string }[] {
  const parts: { raw: string; html: string }[] = [];
  for (const raw of splitMessage(text, limit)) {
    const html = toHtml(raw);
    if (html.length <= limit || raw.length <= 40) {
      parts.push({ raw, html });
      continue;
    }
    // Escaping grew this part past the limit: split its raw text again, smaller in proportion.
    const smaller = Math.max(40, Math.floor((limit * raw.length) / html.length) - 8);
    parts.push(...fitParts(raw, Math.min(smaller, raw.length - 1), toHtml));
  }
  return parts;
}

/** Telegram shows at most 200 characters in a callback alert: cut at a line or word, with an ellipsis. */
export function alertText(text: string): string {
  if (text.length <= ALERT_LIMIT) return text;
  const room = text.slice(0, safeCut(text, ALERT_LIMIT - 1));
  const cut = Math.max(room.lastIndexOf("\n"), room.lastIndexOf(" "));
  return `${(cut > ALERT_LIMIT / 2 ? room.slice(0, cut) : room).trimEnd()}…`;
}

/** A topic name: one line, at most 128 characters. */
export function topicName(title: string): string {
  const oneLine = title.replace(/\s+/g, " ").trim() || "Battle";
  return truncateText(oneLine, 128);
}
