// Redaction of secrets (API keys, platform tokens) in any text about to leave the process: log lines, error
// messages, chat replies, stored reasons. Providers and libraries echo keys in more shapes than the exact one,
// so each secret is looked for as:
// - itself, or any prefix of at least PREFIX_MIN_CHARS characters ("Incorrect API key provided: sk-proj-abc…");
// - URL-encoded, character by character (%XX, either case) — query strings and form bodies;
// - split by whitespace or line breaks, or cut into quoted pieces glued with "+" ("sk-ab" + "cdef");
// - base64, standard or URL-safe, alone or inside a longer encoding such as `Basic base64(user:key)` (matched
//   at each of the three byte alignments, and the whole base64 word is replaced).

/** A secret shorter than this is only redacted whole (a prefix of it would match ordinary words). */
export const PREFIX_MIN_CHARS = 12;
export const REDACTED = "[redacted]";

/** Between two characters of a secret: whitespace, quotes and "+" (split or concatenated pieces). */
const SEPARATOR = String.raw`[\s"'\x60+]*`;
const BASE64_WORD_CHAR = "[A-Za-z0-9+/_=-]";

export type Redactor = (text: string) => string;

/** A redactor for these secrets (empty ones ignored); with none, text is returned unchanged. */
export function createRedactor(secrets: Iterable<string | null | undefined>): Redactor {
  const distinct = [...new Set([...secrets].map((secret) => secret?.trim() ?? ""))].filter(
    (secret) => secret !== "",
  );
  if (distinct.length === 0) return (text) => text;
  // Longest first, so a secret that contains another is replaced whole.
  distinct.sort((a, b) => b.length - a.length);
  const alternatives = distinct.flatMap((secret) => [plainPattern(secret), ...base64Patterns(secret)]);
  const pattern = new RegExp(alternatives.join("|"), "gu");
  return (text) => text.replace(pattern, REDACTED);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** One character of the secret, or its percent-encoding (each UTF-8 byte as %XX, hex in either case). */
function characterPattern(char: string): string {
  const encoded = [...new TextEncoder().encode(char)].map((byte) => `%${hexDigitsPattern(byte)}`).join("");
  return `(?:${escapeRegExp(char)}|${encoded})`;
}

/** A byte's two hex digits, either case: %2f and %2F. */
function hexDigitsPattern(byte: number): string {
  return [...byte.toString(16).padStart(2, "0")]
    .map((digit) => (/[a-f]/.test(digit) ? `[${digit}${digit.toUpperCase()}]` : digit))
    .join("");
}

/** The secret, or a prefix of PREFIX_MIN_CHARS or more, with separators allowed between its characters. */
function plainPattern(secret: string): string {
  const chars = [...secret].map(characterPattern);
  const required = Math.min(chars.length, PREFIX_MIN_CHARS);
  let optionalTail = "";
  for (let index = chars.length - 1; index >= required; index--) {
    optionalTail = `(?:${SEPARATOR}${chars[index]}${optionalTail})?`;
  }
  return chars.slice(0, required).join(SEPARATOR) + optionalTail;
}

/**
 * The part of a base64 encoding that depends on the secret's bytes only, at byte offsets 0, 1 and 2 (so it is
 * found inside the encoding of anything that contains the secret, e.g. "user:" + secret), standard and URL-safe;
 * each matched with the rest of its base64 word.
 */
function base64Patterns(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  if (bytes.length < 6) return [];
  const cores = new Set<string>();
  for (let offset = 0; offset < 3; offset++) {
    const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
    const encoded = padded.toString("base64");
    const start = Math.ceil((4 * offset) / 3);
    const end = Math.floor((4 * (offset + bytes.length)) / 3);
    const core = encoded.slice(start, end);
    cores.add(core);
    cores.add(core.replaceAll("+", "-").replaceAll("/", "_"));
  }
  return [...cores].map((core) => `${BASE64_WORD_CHAR}*${escapeRegExp(core)}${BASE64_WORD_CHAR}*`);
}
