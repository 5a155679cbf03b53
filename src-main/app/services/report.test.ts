import { mainLayers } from './layers.ts';
import { existsSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createProject } from '../../store/project.ts';
import type { Store } from '../../store/project.ts';
import { insertDataset } from '../../store/datasets.ts';
import { insertCheckpoint, insertModel } from '../../store/models.ts';
import { insertSample, saveEvalRun, saveQueryResult } from '../../store/samples.ts';
import { runExtraction } from '../../store/extract-job.ts';
import { FakeRunner, FAKE_CLASSES, FAKE_LAYERS, fakeDataset } from '../../store/test-support/fake-runner.ts';
import { fakeClock, tmpDir } from '../../store/test-support/tmp.ts';
import { folderSnapshot } from '../../store/test-support/snapshot.ts';
import { requests } from '../../shared/api.ts';
import { MarginError } from '../../shared/errors.ts';
import { JobManager } from '../../jobs/job-manager.ts';
import type { HandlerContext } from '../context.ts';
import type { Workspace } from '../workspace.ts';
import { reportHandlers } from '../handlers/reports.ts';
import { runNamedQuery, type EnsureActivations } from './queries.ts';
import { exportReport, formatDate, gatherReport, type GatherOptions, type NamedQueryRunner } from './report.ts';
import { resolveChromium } from '../../reports/pdf.ts';

const N = 48;
const T0 = Date.UTC(2026, 2, 1, 9, 30);
const stores: Store[] = [];
afterAll(async () => { for (const s of stores.splice(0)) await s.close(); });

interface Fixture { store: Store; dir: string; named: NamedQueryRunner }

/**
 * A project with a data set of N items and, when `full`, two models on it: "fake" (checkpoints
 * epoch-1 and epoch-2, both extracted) and "other" (one extracted checkpoint); a sample, saved
 * query answers and evaluation runs. Without `full`: one model with a checkpoint and nothing else.
 */
