/**
 * What goes into a report (issue 15, point 9): the saved answers chosen (default: the pinned
 * ones of the model; none pinned: the newest saved query answers, as before), with example
 * thumbnails of each answer's subset; the samples chosen (default all of the model's); and the
 * comparisons of two checkpoints (of one model or of two) with their B − A change and the
 * flipped items as thumbnails.
 */
import type { ParamsOut, SavedAnswer } from '../../shared/api.ts';
import { requests } from '../../shared/api.ts';
import { MarginError, badInput } from '../../shared/errors.ts';
import type { ReportExamples, ReportFlipComparison, ReportQuery, ReportThumb } from '../../reports/report-document.ts';
import { reportQueriesFromSaved, subsetInWords } from '../../reports/saved-runs.ts';
import { getDataset } from '../../store/datasets.ts';
import type { ModelDetail } from '../../store/models.ts';
import type { Store } from '../../store/project.ts';
import { getSavedAnswer, listSavedAnswers } from '../../store/saved-answers.ts';
import type { AskedRequest } from './answers.ts';
import { flipComparison } from './flips.ts';
import { itemThumbnails } from './datasets.ts';
import { listItemPage } from './items.ts';
import { resolveCheckpoint } from './models.ts';
import { pngDataUrl } from './saliency.ts';

type ItemFilter = ParamsOut<'items.list'>['filter'];

export interface AnswerSelection {
  /** Ids of saved answers; undefined = the pinned ones of the model. */
  answers?: number[];
  /** Example thumbnails per subset (0 = none). */
  thumbnails: number;
}

/** The saved answers the report holds, as report entries with examples; null when the caller should fall back to the newest saved query answers. */
export async function chosenAnswers(store: Store, model: ModelDetail, sel: AnswerSelection): Promise<{ queries: ReportQuery[]; notes: string[] } | null> {
  let ids = sel.answers;
  if (ids === undefined) {
    const pinned = await listSavedAnswers(store, { model: model.name, pinned: true });
    if (pinned.length === 0) return null;
    ids = pinned.map((p) => p.id).reverse(); // oldest first, as a notebook reads
  }
  const queries: ReportQuery[] = [];
  const notes: string[] = [];
  for (const id of ids) {
    let a: SavedAnswer;
    try {
      a = (await getSavedAnswer(store, id)) as SavedAnswer;
    } catch (err) {
      if (err instanceof MarginError && err.code === 'NOT_FOUND') throw badInput(`answers: there is no saved answer ${id}; choose among the saved answers (answers.list)`);
      throw err;
    }
    const m = a.model === model.name ? model : (await resolveCheckpoint(store, a.model, a.checkpoint ?? undefined)).model;
    const classNames = await classNamesOf(store, m);
    const layerShapes = Object.fromEntries(m.layers.map((l) => [l.name, l.shape]));
    const r = reportQueriesFromSaved([{ id: a.id, kind: a.kind, params: a.params, result: a.result, created: a.created }],
      { model: a.model, checkpoint: a.checkpoint ?? undefined, classNames, layerShapes, limit: 1 });
    const q = r.queries[0];
    if (!q) {
      notes.push(`Saved answer ${id} ("${a.title}") could not be read (an older format, or a query shown in the comparison section) and was left out.`);
      continue;
    }
    q.title = a.title;
    q.answerId = a.id;
    const scope = answerScope(a, classNames);
    if (scope && sel.thumbnails > 0) {
      try {
        q.examples = await examples(store, { model: a.model, checkpoint: a.checkpoint ?? undefined }, scope.filter, sel.thumbnails, `${scope.words} at ${a.model}@${a.checkpoint}`);
      } catch (err) {
        notes.push(`No example items for "${a.title}": ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    queries.push(q);
  }
  return { queries, notes };
}

async function classNamesOf(store: Store, m: ModelDetail): Promise<string[]> {
  const ds = m.datasetId != null ? await getDataset(store, m.datasetId) : null;
  return Array.from({ length: m.numClasses }, (_, c) => ds?.classNames[c] ?? `class ${c}`);
}

/** The subset an answer is about, as an item-grid filter, and in words; null when it has none (Q1 is per class, Q6/Q7 about checkpoints). */
export function answerScope(a: AskedRequest, classNames: readonly string[]): { filter: ItemFilter; words: string } | null {
  const sample = a.params.sample;
  const inSample = sample ? { sample, membership: 'members' as const } : { membership: 'any' as const };
  const sampleWords = sample ? ` (members of sample ${sample})` : '';
  if (a.kind === 'query.run') {
    const s = a.params.subset;
    return { filter: { ...s, ...inSample }, words: `${subsetInWords(s, classNames)}${sampleWords}` };
  }
  const p = a.params;
  let f: Omit<ItemFilter, 'membership'> | null = null;
  if (p.query === 'Q2') f = { outcome: 'incorrect', ...(p.classA !== undefined ? { trueClass: p.classA } : {}) };
  if (p.query === 'Q3' && p.classA !== undefined) f = { outcome: 'incorrect', trueClass: p.classA };
  if (p.query === 'Q4' && p.classA !== undefined) f = { outcome: 'all', trueClass: p.classA };
  if (p.query === 'Q5' && p.classA !== undefined && p.classB !== undefined) f = { outcome: 'all', trueClass: p.classA, predClass: p.classB };
  if (!f) return null;
  return { filter: { ...f, ...inSample }, words: `${subsetInWords(f, classNames)}${sampleWords}` };
}

/** The first `n` items (by id) of a filter on a checkpoint, as thumbnails with "#id true → predicted". */
async function examples(store: Store, ref: { model: string; checkpoint?: string }, filter: ItemFilter, n: number, caption: string): Promise<ReportExamples> {
  const page = await listItemPage(store, requests['items.list'].params.parse({ ...ref, filter, limit: Math.min(n, 200) }));
  const name = (c: number | null) => (c === null ? '?' : page.classNames[c] ?? `class ${c}`);
  return {
    total: page.total,
    caption,
    items: page.items.map((it): ReportThumb => ({
      itemId: it.itemId, src: it.thumbnail, caption: `#${it.itemId} ${name(it.trueLabel)}${it.predicted !== it.trueLabel ? ` → ${name(it.predicted)}` : ''}`,
    })),
  };
}

