import { afterAll, describe, expect, it } from 'vitest';
import { createProject, type Store } from '../../store/project.ts';
import { insertDataset } from '../../store/datasets.ts';
import { insertCheckpoint, insertModel } from '../../store/models.ts';
import { insertSample, saveQueryResult } from '../../store/samples.ts';
import { runExtraction } from '../../store/extract-job.ts';
import { FakeRunner, FAKE_CLASSES, FAKE_LAYERS, fakeDataset, fakeLabel, fakePredicted } from '../../store/test-support/fake-runner.ts';
import { fakeClock, tmpDir } from '../../store/test-support/tmp.ts';
import type { BatchOutput } from '../../core/extraction-types.ts';
import { requests } from '../../shared/api.ts';
import { renderReportHtml } from '../../reports/html.ts';
import { reportCsvTables } from '../../reports/csv.ts';
import { saveAnswer, updateAnswer } from './answers.ts';
import { gatherReport } from './report.ts';

const N = 40;
/** Checkpoint B: items with id % 5 = 0 become wrong, every other item right. */
class ShiftedRunner extends FakeRunner {
  protected override async compute(indices: number[], layerNames: string[]): Promise<BatchOutput> {
    const out = await super.compute(indices, layerNames);
    indices.forEach((idx, i) => { out.predicted[i] = idx % 5 === 0 ? (fakeLabel(idx) + 1) % FAKE_CLASSES : fakeLabel(idx); });
    return out;
  }
}
const predB = (idx: number) => (idx % 5 === 0 ? (fakeLabel(idx) + 1) % FAKE_CLASSES : fakeLabel(idx));

const stores: Store[] = [];
afterAll(async () => { for (const s of stores.splice(0)) await s.close(); });

async function project() {
  const store = await createProject(tmpDir('margin-report-sel-'), { now: fakeClock() });
  stores.push(store);
  const ds = await insertDataset(store, 'toy', fakeDataset({ test: N }), null);
  const model = await insertModel(store, { name: 'fake', architecture: 'fake-net', inputShape: [4, 4, 1], numClasses: FAKE_CLASSES, latentLayer: 'latent', engine: 'cpu', datasetId: ds, split: 'test', layers: FAKE_LAYERS });
  const ck1 = await insertCheckpoint(store, model, { label: 'epoch-1', ordinal: 1 });
  const ck2 = await insertCheckpoint(store, model, { label: 'epoch-2', ordinal: 2 });
  await runExtraction({ store, checkpointId: ck1, runner: new FakeRunner(), datasetId: ds, split: 'test', layers: ['conv1'], dtype: 'float32', batchSize: 16 });
  await runExtraction({ store, checkpointId: ck2, runner: new ShiftedRunner(), datasetId: ds, split: 'test', layers: ['conv1'], dtype: 'float32', batchSize: 16 });
  await insertSample(store, { modelId: model, name: 's1', method: 'uniform', params: {}, seconds: 0, checkpointId: ck1, memberIds: Int32Array.from([1, 2, 3]) });
  await insertSample(store, { modelId: model, name: 's2', method: 'uniform', params: {}, seconds: 0, checkpointId: ck1, memberIds: Int32Array.from([4, 5]) });
  return store;
}

const s1Result = (subset: object) => ({ answer: { set: 'S1', layer: 'conv1', granularity: 'unit', subset, items: 3, topK: [{ neuron: 7, score: 0.5 }], shape: [2, 2, 3] }, computed: { items: 0, bytes: 0, seconds: 0 }, seconds: 0.01 });
const save = (store: Store, p: unknown) => saveAnswer(store, requests['answers.save'].params.parse(p));
const opts = { backend: async () => ({ name: 'cpu' }), now: () => Date.UTC(2026, 0, 1) };

