/**
 * HTML escaping for text and attribute values: the five characters that can break out of either.
 * The one helper for every string built as HTML — the report files (src-main/reports) and the
 * renderer's chart tooltips, which ECharts inserts as innerHTML — so that a class, layer or model
 * name such as `<img src=x onerror=alert(1)>` is shown as text, never run.
 */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}