/** A comparison of two checkpoints for the report, with `n` thumbnails of each flip list. */
export async function reportComparison(store: Store, c: { a: { model: string; checkpoint?: string }; b: { model: string; checkpoint?: string } }, n: number): Promise<ReportFlipComparison> {
  const f = await flipComparison(store, requests['compare.flips'].params.parse({ a: c.a, b: c.b, limit: n }));
  if (f.a.model === f.b.model && f.a.checkpoint === f.b.checkpoint) {
    throw badInput(`comparisons: ${f.a.model}@${f.a.checkpoint} is compared with itself; choose two checkpoints or two models`);
  }
  const acc = (m: number[][]) => m.reduce((s, r, i) => s + r[i], 0) / Math.max(1, f.items);
  const A = await resolveCheckpoint(store, f.a.model, f.a.checkpoint);
  const ds = A.model.datasetId != null ? await getDataset(store, A.model.datasetId) : null;
  const thumbs = async (ids: number[]): Promise<ReportThumb[]> => {
    if (!ds || ids.length === 0) return [];
    const t = await itemThumbnails(store, ds.name, ids.slice(0, n));
    return t.map((x) => ({ itemId: x.itemId, src: pngDataUrl(x.png), caption: `#${x.itemId} ${f.classNames[x.label] ?? x.label}` }));
  };
  const words = (s: { model: string; checkpoint: string }) => `${s.model}@${s.checkpoint}`;
  return {
    a: { ...f.a, accuracy: acc(f.countsA) },
    b: { ...f.b, accuracy: acc(f.countsB) },
    items: f.items,
    classNames: f.classNames,
    accuracyA: f.accuracyA,
    accuracyB: f.accuracyB,
    delta: f.delta,
    rightToWrong: { total: f.rightToWrong.total, items: await thumbs(f.rightToWrong.items), caption: `right under ${words(f.a)}, wrong under ${words(f.b)}` },
    wrongToRight: { total: f.wrongToRight.total, items: await thumbs(f.wrongToRight.items), caption: `wrong under ${words(f.a)}, right under ${words(f.b)}` },
  };
}
