// The charts' font ships with the npm dependencies (Inter, OFL), so text renders the same on a machine with no
// system fonts. Vega lays text out with a width function; without a canvas it guesses 0.8 em per character,
// far wider than Inter, so we measure with the real glyph advances instead.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as vega from "vega";

export const FONT_FAMILY = "Inter";

const require = createRequire(import.meta.url);

// opentype.js ships no type declarations, and its ES build differs from its CommonJS one (no default export);
// require() always gets the CommonJS build. We only need glyph advances (its shaping path rejects some of
// Inter's lookups, and labels need no kerning precision).
interface OpenTypeFont {
  readonly unitsPerEm: number;
  charToGlyph(char: string): { readonly advanceWidth?: number };
}
const opentype = require("opentype.js") as { parse(buffer: ArrayBuffer): OpenTypeFont };

export const fontFiles: readonly string[] = [
  require.resolve("@expo-google-fonts/inter/400Regular/Inter_400Regular.ttf"),
  require.resolve("@expo-google-fonts/inter/700Bold/Inter_700Bold.ttf"),
];

function loadFont(path: string) {
  const bytes = readFileSync(path);
  return opentype.parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

const [regularFile, boldFile] = fontFiles as [string, string];
const regular = loadFont(regularFile);
const bold = loadFont(boldFile);

const widthCache = new Map<string, number>();

/** Width in pixels of `text` set in the chart font. */
export function textWidth(text: string, fontSize: number, isBold = false): number {
  const key = `${isBold ? "b" : "r"}${fontSize}|${text}`;
  let width = widthCache.get(key);
  if (width === undefined) {
    const font = isBold ? bold : regular;
    let units = 0;
    for (const char of text) units += font.charToGlyph(char).advanceWidth ?? font.unitsPerEm * 0.6;
    width = (units * fontSize) / font.unitsPerEm;
    if (widthCache.size > 20_000) widthCache.clear();
    widthCache.set(key, width);
  }
  return width;
}

interface TextItem {
  fontSize?: number;
  fontWeight?: string | number;
}

// Exported by vega (from vega-scenegraph) but missing from its type declarations.
const { textMetrics } = vega as unknown as {
  textMetrics: { width: (item: TextItem, text: string) => number };
};

function isBoldWeight(weight: string | number | undefined): boolean {
  return weight === "bold" || (typeof weight === "number" && weight >= 600) || weight === "600";
}

let installed = false;

/** Makes vega measure text with the chart font (idempotent; vega documents a user-defined `textMetrics.width`). */
export function useChartFontMetrics(): void {
  if (installed) return;
  textMetrics.width = (item: TextItem, text: string) =>
    textWidth(String(text ?? ""), item.fontSize ?? 11, isBoldWeight(item.fontWeight));
  installed = true;
}
