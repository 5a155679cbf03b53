/**
 * `npm run bench:samplers -- --scale` — how each sampler grows: seeded synthetic latents
 * (src-main/samplers/synthetic.ts, 10 classes) of 10,000 × 84 (the reference), 100,000 × 84, 1,000,000 × 84 and 100,000 × 512,
 * f = 0.05. Each (size, sampler) runs ONCE in its own child process, so its peak memory is its own:
 *   seconds      wall time of runSampler (cold: one run; the latent is read from a temp file first)
 *   cpuSeconds   the child's CPU time over the run
 *   peakMB       the child's maxRSS (process.resourceUsage) after the run — latent included
 *   baseMB       maxRSS before the run (node + the latent): peakMB − baseMB is the sampler's own
 * then, per sampler, the fitted exponent b of time ∝ N^b from 100k to 1M (d = 84) and the
 * dimension exponent from d = 84 to 512 (N = 100k), both on CPU seconds (they do not move with the
 * load other processes put on a shared machine). Most samplers run on one thread, so CPU seconds
 * are their wall time on an idle core; the GMM samplers share their passes with the worker pool,
 * so theirs count both threads and the workbench's estimate from them errs on the long side. The
 * cost model records CPU seconds for the same reason.
 *   --sizes 10000x84,100000x84,1000000x84,100000x512   --method m[,m2,…]   --timeout 300 (seconds per child)
 *   --cost-model   also writes src-main/samplers/cost-model.json (the workbench's estimate; methods
 *                  left out by --method keep their earlier points)
 *   --cost-model-from FILE --cost-model   rebuild the exponents and cost-model.json from the lines a run printed
 * A child past --timeout is killed and reported as such. Takes minutes; never run from tests.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSampler, SAMPLER_METHODS } from '../src-main/samplers/index.ts';
import type { SamplerMethod } from '../src-main/samplers/index.ts';
import { makeBlobs } from '../src-main/samplers/synthetic.ts';
import type { CostModel } from '../src-main/shared/sampler-cost.ts';

const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FRACTION = 0.05;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const mb = (kb: number) => Math.round(kb / 1024);

interface ChildReport { seconds: number; cpuSeconds: number; peakMB: number; baseMB: number; diagnostics: Record<string, unknown> }

/** Child: read the latent, run one sampler once, print a ChildReport. */
function child(dir: string, method: SamplerMethod, n: number, d: number): void {
  const buf = readFileSync(join(dir, 'latent.f32'));
  const data = new Float32Array(buf.buffer, buf.byteOffset, n * d);
  const i32 = (f: string) => { const b = readFileSync(join(dir, f)); return new Int32Array(b.buffer, b.byteOffset, n); };
  const input = { latent: { rows: n, cols: d, data }, trueLabels: i32('true.i32'), predLabels: i32('pred.i32'), numClasses: 10 };
  const baseMB = mb(process.resourceUsage().maxRSS);
  const cpu0 = process.cpuUsage();
  const r = runSampler(method, input, { fraction: FRACTION, seed: 1 });
  const cpu = process.cpuUsage(cpu0);
  const report: ChildReport = {
    seconds: r.seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakMB: mb(process.resourceUsage().maxRSS), baseMB, diagnostics: r.diagnostics,
  };
  process.stdout.write(JSON.stringify(report));
  process.exit(0); // do not wait for the event loop: the latent and the fit are freed with the process
}

