// Vega-Lite specification → Vega view → SVG → PNG (resvg), with the bundled font and no system fonts.
import { Resvg } from "@resvg/resvg-js";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { FONT_FAMILY, fontFiles, useChartFontMetrics } from "./font.ts";

/** Renders a Vega-Lite spec to SVG text. */
export async function specToSvg(spec: TopLevelSpec): Promise<string> {
  useChartFontMetrics();
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Pixel budget of a chart drawn at the automatic scale: sharp in chat, and quick to rasterise and encode. */
const MAX_PIXELS = 2_000_000;
const MAX_AUTO_SCALE = 2;

/** Twice the size (sharp on high-density screens) unless that would exceed the pixel budget. */
export function automaticScale(svg: string): number {
  const size = /^<svg[^>]*?\swidth="([\d.]+)"[^>]*?\sheight="([\d.]+)"/.exec(svg);
  const width = Number(size?.[1] ?? 0);
  const height = Number(size?.[2] ?? 0);
  if (!(width > 0 && height > 0)) return 1;
  return Math.max(1, Math.min(MAX_AUTO_SCALE, Math.sqrt(MAX_PIXELS / (width * height))));
}

/** `scale` multiplies the pixel size (default: automatic); `background` fills transparent areas. */
export function svgToPng(svg: string, scale: number | undefined, background: string): Uint8Array {
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: scale ?? automaticScale(svg) },
    background,
    font: {
      loadSystemFonts: false,
      fontFiles: [...fontFiles],
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
    },
  });
  return new Uint8Array(resvg.render().asPng());
}

export async function specToPng(
  spec: TopLevelSpec,
  scale: number | undefined,
  background: string,
): Promise<Uint8Array> {
  return svgToPng(await specToSvg(spec), scale, background);
}
