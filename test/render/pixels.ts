// Decodes a PNG and answers questions about regions of it, for the chart tests.
import { decode } from "fast-png";

export interface Image {
  readonly width: number;
  readonly height: number;
  /** [r, g, b] of a pixel. */
  rgb(x: number, y: number): [number, number, number];
}

export function decodePng(png: Uint8Array): Image {
  const decoded = decode(png);
  if (decoded.depth !== 8) throw new Error(`unexpected bit depth ${decoded.depth}`);
  const { width, height, data, channels } = decoded;
  return {
    width,
    height,
    rgb(x, y) {
      const i = (Math.floor(y) * width + Math.floor(x)) * channels;
      return [data[i] ?? 0, data[i + 1] ?? 0, data[i + 2] ?? 0];
    },
  };
}

/** A region as fractions of the image: [left, top, right, bottom] in 0..1. */
export type Region = readonly [number, number, number, number];

export function countPixels(
  image: Image,
  region: Region,
  test: (rgb: [number, number, number]) => boolean,
): number {
  const [left, top, right, bottom] = region;
  let count = 0;
  for (let y = Math.floor(top * image.height); y < Math.floor(bottom * image.height); y++) {
    for (let x = Math.floor(left * image.width); x < Math.floor(right * image.width); x++) {
      if (test(image.rgb(x, y))) count++;
    }
  }
  return count;
}

export function distinctColours(image: Image, region: Region = [0, 0, 1, 1]): number {
  const seen = new Set<number>();
  countPixels(image, region, ([r, g, b]) => {
    seen.add((r << 16) | (g << 8) | b);
    return false;
  });
  return seen.size;
}

const luminance = ([r, g, b]: [number, number, number]) => 0.2126 * r + 0.7152 * g + 0.0722 * b;

/** Text on the light card: dark grey (anti-aliased edges included). */
export const isDarkInk = (rgb: [number, number, number]) => luminance(rgb) < 110;
/** Text on the dark card. */
export const isLightInk = (rgb: [number, number, number]) => luminance(rgb) > 170;
export const isBluish = ([r, , b]: [number, number, number]) => b > 150 && b - r > 60;
export const isReddish = ([r, , b]: [number, number, number]) => r > 150 && r - b > 60;