describe('what goes in a report (issue 15, point 9)', () => {
  it('by default exactly the pinned answers, titled as saved, with example items of their subset', async () => {
    const store = await project();
    const pinned = await save(store, { kind: 'query.run', title: 'Why class 2 fails', pinned: true, params: { model: 'fake', checkpoint: 'epoch-1', set: 'S1', layer: 'conv1', subset: { outcome: 'incorrect', trueClass: 2 } }, result: s1Result({ outcome: 'incorrect', trueClass: 2 }) });
    await save(store, { kind: 'query.run', title: 'not pinned', params: { model: 'fake', checkpoint: 'epoch-1', set: 'S1', layer: 'conv1' }, result: s1Result({ outcome: 'all' }) });
    const doc = await gatherReport(store, { model: 'fake', thumbnails: 4 }, opts);
    expect(doc.queries!.map((q) => q.title)).toEqual(['Why class 2 fails']);
    const q = doc.queries![0];
    expect(doc.notes ?? []).toEqual([]);
    expect(q.answerId).toBe(pinned.id);
    // Class 2, wrong under epoch-1.
    const expected = Array.from({ length: N }, (_, i) => i).filter((i) => fakeLabel(i) === 2 && fakePredicted(i) !== 2);
    expect(expected.length).toBeGreaterThan(0);
    expect(q.examples!.total).toBe(expected.length);
    expect(q.examples!.items.map((t) => t.itemId)).toEqual(expected.slice(0, 4));
    expect(q.examples!.items[0].src).toMatch(/^data:image\/png;base64,/);
    expect(q.examples!.items[0].caption).toBe(`#${expected[0]} class-2 → class-${fakePredicted(expected[0])}`);
    expect(q.topK).toEqual([{ neuron: 7, score: 0.5 }]);
    const html = renderReportHtml(doc);
    expect(html.match(/<img src="data:image\/png;base64,/g)!.length).toBe(Math.min(4, expected.length));
    expect(html).toContain('conv1[c=1, y=1, x=0] #7');
    expect(html).not.toContain('not pinned');
  });

  it('chosen answers and samples by name; unknown ones are refused naming them; none pinned falls back with a note', async () => {
    const store = await project();
    const a = await save(store, { kind: 'query.named', params: { model: 'fake', checkpoint: 'epoch-1', query: 'Q4', layer: 'conv1', classA: 2 }, result: { query: 'Q4', title: 'Q4', data: { correlation: Array.from({ length: 12 }, (_, u) => u / 12), cka: 0.4, items: 10 }, seconds: 0 } });
    const doc = await gatherReport(store, { model: 'fake', answers: [a.id], samples: ['s2'], thumbnails: 2 }, opts);
    expect(doc.queries!.map((q) => q.answerId)).toEqual([a.id]);
    expect(doc.queries![0].examples!.items.every((t) => t.caption.includes('class-2'))).toBe(true);
    expect(doc.samples!.map((s) => s.name)).toEqual(['s2']);
    expect(doc.queries![0].tables![0].rows[0][0]).toBe('conv1[c=2, y=1, x=1] #11');
    await expect(gatherReport(store, { model: 'fake', answers: [999] }, opts)).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/answers: there is no saved answer 999/) });
    await expect(gatherReport(store, { model: 'fake', samples: ['nope'] }, opts)).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/samples: model "fake" has no sample "nope"; its samples: s1, s2/) });
    // Nothing pinned: the newest query answers, saying so.
    await saveQueryResult(store, 'query.run', { model: 'fake', checkpoint: 'epoch-1', set: 'S1', layer: 'conv1', k: 1 }, s1Result({ outcome: 'all' }));
    const fallback = await gatherReport(store, { model: 'fake' }, opts);
    expect(fallback.queries).toHaveLength(1);
    expect(fallback.notes!.join(' ')).toMatch(/No answer of fake is pinned/);
    // Pinning changes the default.
    await updateAnswer(store, { id: a.id, pinned: true });
    expect((await gatherReport(store, { model: 'fake' }, opts)).queries!.map((q) => q.answerId)).toEqual([a.id]);
  });

  it('compares two checkpoints of one model: accuracies, per-class change, flips with thumbnails', async () => {
    const store = await project();
    const doc = await gatherReport(store, { model: 'fake', comparisons: [{ a: { model: 'fake', checkpoint: 'epoch-1' }, b: { model: 'fake', checkpoint: 'epoch-2' } }], thumbnails: 3 }, opts);
    const ids = Array.from({ length: N }, (_, i) => i);
    const rtw = ids.filter((i) => fakePredicted(i) === fakeLabel(i) && predB(i) !== fakeLabel(i));
    const wtr = ids.filter((i) => fakePredicted(i) !== fakeLabel(i) && predB(i) === fakeLabel(i));
    const c = doc.comparisons![0];
    expect(c.items).toBe(N);
    expect(c.rightToWrong.total).toBe(rtw.length);
    expect(c.wrongToRight.total).toBe(wtr.length);
    expect(c.rightToWrong.items.map((t) => t.itemId)).toEqual(rtw.slice(0, 3));
    expect(c.a.accuracy).toBeCloseTo(ids.filter((i) => fakePredicted(i) === fakeLabel(i)).length / N, 10);
    expect(c.b.accuracy).toBeCloseTo(ids.filter((i) => predB(i) === fakeLabel(i)).length / N, 10);
    const html = renderReportHtml(doc);
    expect(html).toContain('Checkpoint comparisons');
    expect(html).toContain('fake: checkpoint epoch-1 → epoch-2');
    expect(reportCsvTables(doc).map((t) => t.name)).toEqual(expect.arrayContaining(['comparisons', 'comparison-classes']));
    await expect(gatherReport(store, { model: 'fake', comparisons: [{ a: { model: 'fake', checkpoint: 'epoch-1' }, b: { model: 'fake', checkpoint: 'epoch-1' } }] }, opts))
      .rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/compared with itself/) });
  });
});
