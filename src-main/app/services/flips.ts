/**
 * Compare two checkpoints (of one model or of two models on the same items) item by item: both
 * confusion matrices over the items both predicted, B − A, per-class accuracy of each side, and
 * the items that flipped — right under A and wrong under B, and the reverse — optionally only
 * among a sample's members (the comparison answered from a sample).
 */
import type { FlipComparison, ParamsOut } from '../../shared/api.ts';
import { MarginError, badInput } from '../../shared/errors.ts';
import { getDataset, getPredictions, getSample, listSamples } from '../../store/index.ts';
import type { Predictions, Store } from '../../store/index.ts';
import { resolveCheckpoint } from './models.ts';

/** The comparison of two prediction sets over their common items (ascending ids), optionally within `only`. */
export function compareFlips(a: Predictions, b: Predictions, classes: number, only?: ReadonlySet<number>, limit = 1000) {
  const rowB = new Map<number, number>();
  b.itemIds.forEach((id, i) => rowB.set(id, i));
  const zero = () => Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const countsA = zero();
  const countsB = zero();
  const rightToWrong: number[] = [];
  const wrongToRight: number[] = [];
  let items = 0;
  for (let i = 0; i < a.itemIds.length; i++) {
    const id = a.itemIds[i];
    const j = rowB.get(id);
    if (j === undefined || (only && !only.has(id))) continue;
    const t = a.trueLabels[i];
    if (b.trueLabels[j] !== t) throw new MarginError('CONFLICT', `item ${id} has true class ${t} under A but ${b.trueLabels[j]} under B: the two sides are not on the same data set`);
    items++;
    countsA[t][a.predicted[i]]++;
    countsB[t][b.predicted[j]]++;
    const okA = a.predicted[i] === t;
    const okB = b.predicted[j] === t;
    if (okA && !okB) rightToWrong.push(id);
    if (!okA && okB) wrongToRight.push(id);
  }
  const acc = (m: number[][]) => m.map((row, c) => { const n = row.reduce((x, y) => x + y, 0); return n ? row[c] / n : null; });
  return {
    items, countsA, countsB,
    delta: countsB.map((row, r) => row.map((v, c) => v - countsA[r][c])),
    accuracyA: acc(countsA), accuracyB: acc(countsB),
    rightToWrong: { total: rightToWrong.length, items: rightToWrong.slice(0, limit) },
    wrongToRight: { total: wrongToRight.length, items: wrongToRight.slice(0, limit) },
  };
}

export async function flipComparison(store: Store, r: ParamsOut<'compare.flips'>): Promise<FlipComparison> {
  const A = await resolveCheckpoint(store, r.a.model, r.a.checkpoint);
  const B = await resolveCheckpoint(store, r.b.model, r.b.checkpoint);
  if (A.model.numClasses !== B.model.numClasses) {
    throw badInput(`b: model "${B.model.name}" has ${B.model.numClasses} classes and "${A.model.name}" ${A.model.numClasses}: compare models of the same data set`);
  }
  let only: Set<number> | undefined;
  if (r.sample) {
    const s = (await listSamples(store, A.model.id)).find((x) => x.name === r.sample);
    if (!s) throw new MarginError('NOT_FOUND', `sample: model "${A.model.name}" has no sample "${r.sample}"`);
    only = new Set((await getSample(store, s.id)).memberIds);
  }
  const [pa, pb] = await Promise.all([getPredictions(store, A.checkpoint.id), getPredictions(store, B.checkpoint.id)]);
  if (pa.itemIds.length === 0) throw new MarginError('NOT_FOUND', `a: checkpoint ${A.checkpoint.label} of "${A.model.name}" has no predictions yet: extract them first`);
  if (pb.itemIds.length === 0) throw new MarginError('NOT_FOUND', `b: checkpoint ${B.checkpoint.label} of "${B.model.name}" has no predictions yet: extract them first`);
  const ds = A.model.datasetId != null ? await getDataset(store, A.model.datasetId) : null;
  const classNames = Array.from({ length: A.model.numClasses }, (_, c) => ds?.classNames[c] ?? `class ${c}`);
  return {
    a: { model: A.model.name, checkpoint: A.checkpoint.label },
    b: { model: B.model.name, checkpoint: B.checkpoint.label },
    classNames,
    ...(r.sample ? { sample: r.sample } : {}),
    ...compareFlips(pa, pb, A.model.numClasses, only, r.limit),
  };
}
