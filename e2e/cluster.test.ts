/**
 * Issue 14: a checkpoint's extraction as Dask tasks on a 2-worker LocalCluster (started once and
 * reused through its address, the path of an existing scheduler), committed into a project whose
 * activation files, chunk index and predictions equal a local extraction's byte for byte; the
 * same with one worker killed mid-shard; exact S1/S2/S3 and Q1–Q7 answers from shares computed
 * on the cluster (Q4 on a wide conv and a dense layer) equal the local ones, also as an API job. Skipped (with the reason) when no Python on this machine
 * has Dask (python3-distributed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASK_SCRIPT, findDaskPython } from '../src-main/cluster/dask-client.ts';
import { openProject, type Store } from '../src-main/store/project.ts';
import { queryRows } from '../src-main/store/db.ts';
import { getModel } from '../src-main/store/models.ts';
import { ensureActivations, extract } from '../src-main/app/services/extraction.ts';
import { clearQueryCache, runNamedQuery, runQuery } from '../src-main/app/services/queries.ts';
import { clusterExactAggregates } from '../src-main/cluster/exact.ts';
import { clusterExactNamed, q4MomentsOnCluster } from '../src-main/cluster/exact-named.ts';
import { centredLogits, q4Form, q4LayerMean, q4Moments } from '../src-main/queries/q4-blocked.ts';
import { readActivations } from '../src-main/store/activations.ts';
import { requests, type EventMessage } from '../src-main/shared/api.ts';
import { createApp } from '../src-main/app/app.ts';
import { freshDir, launchBrowser, makeDemo, screenshotView, serve } from './support/browser.ts';
import { VIEW_MS } from './support/flow.ts';
import { REPO_ROOT } from '../src-main/system/info.ts';

const py = findDaskPython();
if (!py) console.warn('e2e/cluster.test.ts skipped: no Python with Dask (apt-get install python3-distributed, or set MARGIN_PYTHON)');

const MODEL = 'lenet5-bn';
// A small layer set keeps the test fast; the byte-for-byte property does not depend on which layers.
const LAYERS = ['pool2', 'relu3'];

/**
 * A named query answered here, then with `deps` (the cluster's), each from a cold query cache:
 * the two answers must be the same JSON. Returns the cluster's.
 */
async function namedHereAndThere(
  store: Parameters<typeof runNamedQuery>[0], c: Record<string, unknown>, deps: Parameters<typeof runNamedQuery>[2],
): Promise<Awaited<ReturnType<typeof runNamedQuery>>> {
  const params = requests['query.named'].params.parse({ model: MODEL, ...c });
  clearQueryCache(store);
  const here = await runNamedQuery(store, params, { ensureActivations, save: false });
  clearQueryCache(store);
  const there = await runNamedQuery(store, params, deps);
  expect(JSON.stringify(there.data), `${String(c.query)} ${String(c.layer ?? '')}`).toBe(JSON.stringify(here.data));
  return there;
}