async function project(full: boolean): Promise<Fixture> {
  const dir = tmpDir('margin-report-svc-');
  const store = await createProject(dir, { now: fakeClock(), name: 'toy project' });
  stores.push(store);
  const ds = await insertDataset(store, 'toy', fakeDataset({ test: N }), null);
  const newModel = (name: string) => insertModel(store, {
    name, architecture: `${name}-net`, inputShape: [4, 4, 1], numClasses: FAKE_CLASSES, latentLayer: 'latent', engine: 'cpu',
    datasetId: ds, split: 'test', layers: FAKE_LAYERS,
  });
  const extract = (ck: number, layers: string[], itemIds?: Int32Array) =>
    runExtraction({ store, checkpointId: ck, runner: new FakeRunner(), datasetId: ds, split: 'test', layers, itemIds, dtype: 'float32', batchSize: 32 });
  const ensureActivations: EnsureActivations = async (s, checkpointId, layer, itemIds) => {
    const r = await extract(checkpointId, [layer], itemIds);
    return { computedItems: r.computed, computedBytes: 0, seconds: r.seconds };
  };
  const named: NamedQueryRunner = (s, p, signal) => runNamedQuery(s, requests['query.named'].params.parse(p), { ensureActivations, save: false, signal, now: fakeClock() });

  const fake = await newModel('fake');
  const ck1 = await insertCheckpoint(store, fake, { label: 'epoch-1', ordinal: 1, testAccuracy: 0.5 });
  if (!full) return { store, dir, named };
  const ck2 = await insertCheckpoint(store, fake, { label: 'epoch-2', ordinal: 2 });
  await extract(ck1, ['conv1']);
  await extract(ck2, ['conv1', 'dense/1']);
  const other = await newModel('other');
  const ckO = await insertCheckpoint(store, other, { label: 'final', ordinal: 1 });
  await extract(ckO, ['dense/1']);

  await insertSample(store, { modelId: fake, name: 'uni-10', method: 'uniform', params: { fraction: 0.25, seed: 3, draw: 'without replacement', diagnostics: { size: 12 } }, seed: 3, fraction: 0.25, checkpointId: ck2, seconds: 0.01,
    memberIds: Int32Array.from({ length: 12 }, (_, i) => i * 4) });
  // Saved answers as the query service writes them (oldest first).
  const s1 = {
    answer: { set: 'S1', layer: 'conv1', granularity: 'unit', subset: { outcome: 'incorrect', trueClass: 2 }, items: 3, topK: [{ neuron: 4, score: 1.5 }, { neuron: 1, score: 0.9 }], shape: [2, 2, 3] },
    sample: { name: 'uni-10', exact: { set: 'S1', layer: 'conv1', granularity: 'unit', subset: { outcome: 'all' }, items: 12, topK: [{ neuron: 4, score: 1.4 }, { neuron: 7, score: 1 }], shape: [2, 2, 3] },
      error: { metric: 'precision@K', value: 0.5 } },
    computed: { items: 0, bytes: 0, seconds: 0 }, seconds: 0.004,
  };
  await saveQueryResult(store, 'query.run', { model: 'fake', checkpoint: 'epoch-2', set: 'S1', layer: 'conv1', k: 2, by: 'mean' }, s1);
  await saveQueryResult(store, 'query.run', { model: 'fake', checkpoint: 'epoch-1', set: 'S2', layer: 'dense/1' }, {
    answer: { set: 'S2', layer: 'dense/1', granularity: 'unit', subset: { outcome: 'all' }, items: N, vector: [0.1, -0.2, 0.3, 0, 0.5], shape: [5] },
    computed: { items: 0, bytes: 0, seconds: 0 }, seconds: 0.002,
  });
  await saveQueryResult(store, 'query.run', { model: 'fake', set: 'S3' }, { answer: 'not an answer' }); // malformed: skipped
  await saveQueryResult(store, 'query.run', { model: 'other', set: 'S2', layer: 'dense/1' }, s1); // another model's
  await saveQueryResult(store, 'query.named', { query: 'Q7', model: 'fake', model2: 'other' }, { query: 'Q7', title: 'x', data: {}, seconds: 1 });
  await saveEvalRun(store, 'e1', { model: 'fake', checkpoint: 'epoch-2', seeds: 2 }, { experiment: 'e1', rows: [
    { method: 'uniform', fraction: 0.05, seed: 1, size: 2, s1: 0.5, s2: 0.1, s3: 0.3 },
    { method: 'maxmargin', fraction: 0.05, size: 2, s1: 0.7, s2: 0.05, s3: 0.2 },
  ] });
  await saveEvalRun(store, 'table4', { model: 'fake' }, { experiment: 'table4', rows: [{ method: 'uniform', correct: 2, incorrect: 0, size: 2 }] });
  await saveEvalRun(store, 'table4', { model: 'fake' }, { experiment: 'table4', rows: [{ method: 'maxmargin', correct: 1, incorrect: 1, size: 2 }] }); // newer: wins
  await saveEvalRun(store, 'e2', { model: 'other' }, { experiment: 'e2', rows: [{ method: 'uniform', k: 1, precision: 1 }] });
  return { store, dir, named };
}

let fullFixture: Promise<Fixture> | null = null;
const full = () => (fullFixture ??= project(true));

const baseOpts = (f: Fixture, extra: Partial<GatherOptions> = {}): GatherOptions => ({
  now: () => T0, backend: async () => ({ name: 'cpu', reason: 'test' }), namedQuery: f.named, ...extra,
});

