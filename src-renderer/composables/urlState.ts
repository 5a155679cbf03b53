/**
 * The workbench's state in the URL hash (issue 15, point 7), so a reload — or the same URL
 * opened in another window of this machine — comes back to the same place:
 *   #/queries?model=lenet5-bn&checkpoint=epoch-5&q={…}&sel=1k-1o.2a&from=latent…&answer=12
 * view (the path), model and checkpoint, the query form (JSON), the selection (item ids as
 * base-36 runs) with where it came from, and the saved answer on screen.
 *
 * Pure functions (no DOM): parse and format. The composable in useUrlState.ts wires them to the
 * views' refs.
 */

export interface UrlState {
  view: string;
  model?: string;
  checkpoint?: string;
  /** The query form, as the Queries view keeps it. */
  query?: Record<string, unknown>;
  selection?: number[];
  selectionFrom?: string;
  answer?: number;
}

/** Sorted, distinct ids as runs in base 36: "a-f.k.z-1a" (a run "x-y" is x…y inclusive). */
export function encodeIds(ids: readonly number[]): string {
  const s = [...new Set(ids.filter((x) => Number.isInteger(x) && x >= 0))].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < s.length;) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j] + 1) j++;
    runs.push(j > i ? `${s[i].toString(36)}-${s[j].toString(36)}` : s[i].toString(36));
    i = j + 1;
  }
  return runs.join('.');
}

/** The ids of encodeIds' text; malformed runs are skipped (a hand-edited URL must not break the page). */
export function decodeIds(text: string, max = 100_000): number[] {
  const out: number[] = [];
  for (const run of text.split('.')) {
    const m = /^([0-9a-z]+)(?:-([0-9a-z]+))?$/.exec(run);
    if (!m) continue;
    const a = parseInt(m[1], 36);
    const b = m[2] !== undefined ? parseInt(m[2], 36) : a;
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || b < a) continue;
    for (let x = a; x <= b && out.length < max; x++) out.push(x);
    if (out.length >= max) break;
  }
  return out;
}

/** The state in a location hash ("#/view?…"); unknown or malformed parts are ignored. */
export function parseHash(hash: string): UrlState {
  const body = hash.replace(/^#\/?/, '');
  const q = body.indexOf('?');
  const view = q < 0 ? body : body.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : body.slice(q + 1));
  const state: UrlState = { view };
  const model = params.get('model');
  if (model) state.model = model;
  const checkpoint = params.get('checkpoint');
  if (checkpoint) state.checkpoint = checkpoint;
  const query = params.get('q');
  if (query) {
    try {
      const v = JSON.parse(query) as unknown;
      if (v && typeof v === 'object' && !Array.isArray(v)) state.query = v as Record<string, unknown>;
    } catch { /* a hand-edited form is dropped */ }
  }
  const sel = params.get('sel');
  if (sel) {
    const ids = decodeIds(sel);
    if (ids.length) state.selection = ids;
    const from = params.get('from');
    if (from) state.selectionFrom = from;
  }
  const answer = Number(params.get('answer'));
  if (Number.isInteger(answer) && answer > 0) state.answer = answer;
  return state;
}

/** The hash of a state ("#/view?model=…"); empty parts are left out. */
export function formatHash(s: UrlState): string {
  const p = new URLSearchParams();
  if (s.model) p.set('model', s.model);
  if (s.checkpoint) p.set('checkpoint', s.checkpoint);
  if (s.query && Object.keys(s.query).length) p.set('q', JSON.stringify(s.query));
  if (s.selection?.length) {
    p.set('sel', encodeIds(s.selection));
    if (s.selectionFrom) p.set('from', s.selectionFrom);
  }
  if (s.answer) p.set('answer', String(s.answer));
  const qs = p.toString();
  return `#/${s.view}${qs ? `?${qs}` : ''}`;
}
