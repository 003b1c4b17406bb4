// Small text helpers shared by the tables and the charts.

const ELLIPSIS = "…";

/**
 * Shortens `text` to at most `maxWidth` (as measured by `measure`, default: code points) by cutting out its
 * middle, so both the family at the start and the size/variant at the end of a model name stay readable.
 */
export function shortenMiddle(
  text: string,
  maxWidth: number,
  measure: (s: string) => number = codePointLength,
): string {
  if (measure(text) <= maxWidth) return text;
  const chars = Array.from(text);
  if (measure(ELLIPSIS) >= maxWidth) return chars.slice(0, Math.max(0, Math.floor(maxWidth))).join("");
  // Keep ~60% of what fits at the start and the rest at the end; with a non-uniform measure, shrink from there.
  const budget = measure === codePointLength ? maxWidth - 1 : chars.length - 1;
  let head = Math.ceil(budget * 0.6);
  let tail = budget - head;
  while (head + tail > 0) {
    const candidate = chars.slice(0, head).join("") + ELLIPSIS + chars.slice(chars.length - tail).join("");
    if (measure(candidate) <= maxWidth) return candidate;
    if (head * 2 > tail * 3 || tail === 0) head--;
    else tail--;
  }
  return ELLIPSIS;
}

export function codePointLength(text: string): number {
  return Array.from(text).length;
}

/** Shortens each name to fit and keeps the results distinct (a chart scale would merge equal labels). */
export function distinctShortNames(
  names: readonly string[],
  maxWidth: number,
  measure: (s: string) => number = codePointLength,
): string[] {
  const seen = new Set<string>();
  return names.map((name) => {
    let label = shortenMiddle(name, maxWidth, measure);
    for (let n = 2; seen.has(label); n++)
      label = `${shortenMiddle(name, maxWidth - measure(` ${n}`), measure)} ${n}`;
    seen.add(label);
    return label;
  });
}

const integerFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const compactFormat = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

/** 1,234 below ten thousand, then 12.3K, 1.2M: battle counts in narrow columns. */
export function formatCount(value: number): string {
  return Math.abs(value) < 10_000 ? integerFormat.format(value) : compactFormat.format(value);
}

export function formatInteger(value: number): string {
  return integerFormat.format(value);
}

/** "1 battle", "2,345 battles": a count with its noun in the right number. */
export function formatQuantity(value: number, noun: string): string {
  return `${formatInteger(value)} ${Math.round(value) === 1 ? noun : `${noun}s`}`;
}

/** "+12/-10": distance from the rating up to the upper bound and down to the lower bound, rounded. */
export function formatInterval(rating: number, lower: number, upper: number): string {
  return `+${Math.round(upper - rating)}/-${Math.round(rating - lower)}`;
}