describe('gatherReport', () => {
  it('a bare project gives the header and model summary only, and says why the rest is missing', async () => {
    const f = await project(false);
    const doc = await gatherReport(f.store, { model: 'fake' }, baseOpts(f));
    expect(doc.header).toMatchObject({
      title: 'Diagnosis of fake', project: `toy project (${f.store.dir})`, model: 'fake', checkpoint: 'epoch-1',
      dataset: 'toy (test split)', date: '2026-03-01 09:30 UTC', backend: 'cpu (test)',
    });
    expect(doc.header.generator).toMatch(/^Margin \d+\.\d+\.\d+/);
    expect(doc.model).toMatchObject({ architecture: 'fake-net', totalParams: 30 + 65 + 24 + 15, flopsPerItem: 240 + 120 + 40 + 24, accuracy: 0.5, latentLayer: 'latent' });
    expect(doc.model!.layers.map((l) => l.name)).toEqual(FAKE_LAYERS.map((l) => l.name));
    expect(doc.model!.items).toBeUndefined();
    for (const k of ['confusion', 'samples', 'queries', 'evaluation', 'comparison'] as const) expect(doc[k]).toBeUndefined();
    expect(doc.notes).toEqual([expect.stringMatching(/^Checkpoint epoch-1 has no predictions yet/)]);
  });

  it('includes every section the project has, with the model\'s own records only', async () => {
    const f = await full();
    const progress: Array<[number, number]> = [];
    const doc = await gatherReport(f.store, { model: 'fake' }, baseOpts(f, { onProgress: (d, t) => progress.push([d, t]) }));
    expect(doc.header.checkpoint).toBe('epoch-2'); // the last one by default
    // Confusion from the fake runner: 3 of every 4 items right.
    const c = doc.confusion!;
    expect(c.classNames).toEqual(['class-0', 'class-1', 'class-2']);
    expect(c.counts.flat().reduce((a, b) => a + b, 0)).toBe(N);
    expect(c.accuracy).toBeCloseTo(0.75, 12);
    expect(doc.model).toMatchObject({ accuracy: c.accuracy, items: N });
    expect(doc.model!.checkpoints).toEqual([{ label: 'epoch-1', testAccuracy: 0.75 }, { label: 'epoch-2', testAccuracy: 0.75 }]);
    expect(doc.samples).toEqual([expect.objectContaining({ name: 'uni-10', method: 'uniform', size: 12, seed: 3, fraction: 0.25 })]);
    expect(doc.samples![0].correct + doc.samples![0].incorrect).toBe(12);
    expect(doc.samples![0].params).toEqual({ draw: 'without replacement' }); // fraction, seed, diagnostics have their own places

    const [s1, s2] = doc.queries!;
    expect(doc.queries).toHaveLength(2); // malformed, other model's and Q7 left out
    expect(s1).toMatchObject({
      title: 'S1 — top-2 neurons of conv1', set: 'S1', layer: 'conv1', subset: 'class class-2, incorrectly classified', sample: 'uni-10', items: 3,
      error: { metric: 'precision@K', value: 0.5 }, seconds: 0.004,
    });
    expect(s1.exactTopK!.map((t) => t.neuron)).toEqual([4, 7]);
    expect(s2).toMatchObject({ title: 'S2 — average activation of the neurons of dense/1 (checkpoint epoch-1)', subset: 'all items', vector: [0.1, -0.2, 0.3, 0, 0.5] });
    expect(s2.sample).toBeUndefined();
    expect(doc.notes).toEqual([expect.stringMatching(/^No answer of fake is pinned, so the 2 most recent of 2 query answers are shown/), expect.stringMatching(/^1 saved query answer\(s\) of fake could not be read/)]);

    expect(doc.evaluation!.e1).toHaveLength(2);
    expect(doc.evaluation!.table4).toEqual([{ method: 'maxmargin', correct: 1, incorrect: 1, size: 2 }]);
    expect(doc.evaluation!.e2).toBeUndefined(); // the other model's
    expect(doc.evaluation!.note).toMatch(/E1 \(Figure 4\) from run \d+ of .* \(checkpoint epoch-2, 2 seeds\); Table IV from run/);
    expect(doc.comparison).toBeUndefined();
    expect(progress[0]).toEqual([0, 6]);
    expect(progress.at(-1)).toEqual([6, 6]);
  });

  it('compares two models: accuracies, confusion matrices, CKA (Q7) and learning curves (Q6) where there are checkpoints', async () => {
    const f = await full();
    const doc = await gatherReport(f.store, { model: 'fake', compare: 'other' }, baseOpts(f));
    const cmp = doc.comparison!;
    expect(doc.header.title).toBe('Diagnosis of fake compared with other');
    expect(cmp.a).toMatchObject({ name: 'fake', checkpoint: 'epoch-2', architecture: 'fake-net', totalParams: 134 });
    expect(cmp.b).toMatchObject({ name: 'other', checkpoint: 'final', architecture: 'other-net' });
    expect(cmp.a.accuracy).toBeCloseTo(0.75, 12);
    expect(cmp.b.confusion!.counts).toEqual(cmp.a.confusion!.counts);
    // The fake runner gives both models the same activations: CKA of a layer with itself is 1.
    expect(cmp.cka!.layersA).toEqual(mainLayers(FAKE_LAYERS)); // Q7 compares the main layers
    cmp.cka!.layersA.forEach((_, i) => expect(cmp.cka!.values[i][i]).toBeCloseTo(1, 5));
    cmp.cka!.values.flat().forEach((v) => expect(v).toBeGreaterThanOrEqual(-1e-9));
    expect(cmp.cka!.note).toBe(`Computed over ${N} randomly chosen items predicted by both models.`);
    // Q6: fake has two checkpoints → [class][checkpoint]; other has one → a note instead.
    const lc = cmp.a.learningCurves!;
    expect(lc.checkpoints).toEqual(['epoch-1', 'epoch-2']);
    expect(lc.accuracy).toHaveLength(FAKE_CLASSES);
    lc.accuracy.forEach((row) => expect(row).toHaveLength(2));
    expect(cmp.b.learningCurves).toBeUndefined();
    expect(cmp.notes).toEqual(['other has a single checkpoint with predictions: no learning curve (Q6 needs two or more).']);
  });

  it('degrades when the query service cannot answer, and still stops on cancel', async () => {
    const f = await full();
    const failing: NamedQueryRunner = async (_s, p) => { throw new MarginError('UNSUPPORTED', `${p.query} is not available in this build`); };
    const doc = await gatherReport(f.store, { model: 'fake', compare: 'other' }, baseOpts(f, { namedQuery: failing }));
    expect(doc.comparison!.cka).toBeUndefined();
    expect(doc.comparison!.a.learningCurves).toBeUndefined();
    expect(doc.comparison!.notes).toEqual([
      'The CKA heatmap (Q7) was left out: Q7 is not available in this build',
      'The learning curves (Q6) of fake were left out: Q6 is not available in this build',
      'other has a single checkpoint with predictions: no learning curve (Q6 needs two or more).',
    ]);
    const cancelling: NamedQueryRunner = async () => { throw new MarginError('CANCELLED', 'cancelled'); };
    await expect(gatherReport(f.store, { model: 'fake', compare: 'other' }, baseOpts(f, { namedQuery: cancelling }))).rejects.toThrow(/cancelled/);
    const ac = new AbortController();
    ac.abort();
    await expect(gatherReport(f.store, { model: 'fake' }, baseOpts(f, { signal: ac.signal }))).rejects.toThrow(/^report: cancelled$/);
  });

  it('rejects unknown names and comparing a model with itself', async () => {
    const f = await full();
    await expect(gatherReport(f.store, { model: 'nope' }, baseOpts(f))).rejects.toThrow(/no model "nope" in this project: choose one of fake, other/);
    await expect(gatherReport(f.store, { model: 'fake', checkpoint: 'epoch-9' }, baseOpts(f))).rejects.toThrow(/model "fake" has no checkpoint "epoch-9": choose one of epoch-1, epoch-2/);
    await expect(gatherReport(f.store, { model: 'fake', compare: 'fake' }, baseOpts(f))).rejects.toThrow(/compare: "fake" is the model the report is about \(checkpoint epoch-2\); name another model/);
    await expect(gatherReport(f.store, { model: ' ' }, baseOpts(f))).rejects.toThrow(/^model: name the model to report on$/);
    expect(() => formatDate(Number.NaN)).toThrow(/now\(\) must return milliseconds since the epoch, got NaN/);
  });
});

