import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createProject } from '../../store/project.ts';
import type { Store } from '../../store/project.ts';
import { insertDataset } from '../../store/datasets.ts';
import { insertCheckpoint, insertModel } from '../../store/models.ts';
import { listEvalRuns } from '../../store/samples.ts';
import { runExtraction } from '../../store/extract-job.ts';
import { FakeRunner, FAKE_CLASSES, FAKE_LAYERS, fakeDataset } from '../../store/test-support/fake-runner.ts';
import { fakeClock, tmpDir } from '../../store/test-support/tmp.ts';
import { JobManager } from '../../jobs/job-manager.ts';
import { requests } from '../../shared/api.ts';
import { MarginError } from '../../shared/errors.ts';
import { parseEvaluation } from '../../../src-renderer/charts/evaluation.ts';
import type { HandlerContext } from '../context.ts';
import { evaluateHandlers } from '../handlers/evaluate.ts';
import { evaluationSummaries, runExperiment, summaryLine, writeExperimentFiles, type EvaluateDeps } from './evaluate.ts';
import { fitCacheDir } from '../../store/fit-cache-files.ts';

const N = 90;
const stores: Store[] = [];
afterAll(async () => { for (const s of stores.splice(0)) await s.close(); });

interface Fixture { store: Store; ds: number; ck: number; extracted: string[][]; deps: EvaluateDeps }

/** A project of N items with the fake runner's model; `layers` extracted for every item. */
async function setup(layers: string[]): Promise<Fixture> {
  const store = await createProject(tmpDir('margin-evaluate-'), { now: fakeClock() });
  stores.push(store);
  const ds = await insertDataset(store, 'toy', fakeDataset({ test: N }), null);
  const model = await insertModel(store, { name: 'fake', architecture: 'fake-net', inputShape: [4, 4, 1], numClasses: FAKE_CLASSES,
    latentLayer: 'latent', engine: 'cpu', layers: FAKE_LAYERS });
  const ck = await insertCheckpoint(store, model, { label: 'epoch-1', ordinal: 1 });
  await runExtraction({ store, checkpointId: ck, runner: new FakeRunner(), datasetId: ds, split: 'test', layers, dtype: 'float32', batchSize: 32 });
  const extracted: string[][] = [];
  // The store's own resumable extraction over the fake runner stands in for the model engine.
  const deps: EvaluateDeps = {
    extract: async (s, r, o) => {
      extracted.push(r.layers as string[]);
      return runExtraction({ store: s, checkpointId: ck, runner: new FakeRunner(), datasetId: ds, split: 'test',
        layers: r.layers as string[], dtype: 'float32', batchSize: 32, signal: o.signal });
    },
  };
  return { store, ds, ck, extracted, deps };
}

const MAIN = ['conv1', 'dense/1', 'latent'];

async function expectCode(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(MarginError);
  expect((err as MarginError).code).toBe(code);
  expect((err as MarginError).message).toMatch(message);
}

