// Cutting text for platform limits (counted in UTF-16 units, as Discord and Telegram count) without breaking
// a surrogate pair or a grapheme cluster (an emoji with its modifiers, a letter with its accents, a flag).

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** The largest grapheme boundary at or before `index` (0 when the first grapheme is longer than `index`). */
export function graphemeBoundaryAtOrBefore(text: string, index: number): number {
  if (index >= text.length) return text.length;
  if (index <= 0) return 0;
  const segment = segmenter.segment(text).containing(index);
  return segment === undefined ? index : segment.index;
}

/** At most `limit` UTF-16 units of `text`, cut at a grapheme boundary; a cut text ends with `ellipsis`. */
export function truncateText(text: string, limit: number, ellipsis = "…"): string {
  if (text.length <= limit) return text;
  const room = Math.max(0, limit - ellipsis.length);
  return `${text.slice(0, safeCut(text, room))}${ellipsis}`;
}

/**
 * A cut at or before `room` that splits no grapheme; when even the first grapheme is longer than `room` (a
 * pathological cluster of combining marks), the cut falls between code points instead, never inside a pair.
 */
export function safeCut(text: string, room: number): number {
  const boundary = graphemeBoundaryAtOrBefore(text, room);
  if (boundary > 0 || room <= 0) return boundary;
  const code = text.charCodeAt(room - 1);
  return code >= 0xd800 && code <= 0xdbff ? room - 1 : room;
}