describe.skipIf(!py)('extraction on a Dask cluster', () => {
  let root = '';
  let base = '';
  let cluster: ChildProcess | null = null;
  let address = '';
  let local: Store | null = null;
  let ckId = 0;
  let localDir = '';

  /** A copy of the demo project without any extraction (so both paths start from the same state). */
  async function freshProject(name: string): Promise<Store> {
    const dir = path.join(root, name);
    fs.cpSync(base, dir, { recursive: true, filter: (src) => !/[\\/](activations|cluster)$/.test(src) });
    const store = await openProject(dir);
    for (const t of ['predictions', 'latents', 'activation_chunks', 'extraction_batches', 'extraction_shards']) await store.conn.run(`DELETE FROM ${t}`);
    await store.conn.run('UPDATE checkpoints SET test_accuracy = NULL');
    return store;
  }

  async function expectSameAsLocal(store: Store): Promise<void> {
    const rel = `activations/ckpt-${ckId}`;
    const files = fs.readdirSync(path.join(local!.dir, rel)).sort();
    expect(fs.readdirSync(path.join(store.dir, rel)).sort()).toEqual(files);
    for (const f of files) {
      const a = fs.readFileSync(path.join(local!.dir, rel, f));
      const b = fs.readFileSync(path.join(store.dir, rel, f));
      expect(b.byteLength, f).toBe(a.byteLength);
      expect(Buffer.compare(a, b), `${f} differs from the local extraction's`).toBe(0);
    }
    const index = `SELECT checkpoint_id, layer, chunk_no, file, dtype, units, item_ids::VARCHAR AS ids, row_count, byte_offset, byte_length
                   FROM activation_chunks ORDER BY ALL`;
    const preds = `SELECT checkpoint_id, item_id, predicted, correct, confidence, probs::VARCHAR AS p, logits::VARCHAR AS l FROM predictions ORDER BY item_id`;
    const acc = 'SELECT id, test_accuracy FROM checkpoints ORDER BY id';
    const text = (rows: unknown) => JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    for (const q of [index, preds, acc]) expect(text(await queryRows(store.conn, q))).toBe(text(await queryRows(local!.conn, q)));
  }

  beforeAll(async () => {
    root = freshDir('margin-e2e-cluster-');
    base = process.env.MARGIN_E2E_DEMO_DIR ?? path.join(root, 'demo');
    const started = new Promise<string>((resolve, reject) => {
      cluster = spawn(py!.python, [DASK_SCRIPT, '--serve-local', '2'], { stdio: ['pipe', 'pipe', 'inherit'] });
      cluster.on('error', reject);
      cluster.on('exit', (code) => reject(new Error(`the LocalCluster exited with ${code}`)));
      readline.createInterface({ input: cluster.stdout! }).on('line', (l) => {
        try { const e = JSON.parse(l); if (e.event === 'serving') resolve(e.scheduler); } catch { /* not ours */ }
      });
    });
    if (!process.env.MARGIN_E2E_DEMO_DIR) await makeDemo(base);
    address = await started;
    local = await freshProject('local');
    const model = await getModel(local, MODEL);
    ckId = model.checkpoints[model.checkpoints.length - 1].id;
    const r = await extract(local, { model: MODEL, layers: LAYERS });
    expect(r.computed).toBe(10_000);
  }, 600_000);

  afterAll(async () => {
    await local?.close();
    cluster?.stdin?.end();
    if (cluster && cluster.exitCode === null) await new Promise((r) => cluster!.once('exit', r));
  });

  it('extracts the 10,000 test items in 5 shards into files and an index equal to a local extraction\'s', async () => {
    const store = await freshProject('cluster');
    try {
      const progress: string[] = [];
      const r = await extract(store, { model: MODEL, layers: LAYERS, cluster: address, shardSize: 2048 },
        { onProgress: (p) => progress.push(`${p.done}/${p.total} ${p.message ?? ''}`) });
      expect(r).toMatchObject({ computed: 10_000, skipped: 0, total: 10_000 });
      expect((r as unknown as { shards: number }).shards).toBe(5);
      expect(progress.at(-1)).toMatch(/^10000\/10000 shards 5\/5/);
      await expectSameAsLocal(store);
      const shards = await queryRows(store.conn, 'SELECT shard, item_count FROM extraction_shards ORDER BY shard');
      expect(shards.map((s) => Number(s.item_count))).toEqual([2048, 2048, 2048, 2048, 1808]);
      // A rerun finds everything stored: no task is submitted, nothing is written twice.
      const again = await extract(store, { model: MODEL, layers: LAYERS, cluster: address, shardSize: 2048 });
      expect(again).toMatchObject({ computed: 0, skipped: 10_000 });
      await expectSameAsLocal(store);
    } finally {
      await store.close();
    }
  });

  it('survives a worker killed mid-shard: the shard is retried elsewhere and committed once', async () => {
    const store = await freshProject('killed');
    try {
      let killed = 0;
      // Kill the Dask worker process running the first shard command seen (its Node child stops with it).
      const watcher = setInterval(() => {
        if (killed) return;
        for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
          let cmd = '';
          try { cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { continue; }
          if (!cmd.includes('extract-shard') || !cmd.includes(store.dir)) continue;
          const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
          const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
          try { process.kill(ppid, 'SIGKILL'); killed = ppid; } catch { /* gone already */ }
          return;
        }
      }, 100);
      let r;
      try {
        r = await extract(store, { model: MODEL, layers: LAYERS, cluster: address, shardSize: 2048 });
      } finally {
        clearInterval(watcher);
      }
      expect(killed).toBeGreaterThan(0);
      expect(r).toMatchObject({ computed: 10_000, skipped: 0 });
      await expectSameAsLocal(store);
      const shards = await queryRows(store.conn, 'SELECT count(*)::INTEGER AS n, count(DISTINCT shard)::INTEGER AS d FROM extraction_shards');
      expect(shards[0]).toEqual({ n: 5, d: 5 });
    } finally {
      await store.close();
    }
  });

  it('resumes after the workstation itself is killed: committed shards are skipped, the rest computed once', async () => {
    const first = await freshProject('resumed');
    const dir = first.dir;
    await first.close();
    // The workstation as a user runs it, SIGKILLed once its first shard is committed.
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'margin.js'), 'extract', '--project', dir, '--model', MODEL,
      '--layers', LAYERS.join(','), '--cluster', address, '--shard-size', '2048'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    const killedAfterCommit = await new Promise<boolean>((resolve) => {
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        if (/[1-9][\d,]*\/10,000 \(\d+ %\)/.test(err) && child.exitCode === null) {
          child.kill('SIGKILL');
          resolve(true);
        }
      });
      child.on('exit', () => resolve(false));
    });
    if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
    expect(killedAfterCommit, err.slice(-2000)).toBe(true);
    const store = await openProject(dir);
    try {
      const before = Number((await queryRows(store.conn, 'SELECT count(*)::INTEGER AS n FROM extraction_shards'))[0].n);
      expect(before).toBeGreaterThanOrEqual(1);
      const r = await extract(store, { model: MODEL, layers: LAYERS, cluster: address, shardSize: 2048 });
      expect(r.skipped).toBeGreaterThanOrEqual(2048);
      expect(r.skipped + r.computed).toBe(10_000);
      await expectSameAsLocal(store);
      const shards = await queryRows(store.conn, 'SELECT count(*)::INTEGER AS n, count(DISTINCT shard)::INTEGER AS d FROM extraction_shards');
      expect(shards[0]).toEqual({ n: 5, d: 5 });
    } finally {
      await store.close();
    }
  });

  it('answers S1/S2/S3 exactly from partial sums computed on the cluster, equal to the local answer', async () => {
    const store = local!;
    let tasks = 0;
    const deps = { ensureActivations, save: false, exactAggregates: clusterExactAggregates({ cluster: address, shardSize: 4096, onTasks: (n) => { tasks += n; } }) };
    // One answer per query set (each Dask task is a Node process start: keep them few).
    const cases = [
      { set: 'S1', layer: 'relu3', k: 10 },
      { set: 'S2', layer: 'pool2', granularity: 'channel', subset: { trueClass: 3 } },
      { set: 'S3', layer: 'relu3', subset: { outcome: 'incorrect' } },
    ];
    for (const c of cases) {
      const params = requests['query.run'].params.parse({ model: MODEL, ...c });
      clearQueryCache(store);
      const here = await runQuery(store, params, { ensureActivations, save: false });
      clearQueryCache(store);
      const there = await runQuery(store, params, deps);
      expect(there.answer.items).toBeGreaterThan(0);
      expect(JSON.stringify(there.answer), `${c.set} ${c.layer}`).toBe(JSON.stringify(here.answer));
    }
    // 10,000 items in tasks of two 2,048-row blocks → 3 tasks for the whole split, 1 for each subset.
    expect(tasks).toBe(5);
  });

  it('answers Q1, Q2, Q3 and Q5 exactly on the cluster, equal to the local answers', async () => {
    const store = local!;
    let tasks = 0;
    const deps = { ensureActivations, save: false, exactAggregates: clusterExactAggregates({ cluster: address, shardSize: 8192, onTasks: (n) => { tasks += n; } }) };
    const cases = [
      { query: 'Q1', layer: 'relu3' },
      { query: 'Q2', layer: 'pool2', k: 12 },
      { query: 'Q3', layer: 'relu3', classA: 6 },
      { query: 'Q5', layer: 'relu3', classA: 6, classB: 0, k: 5 },
    ];
    for (const c of cases) await namedHereAndThere(store, c, deps);
    // Q1: 10 class subsets of ~1,000 items packed into tasks of ≥ 8,192 rows → 2; Q2, Q3 (2 subsets), Q5 → 1 each.
    expect(tasks).toBe(5);
  });

  it('answers Q4 exactly on the cluster (a wide conv layer in the gram form, a dense one in the feature form), equal to the local answers', async () => {
    const store = local!;
    let tasks = 0;
    const options = { cluster: address, shardSize: 2048, onTasks: (n: number) => { tasks += n; } };
    const deps = { ensureActivations, save: false, exactAggregates: clusterExactAggregates(options), exactNamed: clusterExactNamed(options) };
    // relu1: 3,456 units > ~1,000 items of class 6 → block-pair Gram sums; relu3: 120 units → 120×120 cross-moments per block.
    for (const layer of ['relu1', 'relu3']) {
      const there = await namedHereAndThere(store, { query: 'Q4', layer, classA: 6 }, deps);
      const data = there.data as { correlation: number[]; cka: number | null; items: number };
      expect(data.items).toBeGreaterThan(900);
      expect(data.cka).toBeGreaterThan(0);
    }
    // Each: pass 1 (x̄, one task) and pass 2 (one block: one task).
    expect(tasks).toBe(4);
    // Nothing is left in the shared folder (the binary shares are deleted once read).
    expect(fs.readdirSync(path.join(store.dir, 'cluster')).filter((f) => f.startsWith('exact-'))).toEqual([]);
  });

  it('computes Q4\'s moments over several blocks on the cluster (feature form two blocks to a task, gram form a block pair to a task) equal to q4Moments here', async () => {
    const store = local!;
    await extract(store, { model: MODEL, layers: ['relu1'] }); // stored already if the Q4 test ran
    const model = await getModel(store, MODEL);
    const layerOf = (name: string) => model.layers.find((l) => l.name === name)!;
    // Every other item, from the end: not the files' order, and several 2,048-row blocks.
    const cases = [
      { layer: 'relu3', m: 5000, form: 'feature', shardSize: 4096, tasks: 2 }, // 120 units: 3 blocks, two to a task
      { layer: 'relu1', m: 2100, form: 'gram', shardSize: 2048, tasks: 3 }, // 3,456 units > 2,100 items: 2 blocks → pairs (0,0), (0,1), (1,1), a task each
    ];
    for (const c of cases) {
      const itemIds = Int32Array.from({ length: c.m }, (_, i) => 9_999 - 2 * i - (c.layer === 'relu1' ? 1 : 0));
      const x = await readActivations(store, ckId, c.layer, itemIds);
      const y = Float64Array.from({ length: c.m }, (_, i) => Math.sin(i) * 3 + x.data[i * x.cols]);
      const here = q4Moments(x, undefined, y);
      expect(q4Form(c.m, x.cols)).toBe(c.form);
      const there = await q4MomentsOnCluster(store, { checkpointId: ckId, layer: layerOf(c.layer), itemIds, mean: q4LayerMean(x, undefined), dy: centredLogits(y) }, { cluster: address, shardSize: c.shardSize });
      expect(there.tasks, c.layer).toBe(c.tasks);
      const bits = (v: typeof here) => JSON.stringify({ ...v, sxy: Array.from(v.sxy), sxx: Array.from(v.sxx) });
      expect(bits(there.moments), c.layer).toBe(bits(here));
      expect(here.selfSq).toBeGreaterThan(0);
    }
  });

  it('answers Q6 and Q7 exactly on the cluster, equal to the local answers', async () => {
    const store = local!;
    // A second checkpoint's predictions (and a small layer): Q6 compares checkpoints, Q7 epoch-5 with epoch-1.
    await extract(store, { model: MODEL, checkpoint: 'epoch-1', layers: ['relu3'] });
    let tasks = 0;
    const options = { cluster: address, shardSize: 8192, onTasks: (n: number) => { tasks += n; } };
    const deps = { ensureActivations, save: false, exactAggregates: clusterExactAggregates(options), exactNamed: clusterExactNamed(options) };
    for (const c of [{ query: 'Q6' }, { query: 'Q7', checkpoint2: 'epoch-1' }]) {
      const there = await namedHereAndThere(store, c, deps);
      if (c.query === 'Q6') {
        const d = there.data as { checkpoints: string[]; accuracy: number[][]; items: number };
        expect([d.checkpoints, d.items]).toEqual([['epoch-1', 'epoch-5'], 10_000]);
      } else {
        const d = there.data as { layersA: string[]; cka: Array<Array<number | null>>; items: number; subset: string };
        expect([d.items, d.subset, d.layersA.length, d.cka.length, d.cka[0].length]).toEqual([500, 'random', 6, 6, 6]);
        expect(d.cka.flat().every((v) => v !== null && v > 0 && v <= 1)).toBe(true);
      }
    }
    // Q6: 10,000 items in 5 blocks, 4 to a task → 2; Q7: 6 + 6 main layers, 4 Gram matrices to a task → 3.
    expect(tasks).toBe(5);
    expect(fs.readdirSync(path.join(store.dir, 'cluster')).filter((f) => f.startsWith('exact-'))).toEqual([]);
  });

  it('runs an exact answer on the cluster as an API job (query.cluster) with progress, and cancels one', async () => {
    const dir = local!.dir;
    localDir = dir;
    await local!.close();
    local = null;
    const app = await createApp({ host: 'cli' });
    try {
      const events: EventMessage[] = [];
      app.jobs.subscribe((m) => events.push(m));
      expect((await app.dispatcher.dispatch('project.open', { dir })).ok).toBe(true);
      const named = { query: 'Q5', model: MODEL, layer: 'relu3', classA: 2, classB: 6, k: 5 };
      const refused = await app.dispatcher.dispatch('query.cluster', { cluster: address, named: { ...named, sample: 'any' } });
      expect(refused.ok || refused.error.message).toMatch(/a sample's answer is computed on this machine/);
      const started = await app.dispatcher.dispatch('query.cluster', { cluster: address, named });
      if (!started.ok) throw new Error(started.error.message);
      const { jobId } = started.result as { jobId: string };
      const end = await waitForJob(events, jobId);
      expect(end.event).toBe('job.finished');
      const local2 = await app.dispatcher.dispatch('query.named', named);
      if (!local2.ok) throw new Error(local2.error.message);
      expect(JSON.stringify((end.payload as { result: { data: unknown } }).result.data)).toBe(JSON.stringify((local2.result as { data: unknown }).data));
      const progress = events.filter((e) => e.event === 'job.progress' && (e.payload as { jobId: string }).jobId === jobId).map((e) => (e.payload as { message?: string }).message);
      expect(progress).toContain(`tasks 1/1 on ${address}`);
      // Cancel: the job ends as cancelled, not failed.
      const again = await app.dispatcher.dispatch('query.cluster', { cluster: address, run: { model: MODEL, set: 'S2', layer: 'relu3' } });
      if (!again.ok) throw new Error(again.error.message);
      const id2 = (again.result as { jobId: string }).jobId;
      app.jobs.cancel(id2);
      expect((await waitForJob(events, id2)).event).toBe('job.cancelled');
    } finally {
      await app.close();
    }
  });

  it('the Queries view answers exactly on the cluster (S2, Q4, Q6): a job in the Jobs panel, the same answer as on this machine', async () => {
    const host = await serve(['--project', localDir]);
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(host.url);
      await page.getByTestId('model-select').waitFor({ timeout: VIEW_MS });
      await page.getByTestId('model-select').selectOption(MODEL);
      await page.getByTestId('nav-queries').click();
      await page.getByTestId('query-set').selectOption('S2');
      await page.getByTestId('query-layer').selectOption('relu3');
      await page.getByTestId('query-class').selectOption('4');
      await page.getByTestId('query-run').click();
      const items = page.getByTestId('query-items');
      await items.waitFor({ timeout: 180_000 });
      // The answer as shown, without its timing.
      const shown = async () => (await page.getByTestId('query-result').textContent())!.replace(/answered in [^·]+/, '');
      const here = await shown();
      await page.getByTestId('query-exact-on').selectOption('cluster');
      await page.getByTestId('query-cluster').fill('local:x');
      expect(await page.getByTestId('query-run').isDisabled()).toBe(true); // the scheduler field is checked in the form
      await page.getByTestId('query-cluster').fill(address);
      await page.getByTestId('query-run').click();
      const job = page.getByTestId('job-query.cluster');
      await job.waitFor({ timeout: 60_000 });
      await expect.poll(() => job.getAttribute('data-state'), { timeout: 300_000 }).toBe('done');
      await expect.poll(() => page.getByTestId('query-run').isDisabled(), { timeout: 60_000 }).toBe(false);
      expect(await job.textContent()).toContain(`on Dask ${address}`);
      expect(await job.textContent()).toContain(`tasks 1/1 on ${address}`); // computed there, not taken from the local answer's cache
      expect(await shown()).toBe(here);
      await screenshotView(page, 'cluster-queries-exact-on-dask.png');
      // Q4 and Q6 the same way: answered here, then as a cluster job, shown alike.
      const namedShown = () => page.getByTestId('named-result').evaluate((el) => {
        type Node = { cloneNode(deep: boolean): Node; querySelector(s: string): { remove(): void } | null; textContent: string | null };
        const copy = (el as unknown as Node).cloneNode(true);
        copy.querySelector('.headline')?.remove(); // its timing differs
        return copy.textContent;
      });
      let jobs = 1;
      for (const set of ['Q4', 'Q6']) {
        await page.getByTestId('query-exact-on').selectOption('here');
        await page.getByTestId('query-set').selectOption(set);
        if (set === 'Q4') {
          await page.getByTestId('query-layer').selectOption('relu3');
          await page.getByTestId('query-class').selectOption('4');
        }
        await page.getByTestId('query-run').click();
        await expect.poll(async () => (await page.getByTestId('named-result').count()) > 0 && (await page.getByTestId('named-result').textContent())!.includes(set), { timeout: 180_000 }).toBe(true);
        const namedHere = await namedShown();
        await page.getByTestId('query-exact-on').selectOption('cluster');
        await page.getByTestId('query-run').click();
        jobs++;
        const all = page.getByTestId('job-query.cluster');
        await expect.poll(async () => (await all.count()) === jobs && (await all.evaluateAll((els) => els.every((e) => e.getAttribute('data-state') !== 'running'))), { timeout: 300_000 }).toBe(true);
        // A failed job shows its message here rather than as a timeout.
        expect(await all.evaluateAll((els) => els.filter((e) => e.getAttribute('data-state') !== 'done').map((e) => e.textContent)), set).toEqual([]);
        await expect.poll(() => page.getByTestId('query-run').isDisabled(), { timeout: 60_000 }).toBe(false);
        expect(await namedShown(), set).toBe(namedHere);
      }
    } finally {
      await browser.close();
      await host.stop();
    }
  }, 900_000); // three answers here and three cluster jobs (a Node start per task: minutes on a loaded machine)
});

/** The job's last event, once it has finished, failed or been cancelled. */
async function waitForJob(events: EventMessage[], jobId: string): Promise<EventMessage> {
  for (;;) {
    const e = events.find((x) => ['job.finished', 'job.failed', 'job.cancelled'].includes(x.event) && (x.payload as { jobId: string }).jobId === jobId);
    if (e) return e;
    await new Promise((r) => setTimeout(r, 100));
  }
}