function parent(): void {
  const sizes = (arg('sizes') ?? '10000x84,100000x84,1000000x84,100000x512').split(',').map((s) => s.split('x').map(Number) as [number, number]);
  const only = arg('method')?.split(',');
  const timeout = Number(arg('timeout') ?? 300) * 1000;
  const unknown = only?.filter((m) => !(SAMPLER_METHODS as readonly string[]).includes(m));
  if (unknown?.length) throw new Error(`--method ${unknown.join(',')}: no such sampler (one or more of ${SAMPLER_METHODS.join(', ')}, comma-separated)`);
  const methods = SAMPLER_METHODS.filter((m) => !only || only.includes(m));
  const results = new Map<string, ChildReport>();
  const key = (m: string, n: number, d: number) => `${m}@${n}x${d}`;
  for (const [n, d] of sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'margin-bench-scale-'));
    try {
      const t0 = performance.now();
      const blobs = makeBlobs({ n, d, k: 10, seed: 7 });
      writeFileSync(join(dir, 'latent.f32'), blobs.latent.data);
      writeFileSync(join(dir, 'true.i32'), blobs.trueLabels);
      writeFileSync(join(dir, 'pred.i32'), blobs.predLabels);
      console.error(`bench-samplers --scale: ${n} × ${d} synthetic latent ready (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      for (const method of methods) {
        const r = spawnSync(process.execPath, ['--import', 'tsx', SELF, '--child', dir, method, String(n), String(d)],
          { cwd: ROOT, encoding: 'utf8', timeout, maxBuffer: 1 << 20, killSignal: 'SIGKILL' });
        const line: Record<string, unknown> = { method, n, d, fraction: FRACTION };
        if (r.error || r.status !== 0) {
          line.error = r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT'
            ? `not finished within --timeout ${timeout / 1000} s (killed)`
            : `exit ${r.status ?? r.signal}: ${(r.stderr ?? '').trim().split('\n').at(-1)}`;
        } else {
          const rep = JSON.parse(r.stdout) as ChildReport;
          results.set(key(method, n, d), rep);
          Object.assign(line, { seconds: +rep.seconds.toFixed(2), cpuSeconds: +rep.cpuSeconds.toFixed(2), peakMB: rep.peakMB, baseMB: rep.baseMB }, rep.diagnostics);
        }
        console.log(JSON.stringify(line));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  summarise(methods, results);
}

/**
 * The growth exponents and (with --cost-model) cost-model.json from the measured points.
 * `--cost-model-from FILE` rebuilds them from the JSON lines a previous --scale run printed.
 */
function summarise(methods: readonly SamplerMethod[], results: Map<string, ChildReport>): void {
  const key = (m: string, n: number, d: number) => `${m}@${n}x${d}`;
  // Growth exponents between the measured sizes.
  const model: CostModel = { fraction: FRACTION, measured: new Date().toISOString().slice(0, 10), methods: {} };
  for (const method of methods) {
    const a = results.get(key(method, 100_000, 84)), b = results.get(key(method, 1_000_000, 84)), c = results.get(key(method, 100_000, 512));
    // On CPU seconds: one thread's work, so the curve is not bent by whatever else loads the cores.
    const exponentN = a && b ? Math.log(b.cpuSeconds / a.cpuSeconds) / Math.log(10) : null;
    const exponentD = a && c ? Math.log(c.cpuSeconds / a.cpuSeconds) / Math.log(512 / 84) : null;
    console.log(JSON.stringify({
      method, growth: true,
      exponentN: exponentN === null ? 'not measured (a size missing or failed)' : +exponentN.toFixed(2),
      exponentD: exponentD === null ? 'not measured (a size missing or failed)' : +exponentD.toFixed(2),
    }));
    const points = [...results].filter(([k]) => k.startsWith(`${method}@`)).map(([k, r]) => {
      const [n, d] = k.split('@')[1].split('x').map(Number);
      return { n, d, seconds: +r.cpuSeconds.toFixed(3), peakMB: r.peakMB };
    });
    if (points.length) model.methods[method] = { points, exponentN: exponentN ?? undefined, exponentD: exponentD ?? undefined };
  }
  if (process.argv.includes('--cost-model')) {
    const file = join(ROOT, 'src-main/samplers/cost-model.json');
    // Methods this run did not measure (--method) keep their earlier points.
    let kept: CostModel['methods'] = {};
    try { kept = (JSON.parse(readFileSync(file, 'utf8')) as CostModel).methods; } catch { /* no earlier model */ }
    for (const [m, v] of Object.entries(kept)) if (!(m in model.methods) && v) model.methods[m as SamplerMethod] = v;
    writeFileSync(file, JSON.stringify(model, null, 1) + '\n');
    console.error(`bench-samplers --scale: wrote ${file}`);
  }
}


function fromLines(file: string): void {
  const results = new Map<string, ChildReport>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    const r = JSON.parse(line) as { method: string; n?: number; d?: number; seconds?: number; cpuSeconds?: number; peakMB?: number; baseMB?: number };
    if (r.n === undefined || r.cpuSeconds === undefined) continue;
    results.set(`${r.method}@${r.n}x${r.d}`, { seconds: r.seconds!, cpuSeconds: r.cpuSeconds, peakMB: r.peakMB!, baseMB: r.baseMB!, diagnostics: {} });
  }
  summarise(SAMPLER_METHODS, results);
}

const ci = process.argv.indexOf('--child');
if (ci >= 0) {
  const [dir, method, n, d] = process.argv.slice(ci + 1, ci + 5);
  child(dir, method as SamplerMethod, Number(n), Number(d));
} else if (arg('cost-model-from')) {
  fromLines(arg('cost-model-from')!);
} else {
  parent();
}
