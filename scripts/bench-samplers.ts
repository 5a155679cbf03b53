/**
 * `npm run bench:samplers` — times every sampler on a REAL latent by default: the last checkpoint of
 * the demo project's lenet5-bn (10,000 × 84). The demo is built once under os.tmpdir()
 * (`node bin/margin.js demo --dir <tmp>/margin-bench-demo`, ~15 s) unless --project names one.
 *
 *   --project DIR [--model lenet5-bn] [--checkpoint ID]   a project's stored latent (read-only)
 *   --latent <float32 file> --labels <int32 file> --pred <int32 file> --dim 84 [--classes K]
 *   --synthetic                                           10,000 × 84 seeded blobs (converge in 3 EM steps: flattering)
 *   --method m   --fraction 0.05   --runs 3   --no-sklearn   --python PATH
 *   --scale      growth: synthetic 100k × 84, 1M × 84 and 100k × 512 (bench-samplers-scale.ts)
 *
 * One JSON line per sampler: {method, n, d, fraction, size, seconds, cpuSeconds (medians of --runs
 * warm runs), coldSeconds, coldCpuSeconds (the first run, JIT warm-up included), diagnostics...}.
 * After VAS, a line for its scalable mode on the same latent: seconds and loss vs the exact one.
 * scikit-learn is measured IN THE SAME RUN when a python3 with sklearn is found (python3 on PATH,
 * then Debian's /usr/bin/python3): the latent is written to a temporary .npy and
 * scripts/python/sklearn_samplers.py times BayesianGaussianMixture (full, spherical; max_iter 200)
 * and SVC(kernel='linear', probability=True), each fit + predict_proba, median of --runs. The GMM
 * and MaxMargin lines then carry sklearnSeconds and speedup = sklearnSeconds / seconds (wall over
 * wall), and sklearnCpuSeconds and cpuSpeedup (process CPU over CPU, steadier on a busy machine); without scikit-learn they carry sklearn: "<why it was not measured>". No ratio is quoted.
 * `seconds` is wall time; `cpuSeconds` (this process's CPU, all its threads — the GMM samplers' pool helpers included) is steadier on a busy machine.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng } from '../src-main/core/rng.ts';
import { runSampler, SAMPLER_METHODS, targetSize } from '../src-main/samplers/index.ts';
import { VAS_CELL_SIZE, VAS_EXACT_MAX_ITEMS, vasLoss, vasPartitioned } from '../src-main/samplers/vas-partitioned.ts';
import type { SamplerInput, SamplerMethod } from '../src-main/samplers/index.ts';
import { makeBlobs } from '../src-main/samplers/synthetic.ts';
import { gmmPool } from '../src-main/samplers/gmm-pool-kernels.ts';
import { openProject } from '../src-main/store/project.ts';
import { getLatent, getPredictions } from '../src-main/store/predictions.ts';
import { getModel } from '../src-main/store/models.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Margin's method ↔ the scikit-learn estimator it is compared with (scripts/python/sklearn_samplers.py). */
const SKLEARN_METHODS: Partial<Record<SamplerMethod, string>> = { 'gmm-full': 'gmm-full', 'gmm-spherical': 'gmm-spherical', maxmargin: 'maxmargin' };

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

/** The demo project under os.tmpdir(), built on first use. */
function demoProject(): string {
  const dir = join(tmpdir(), 'margin-bench-demo');
  if (!existsSync(join(dir, 'margin.json'))) {
    console.error(`bench-samplers: building the demo project in ${dir} (once; pass --project DIR to use another)`);
    rmSync(dir, { recursive: true, force: true });
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/margin.js'), 'demo', '--dir', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`building the demo project in ${dir} failed (exit ${r.status}); pass --project DIR or --synthetic`);
  }
  return dir;
}

/** The latent vectors and labels of one checkpoint of a project (read-only). */
async function loadProject(dir: string, ownDemo = false): Promise<SamplerInput & { source: string }> {
  // The bench's own demo is opened read-write so that a newer build migrates it; a --project is only read.
  const store = await openProject(dir, { readOnly: !ownDemo });
  const model = await getModel(store, arg('model') ?? 'lenet5-bn');
  const wanted = arg('checkpoint');
  const ck = wanted ? model.checkpoints.find((c) => String(c.id) === wanted) : model.checkpoints.at(-1);
  if (!ck) throw new Error(`--checkpoint ${wanted}: no such checkpoint of model ${model.name}`);
  const latent = await getLatent(store, ck.id);
  const p = await getPredictions(store, ck.id);
  await store.close();
  const trueLabels = Int32Array.from(p.trueLabels), predLabels = Int32Array.from(p.predicted);
  const numClasses = p.probs.cols;
  const source = `${dir}, model ${model.name}, checkpoint ${ck.id}`;
  return { latent, trueLabels, predLabels, numClasses, source };
}

