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

/** `scale` multiplies the pixel size (2 = sharp on high-density screens); `background` fills transparent areas. */
export function svgToPng(svg: string, scale: number, background: string): Uint8Array {
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
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

export async function specToPng(spec: TopLevelSpec, scale: number, background: string): Promise<Uint8Array> {
  return svgToPng(await specToSvg(spec), scale, background);
}
