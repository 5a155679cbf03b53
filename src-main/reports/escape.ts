/** HTML escaping of the report files: the one helper shared with the renderer (shared/escape-html.ts). */
export { escapeHtml } from '../shared/escape-html.ts';