describe('runExperiment', () => {
  it('runs every experiment in a worker and stores runs the workbench parses', async () => {
    const f = await setup(MAIN);
    const seen: number[] = [];
    const { runs } = await runExperiment(f.store, { model: 'fake', experiment: 'all', seeds: 2 },
      { onProgress: (d, t) => seen.push(d / t) }, f.deps);
    expect(runs.map((r) => r.experiment)).toEqual(['e1', 'e2', 'e3', 'e4', 'table4']);
    expect(f.extracted).toEqual([]); // everything was stored already
    expect(seen[seen.length - 1]).toBe(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1] - 1e-12);

    const stored = await listEvalRuns(f.store);
    expect(stored.map((r) => r.kind)).toEqual(['e1', 'e2', 'e3', 'e4', 'table4']);
    expect(stored.map((r) => r.id)).toEqual(runs.map((r) => r.id));
    for (const run of stored) {
      const parsed = parseEvaluation(run);
      expect(parsed, `${run.kind} must parse`).not.toBeNull();
      expect(parsed!.experiment).toBe(run.kind);
      expect(run.params).toMatchObject({ model: 'fake', checkpoint: 'epoch-1', seeds: 2, items: N, layers: MAIN });
      expect(run.result).toMatchObject({ model: 'fake', checkpoint: 'epoch-1' });
    }
    const e1 = runs[0].rows as Array<{ method: string; fraction: number; s1: number; s2: number; s3: number }>;
    // 6 randomised samplers (query-strata among them) × 5 fractions × 2 seeds + 3 deterministic × 5
    // + the boundary tree.
    expect(e1.length).toBe(6 * 5 * 2 + 3 * 5 + 1);
    expect(new Set(e1.map((r) => r.method)).has('query-strata')).toBe(true);
    for (const r of e1) {
      expect(r.s1).toBeGreaterThanOrEqual(0); expect(r.s1).toBeLessThanOrEqual(1);
      expect(r.s3).toBeGreaterThanOrEqual(0); expect(r.s3).toBeLessThanOrEqual(1);
    }
    const t4 = runs[4].rows as Array<{ method: string; size: number }>;
    expect(t4[0]).toMatchObject({ method: 'all', size: N });
    expect(summaryLine(runs[0])).toMatch(/^e1: 76 rows \(\d+\.\d s\); S1 at 5 %: maxmargin \d\.\d{3}, uniform \d\.\d{3}, query-strata \d\.\d{3}$/);
    const e3 = runs[2].rows as Array<{ method: string; j: number; s1: number; reference?: boolean }>;
    const qs = e3.filter((r) => r.method === 'query-strata');
    expect(qs.length).toBeGreaterThan(0); // E3 draws Margin's own sampler (no j) as a flat reference
    expect(qs.every((r) => r.reference === true && r.s1 === qs[0].s1)).toBe(true);
    expect(summaryLine(runs[2])).toMatch(/, query-strata \(no j\) \d\.\d{3}$/);

    // The API view of the same runs, filtered by model.
    expect((await evaluationSummaries(f.store, 'fake')).map((r) => r.kind)).toEqual(['e1', 'e2', 'e3', 'e4', 'table4']);
    expect(await evaluationSummaries(f.store, 'other')).toEqual([]);

    // Files: CSV + JSON per experiment and the paper's figures.
    const out = path.join(tmpDir('margin-evaluate-out-'), 'results');
    const files = await writeExperimentFiles(runs, out);
    const names = files.map((p) => path.basename(p)).sort();
    expect(names).toEqual([
      'e1-s1.svg', 'e1-s2.svg', 'e1-s3.svg', 'e1.csv', 'e1.json', 'e2.csv', 'e2.json', 'e2.svg',
      'e3-s1.svg', 'e3-s2.svg', 'e3-s3.svg', 'e3.csv', 'e3.json', 'e4.csv', 'e4.json', 'e4.svg',
      'table4.csv', 'table4.html', 'table4.json',
    ]);
    const csv = fs.readFileSync(path.join(out, 'e1.csv'), 'utf8').trimEnd().split('\r\n');
    expect(csv[0]).toBe('method,fraction,seed,size,s1,s2,s3');
    expect(csv.length).toBe(e1.length + 1);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'e2.json'), 'utf8'))).toMatchObject({ experiment: 'e2', model: 'fake' });
    for (const svg of names.filter((n) => n.endsWith('.svg'))) expect(fs.readFileSync(path.join(out, svg), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    expect(fs.readFileSync(path.join(out, 'table4.html'), 'utf8')).toMatch(/Table IV[\s\S]*<table/);
  }, 120_000);

  it('a second evaluation of the checkpoint reuses every MaxMargin and GMM fit from cache/fits (counted per run), with the same rows', async () => {
    const f = await setup(MAIN);
    const first = (await runExperiment(f.store, { model: 'fake', experiment: 'e3', seeds: 1 }, {}, f.deps)).runs[0];
    expect(first.fits).toEqual({ reused: 0, computed: 3 }); // maxmargin (weighted shares it), gmm-full, gmm-spherical
    expect(fs.readdirSync(fitCacheDir(f.store.dir)).filter((n) => n.endsWith('.bin'))).toHaveLength(3);
    const second = (await runExperiment(f.store, { model: 'fake', experiment: 'e3', seeds: 1 }, {}, f.deps)).runs[0];
    expect(second.fits).toEqual({ reused: 3, computed: 0 });
    expect(second.rows).toEqual(first.rows);
    expect((await listEvalRuns(f.store)).at(-1)!.result).toMatchObject({ fits: { reused: 3, computed: 0 } });
    // E4 times the samplers: it neither reads nor counts cached fits.
    const e4 = (await runExperiment(f.store, { model: 'fake', experiment: 'e4', seeds: 1 }, {}, f.deps)).runs[0];
    expect(e4.fits).toEqual({ reused: 0, computed: 0 });
  }, 60_000);

  it('extracts the main layers that are missing, then runs', async () => {
    const f = await setup(['conv1']);
    const { runs } = await runExperiment(f.store, { model: 'fake', experiment: 'table4', seeds: 1 }, {}, f.deps);
    expect(f.extracted).toEqual([['dense/1']]); // the latent layer is stored by every extraction
    expect(runs).toHaveLength(1);
    expect(runs[0].rows[0]).toMatchObject({ method: 'all', size: N });
  }, 60_000);

  it('cancels: before the start, and mid-run by terminating the worker (finished experiments stay stored)', async () => {
    const f = await setup(MAIN);
    const pre = new AbortController();
    pre.abort();
    await expectCode(runExperiment(f.store, { model: 'fake', experiment: 'e1' }, { signal: pre.signal }, f.deps), 'CANCELLED', /the evaluation was cancelled/);

    const ac = new AbortController();
    const p = runExperiment(f.store, { model: 'fake', experiment: 'all', seeds: 2 }, {
      signal: ac.signal,
      onProgress: (_d, _t, message) => { if (message?.startsWith('E2')) ac.abort(); },
    }, f.deps);
    await expectCode(p, 'CANCELLED', /the evaluation was cancelled/);
    const kinds = (await listEvalRuns(f.store)).map((r) => r.kind);
    expect(kinds).not.toContain('e2');
    expect(kinds.every((k) => k === 'e1')).toBe(true);
  }, 60_000);

  it('rejects bad requests with messages that say what to do', async () => {
    const f = await setup(MAIN);
    await expectCode(runExperiment(f.store, { model: 'fake', experiment: 'e9' as 'e1' }, {}, f.deps), 'BAD_INPUT', /experiment must be one of e1, e2, e3, e4, table4, all, got "e9"/);
    await expectCode(runExperiment(f.store, { model: 'fake', experiment: 'e1', seeds: 0 }, {}, f.deps), 'BAD_INPUT', /seeds must be an integer from 1 to 50, got 0/);
    await expectCode(runExperiment(f.store, { model: 'nope', experiment: 'e1' }, {}, f.deps), 'NOT_FOUND', /no model "nope" in this project: choose one of fake/);
    const model = (await import('../../store/models.ts')).listModels;
    const id = (await model(f.store))[0].id;
    await insertCheckpoint(f.store, id, { label: 'epoch-2', ordinal: 2 });
    await expectCode(runExperiment(f.store, { model: 'fake', checkpoint: 'epoch-2', experiment: 'e1' }, {}, f.deps), 'NOT_FOUND',
      /checkpoint epoch-2 of "fake" has no latent vectors yet: run `margin extract --model fake` first/);
    await expect(writeExperimentFiles([], '/tmp/x')).rejects.toThrow(/runs is empty: run an experiment first/);
  }, 60_000);
});