describe('exportReport', () => {
  it('writes the HTML and CSV (and the PDF through the given printer) and checks paths first', async () => {
    const f = await full();
    const out = join(tmpDir('margin-report-out-'), 'sub', 'r.html');
    const printed: string[][] = [];
    const r = await exportReport(f.store, { model: 'fake', compare: 'other', out, pdf: true }, {
      ...baseOpts(f), printPdf: async (h, p) => { printed.push([h, p]); writeFileSync(p, 'x'.repeat(100)); return { pages: 3, bytes: 100 }; },
    });
    expect(r.html).toBe(out);
    expect(r.pdf).toBe(out.replace(/\.html$/, '.pdf'));
    // The printer writes a temporary file beside the PDF, renamed into place when complete.
    expect(printed).toHaveLength(1);
    expect(printed[0][0]).toBe(realpathSync(out));
    expect(dirname(printed[0][1])).toBe(dirname(realpathSync(out)));
    expect(basename(printed[0][1])).toMatch(/^\.r\.pdf\.\d+\.[0-9a-f]+\.tmp$/);
    expect(readFileSync(r.pdf!, 'utf8')).toBe('x'.repeat(100));
    expect(r.pages).toBe(3);
    const names = r.csv.map((p) => p.slice(out.length - 'r.html'.length));
    expect(names).toEqual(expect.arrayContaining(['r-layers.csv', 'r-confusion.csv', 'r-samples.csv', 'r-queries.csv', 'r-e1.csv', 'r-table4.csv', 'r-cka.csv', 'r-compare-a-learning.csv']));
    const bytes = [r.html, ...r.csv].reduce((s, p) => s + readFileSync(p).length, 0);
    expect(r.bytes).toBe(bytes + 100);
    const html = readFileSync(out, 'utf8');
    for (const h of ['Model summary', 'Confusion matrix', 'Samples', 'Query answers', 'Evaluation of the samplers', 'Model comparison', 'linear CKA']) expect(html).toContain(h);
    expect(html).not.toMatch(/https?:\/\//);

    const bad = tmpDir('margin-report-bad-');
    await expect(exportReport(f.store, { model: 'fake', out: join(bad, 'r.txt') }, baseOpts(f))).rejects.toThrow(/^out: .*r\.txt must end in \.html/);
    await expect(exportReport(f.store, { model: 'fake', out: join(bad, 'r.html'), pdf: join(bad, 'r.png') }, baseOpts(f))).rejects.toThrow(/^pdf: .*r\.png must end in \.pdf$/);
    await expect(exportReport(f.store, { model: 'nope', out: join(bad, 'r.html') }, baseOpts(f))).rejects.toThrow(/no model "nope"/);
    expect(readdirSync(bad)).toEqual([]);
  });

  const chromium = (() => { try { resolveChromium(undefined); return true; } catch { return false; } })();
  it.runIf(chromium)('renders a real PDF through headless Chromium', async () => {
    const f = await full();
    const out = join(tmpDir('margin-report-pdf-'), 'r.html');
    const r = await exportReport(f.store, { model: 'fake', out, pdf: true }, baseOpts(f));
    expect(existsSync(r.pdf!)).toBe(true);
    expect(readFileSync(r.pdf!).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(r.pages).toBeGreaterThanOrEqual(2);
  }, 60_000);
});

describe('report.export handler', () => {
  it('runs the export as a job whose result is the contract\'s ReportResult', async () => {
    const f = await full();
    const jobs = new JobManager({ now: fakeClock() });
    const ctx: HandlerContext = { workspace: { requireStore: () => f.store } as unknown as Workspace, jobs, host: 'browser', now: () => T0 };
    const out = join(tmpDir('margin-report-job-'), 'r.html');
    const params = requests['report.export'].params.parse({ model: 'fake', out, pdf: false });
    const { jobId } = await reportHandlers(ctx)['report.export']!(params);
    const result = await jobs.done(jobId);
    expect(Object.keys(result as object).sort()).toEqual(['bytes', 'csv', 'html']);
    expect(result).toMatchObject({ html: out });
    expect(jobs.list()[0]).toMatchObject({ kind: 'report.export', title: 'Report of fake', state: 'done' });
  });
});

describe('report outputs go through the safe output path', () => {
  const forceOpts = (f: Fixture) => ({ ...baseOpts(f), printPdf: async (_h: string, p: string) => { writeFileSync(p, '%PDF-'); return { pages: 1, bytes: 5 }; } });

  it('refuses the project\'s own files (store, WAL, metadata, activations/, models/, cache/) and leaves the project unchanged', async () => {
    const f = await full();
    const before = folderSnapshot(f.store.dir);
    for (const d of ['activations', 'models', 'cache']) {
      await expect(exportReport(f.store, { model: 'fake', out: join(f.store.dir, d, 'r.html'), pdf: true, overwrite: true }, forceOpts(f)))
        .rejects.toThrow(`is inside the project's ${d}/ folder of the Margin project`);
    }
    // The store, its WAL and the metadata cannot be named .html/.pdf/.csv — but a link can point at them.
    const links = tmpDir('margin-report-links-');
    symlinkSync(join(f.store.dir, 'store.duckdb'), join(links, 'a.pdf'));
    symlinkSync(join(f.store.dir, 'margin.json'), join(links, 'b.html'));
    writeFileSync(join(f.store.dir, 'store.duckdb.wal.keep'), ''); // a name that starts like the WAL
    symlinkSync(join(f.store.dir, 'store.duckdb.wal.keep'), join(links, 'c-layers.csv'));
    const cases: Array<[Partial<{ out: string; pdf: boolean }>, RegExp]> = [
      [{ out: join(links, 'a.html'), pdf: true }, /a\.pdf is inside the project store \(store\.duckdb and its WAL\)/],
      [{ out: join(links, 'b.html') }, /b\.html is inside the project metadata \(margin\.json\)/],
      [{ out: join(links, 'c.html') }, /c-layers\.csv is inside the project store/],
    ];
    const snap = folderSnapshot(f.store.dir);
    for (const [p, re] of cases) {
      await expect(exportReport(f.store, { model: 'fake', out: p.out!, pdf: p.pdf, overwrite: true }, forceOpts(f))).rejects.toThrow(re);
    }
    expect(readdirSync(links).sort()).toEqual(['a.pdf', 'b.html', 'c-layers.csv']); // checked before anything is written
    expect(folderSnapshot(f.store.dir)).toEqual(snap);
    rmSync(join(f.store.dir, 'store.duckdb.wal.keep'));
    expect(folderSnapshot(f.store.dir)).toEqual(before);
  });

  it('refuses an existing HTML, PDF or CSV without overwrite (naming the file and --force), replaces them with it', async () => {
    const f = await full();
    const dir = tmpDir('margin-report-ow-');
    const out = join(dir, 'r.html');
    writeFileSync(out, 'MINE');
    await expect(exportReport(f.store, { model: 'fake', out }, forceOpts(f))).rejects.toThrow(`${out} already exists: choose another path, or pass --force to replace it`);
    expect(readFileSync(out, 'utf8')).toBe('MINE');
    writeFileSync(join(dir, 'q.pdf'), 'MY PDF');
    await expect(exportReport(f.store, { model: 'fake', out: join(dir, 'q.html'), pdf: true }, forceOpts(f))).rejects.toThrow(/q\.pdf already exists/);
    writeFileSync(join(dir, 's-layers.csv'), 'MY CSV');
    await expect(exportReport(f.store, { model: 'fake', out: join(dir, 's.html') }, forceOpts(f))).rejects.toThrow(/s-layers\.csv already exists/);
    expect(readdirSync(dir).sort()).toEqual(['q.pdf', 'r.html', 's-layers.csv']);
    const r = await exportReport(f.store, { model: 'fake', out, pdf: true, overwrite: true }, forceOpts(f));
    expect(readFileSync(out, 'utf8')).toContain('Model summary');
    expect(readFileSync(r.pdf!, 'utf8')).toBe('%PDF-');
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('a PDF printer that fails leaves an existing PDF whole', async () => {
    const f = await full();
    const dir = tmpDir('margin-report-fail-');
    writeFileSync(join(dir, 'r.pdf'), 'OLD PDF');
    const failing = { ...baseOpts(f), printPdf: async (_h: string, p: string) => { writeFileSync(p, '%PDF-half'); throw new Error('printer crashed'); } };
    await expect(exportReport(f.store, { model: 'fake', out: join(dir, 'r.html'), pdf: true, overwrite: true }, failing)).rejects.toThrow(/cannot write .*r\.pdf: printer crashed/);
    expect(readFileSync(join(dir, 'r.pdf'), 'utf8')).toBe('OLD PDF');
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('report.export answers CONFLICT (details.kind output-exists, naming overwrite: true) before starting a job; overwrite: true replaces', async () => {
    const f = await full();
    const jobs = new JobManager({ now: fakeClock() });
    const ctx: HandlerContext = { workspace: { requireStore: () => f.store } as unknown as Workspace, jobs, host: 'browser', now: () => T0 };
    const out = join(tmpDir('margin-report-api-'), 'r.html');
    writeFileSync(out, 'MINE');
    const handler = reportHandlers(ctx)['report.export']!;
    const err = await Promise.resolve(handler(requests['report.export'].params.parse({ model: 'fake', out, pdf: false }))).catch((e: unknown) => e as MarginError);
    expect(err).toBeInstanceOf(MarginError);
    expect((err as MarginError).code).toBe('CONFLICT');
    expect((err as MarginError).message).toBe(`${out} already exists: choose another path, or pass overwrite: true to replace it`);
    expect((err as MarginError).details).toEqual({ kind: 'output-exists', path: out });
    expect(jobs.list()).toEqual([]);
    const before = folderSnapshot(f.store.dir);
    await expect(Promise.resolve(handler(requests['report.export'].params.parse({ model: 'fake', out: join(f.store.dir, 'models', 'r.html'), pdf: false, overwrite: true }))))
      .rejects.toThrow(/inside the project's models\/ folder/);
    expect(folderSnapshot(f.store.dir)).toEqual(before);
    const { jobId } = await handler(requests['report.export'].params.parse({ model: 'fake', out, pdf: false, overwrite: true }));
    await jobs.done(jobId);
    expect(readFileSync(out, 'utf8')).toContain('Model summary');
    expect(statSync(out).isFile()).toBe(true);
  });
});
