/**
 * ECharts server-side rendering to an SVG string: no DOM, no canvas, animation off, the chart
 * disposed after. zrender numbers its element ids per instance (`zr7-c0`, `zr7-cls-3`), which
 * would make the same chart differ between runs; ids are renamed to a fixed scope so output is
 * reproducible, and `rescopeSvgIds` gives each chart its own scope when several are inlined into
 * one HTML page (where ids are document-global).
 */
import * as echarts from 'echarts';
import type { EChartsOption } from 'echarts';

export const SVG_SCOPE = 'chart';

// Ids and class names appear in these attribute/CSS contexts only; text content is escaped by
// zrender and never matched, because the prefix always follows one of these openers.
const ZR_ID = /(id="|url\(#|class="|href="#|^\.)zr\d+-/gm;

export function renderSvg(option: EChartsOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, ...option });
    return chart
      .renderToSVGString()
      // Hover-only CSS (cursor and highlight) means nothing in a static picture, and its class
      // numbers come from a process-wide counter; dropping both keeps the output reproducible.
      .replace(/<style\b[^>]*>[\s\S]*?<\/style>\s*/g, '')
      .replace(/ class="zr\d+-cls-\d+"/g, '')
      .replace(ZR_ID, `$1${SVG_SCOPE}-`);
  } finally {
    chart.dispose();
  }
}

/** Renames the `chart-` id scope of a rendered SVG to `scope-` (unique per chart in a page). */
export function rescopeSvgIds(svg: string, scope: string): string {
  if (!/^[A-Za-z][\w-]*$/.test(scope)) throw new RangeError(`svg id scope must be an identifier, got ${JSON.stringify(scope)}`);
  const re = new RegExp(`(id="|url\\(#|class="|href="#|^\\.)${SVG_SCOPE}-`, 'gm');
  return svg.replace(re, `$1${scope}-`);
}