describe('evaluate handlers', () => {
  it('evaluate.start runs a job whose result is the runs; evaluate.list filters by model', async () => {
    const f = await setup(MAIN);
    const jobs = new JobManager();
    const ctx = { workspace: { requireStore: () => f.store }, jobs } as unknown as HandlerContext;
    const h = evaluateHandlers(ctx);
    const { jobId } = await h['evaluate.start']!(requests['evaluate.start'].params.parse({ model: 'fake', experiment: 'table4', seeds: 1 }));
    const result = (await jobs.done(jobId)) as { runs: Array<{ experiment: string }> };
    expect(result.runs.map((r) => r.experiment)).toEqual(['table4']);
    const list = await h['evaluate.list']!(requests['evaluate.list'].params.parse({ model: 'fake' }));
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ kind: 'table4', model: 'fake' });
    expect(await h['evaluate.list']!(requests['evaluate.list'].params.parse({ model: 'other' }))).toEqual([]);
    // Sampler options per method: validated at the boundary, and stored with the run.
    expect(() => requests['evaluate.start'].params.parse({ model: 'fake', experiment: 'e1', samplerOptions: { vas: { svmC: 1 } } })).toThrow(/svmC does not apply to vas/);
    const opts = { model: 'fake', experiment: 'table4', seeds: 1, samplerOptions: { 'latent-grid': { gridSplit: 'mean', gridTopUp: false } } };
    const second = await h['evaluate.start']!(requests['evaluate.start'].params.parse(opts));
    await jobs.done(second.jobId);
    const stored = await listEvalRuns(f.store, 'table4');
    expect(stored.at(-1)!.params).toMatchObject({ samplerOptions: opts.samplerOptions });
  }, 60_000);
});