async function load(): Promise<SamplerInput & { source: string }> {
  if (flag('synthetic')) return { ...makeBlobs({ n: 10_000, d: 84, k: 10, seed: 42 }), source: 'synthetic blobs (seed 42)' };
  const latentPath = arg('latent');
  if (!latentPath) return arg('project') ? loadProject(arg('project')!) : loadProject(demoProject(), true);
  const d = Number(arg('dim') ?? 84);
  const buf = readFileSync(latentPath);
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const int32 = (p: string | undefined, what: string) => {
    if (!p) throw new Error(`--${what} <int32 file> is required with --latent`);
    const b = readFileSync(p);
    return new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  };
  const trueLabels = int32(arg('labels'), 'labels');
  const predLabels = int32(arg('pred'), 'pred');
  const numClasses = Number(arg('classes') ?? Math.max(...trueLabels, ...predLabels) + 1);
  return { latent: { rows: data.length / d, cols: d, data }, trueLabels, predLabels, numClasses, source: latentPath };
}

/** A .npy (format 1.0) of a row-major float32 matrix or int32 vector. */
function npy(data: Float32Array | Int32Array, shape: number[]): Buffer {
  const descr = data instanceof Float32Array ? '<f4' : '<i4';
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1; pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

interface SklearnResult { name: string; estimator: string; seconds: number[]; median: number; cpuMedian?: number; iterations?: number; converged?: boolean }
type Sklearn = { ok: true; version: string; results: Map<string, SklearnResult> } | { ok: false; reason: string };

/** A python3 that imports sklearn: --python, then python3 on PATH, then Debian's /usr/bin/python3. */
function findPython(): string | null {
  const candidates = [arg('python'), 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  for (const c of candidates) {
    const r = spawnSync(c, ['-c', 'import sklearn'], { stdio: 'ignore' });
    if (r.status === 0) return c;
  }
  return null;
}

function measureSklearn(input: SamplerInput, runs: number, methods: string[]): Sklearn {
  if (flag('no-sklearn')) return { ok: false, reason: 'not measured: --no-sklearn' };
  if (methods.length === 0) return { ok: false, reason: 'not measured: no GMM or MaxMargin method selected' };
  const python = findPython();
  if (!python) return { ok: false, reason: 'not measured: no python3 with scikit-learn found (install python3-sklearn, or pass --python PATH)' };
  const dir = mkdtempSync(join(tmpdir(), 'margin-bench-sklearn-'));
  try {
    const { rows, cols, data } = input.latent;
    writeFileSync(join(dir, 'latent.npy'), npy(data, [rows, cols]));
    writeFileSync(join(dir, 'true.npy'), npy(input.trueLabels, [rows]));
    writeFileSync(join(dir, 'pred.npy'), npy(input.predLabels, [rows]));
    console.error(`bench-samplers: timing scikit-learn (${python}) on the same latent: ${methods.join(', ')}, ${runs} runs each…`);
    const r = spawnSync(python, [join(ROOT, 'scripts/python/sklearn_samplers.py'), join(dir, 'latent.npy'), join(dir, 'true.npy'),
      join(dir, 'pred.npy'), '--runs', String(runs), '--only', methods.join(',')], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) return { ok: false, reason: `not measured: sklearn_samplers.py exited ${r.status}: ${(r.stderr ?? '').trim().split('\n').at(-1)}` };
    const out = JSON.parse(r.stdout) as { sklearn: string; threads: string; results: SklearnResult[] };
    return { ok: true, version: `scikit-learn ${out.sklearn} (OMP threads: ${out.threads})`, results: new Map(out.results.map((x) => [x.name, x])) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * VAS's scalable mode (vas-partitioned.ts, the sampler's choice above VAS_EXACT_MAX_ITEMS) on the
 * same latent and seed, at the exact run's bandwidth: its time and its loss Σκ over all member
 * pairs (vasLoss) against the exact interchange's.
 */
function vasModes(input: SamplerInput, fraction: number, exact: Int32Array, sigma: number, runs: number): Record<string, unknown> {
  const k = targetSize(input.latent.rows, fraction);
  const wall: number[] = [];
  let members = exact;
  let cells = 0;
  for (let t = 0; t <= runs; t++) {
    const t0 = performance.now();
    const r = vasPartitioned(input.latent, k, createRng(1), { bandwidth: sigma });
    if (t > 0) wall.push((performance.now() - t0) / 1000);
    members = r.members;
    cells = r.diagnostics.cells as number;
  }
  const loss = vasLoss(input.latent, members, sigma), exactLoss = vasLoss(input.latent, exact, sigma);
  const uniformLoss = vasLoss(input.latent, runSampler('uniform', input, { fraction, seed: 1 }).members, sigma); // for scale
  return {
    method: 'vas', mode: `partitioned (cells ≤ ${VAS_CELL_SIZE} items, used above ${VAS_EXACT_MAX_ITEMS.toLocaleString('en')} items)`,
    n: input.latent.rows, d: input.latent.cols, fraction, size: members.length, cells,
    seconds: Number([...wall].sort((a, b) => a - b)[Math.floor(wall.length / 2)].toFixed(3)),
    bandwidth: sigma, loss: Number(loss.toFixed(2)), exactLoss: Number(exactLoss.toFixed(2)), lossFactor: Number((loss / exactLoss).toFixed(3)),
    uniformLoss: Number(uniformLoss.toFixed(2)),
  };
}

if (flag('scale')) {
  await import('./bench-samplers-scale.ts');
} else {
  const input = await load();
  const fraction = Number(arg('fraction') ?? 0.05);
  const only = arg('method');
  const runs = Number(arg('runs') ?? 3);
  const methods = SAMPLER_METHODS.filter((m) => !only || m === only);
  console.error(`bench-samplers: ${input.source}: ${input.latent.rows} × ${input.latent.cols}, f = ${fraction}, median of ${runs} warm runs`);
  if (methods.some((m) => m.startsWith('gmm-'))) {
    // The GMM samplers share their E/M steps with the worker pool's helper threads. Start them before
    // timing so every run sees the same threads; their start-up is paid once per process (the
    // workbench's sampler worker pays it once per sample, while the first EM iterations run).
    const t0 = performance.now();
    const helpers = await gmmPool().whenReady();
    console.error(`bench-samplers: GMM worker pool: ${helpers} helper thread(s) + this one, ready in ${((performance.now() - t0) / 1000).toFixed(2)} s (MARGIN_POOL_THREADS=0 for one thread; cpuSeconds count every thread)`);
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const lines: Record<string, unknown>[] = [];
  for (const method of methods) {
    // Median of `runs` runs (as experiment E4 does); the first, cold run (JIT warm-up included)
    // is reported separately as coldSeconds / coldCpuSeconds.
    const timed = () => {
      const cpu0 = process.cpuUsage();
      const result = runSampler(method, input, { fraction, seed: 1 });
      const cpu = process.cpuUsage(cpu0);
      return { result, cpu: (cpu.user + cpu.system) / 1e6 };
    };
    const cold = timed();
    const wall: number[] = [], cpus: number[] = [];
    let r = cold.result;
    for (let t = 0; t < runs; t++) {
      const x = timed();
      r = x.result;
      wall.push(r.seconds);
      cpus.push(x.cpu);
    }
    const line: Record<string, unknown> = {
      method, n: input.latent.rows, d: input.latent.cols, fraction, size: r.members.length, runs,
      seconds: Number(median(wall).toFixed(3)), cpuSeconds: Number(median(cpus).toFixed(3)),
      coldSeconds: Number(cold.result.seconds.toFixed(3)), coldCpuSeconds: Number(cold.cpu.toFixed(3)), ...r.diagnostics,
    };
    lines.push(line);
    if (!SKLEARN_METHODS[method]) console.log(JSON.stringify(line));
    if (method === 'vas') console.log(JSON.stringify(vasModes(input, fraction, r.members, r.diagnostics.bandwidth as number, runs)));
  }
  // scikit-learn after Margin, so the two never compete for the cores.
  const sk = measureSklearn(input, runs, methods.flatMap((m) => SKLEARN_METHODS[m] ?? []));
  if (sk.ok) console.error(`bench-samplers: ${sk.version}`);
  for (const line of lines) {
    const name = SKLEARN_METHODS[line.method as SamplerMethod];
    if (!name) continue;
    const res = sk.ok ? sk.results.get(name) : undefined;
    if (res) {
      line.sklearn = res.estimator;
      line.sklearnSeconds = Number(res.median.toFixed(3));
      if (res.iterations !== undefined) line.sklearnIterations = res.iterations;
      line.speedup = Number((res.median / (line.seconds as number)).toFixed(1));
      if (res.cpuMedian !== undefined) {
        // CPU over CPU (scikit-learn's over all its threads): steadier than wall on a loaded machine.
        line.sklearnCpuSeconds = Number(res.cpuMedian.toFixed(3));
        line.cpuSpeedup = Number((res.cpuMedian / (line.cpuSeconds as number)).toFixed(1));
      }
    } else {
      line.sklearn = sk.ok ? 'not measured: sklearn_samplers.py returned no result for it' : sk.reason;
    }
    console.log(JSON.stringify(line));
  }
}
