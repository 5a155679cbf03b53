/**
 * `npm run bench:samplers` — times every sampler on a 5 % sample of 10,000 × 84 seeded synthetic
 * latent vectors (10 anisotropic Gaussian blobs with overlap, ~10 % wrong predictions on the
 * boundaries), or on real data:
 *   --project DIR [--model lenet5-bn] [--checkpoint ID]   a project's stored latent vectors (the demo:
 *                                                          `node bin/margin.js demo --dir DIR`), last checkpoint by default
 *   --latent <float32 file> --labels <int32 file> --pred <int32 file> --dim 84 [--classes K]
 * Prints one JSON line per sampler: {method, n, d, fraction, size, seconds, cpuSeconds (medians of
 * --runs 3 warm runs), coldSeconds, coldCpuSeconds (the first run, JIT warm-up included), ...}.
 * `seconds` is wall time; `cpuSeconds` (this process's CPU) is steadier on a busy machine.
 */
import { readFileSync } from 'node:fs';
import { runSampler, SAMPLER_METHODS } from '../src-main/samplers/index.ts';
import type { SamplerInput, SamplerMethod } from '../src-main/samplers/index.ts';
import { makeBlobs } from '../src-main/samplers/synthetic.ts';
import { openProject } from '../src-main/store/project.ts';
import { getLatent, getPredictions } from '../src-main/store/predictions.ts';
import { getModel } from '../src-main/store/models.ts';

/** Reference timings (seconds) of other implementations quoted in issue 4. */
const REFERENCE: Partial<Record<SamplerMethod, { name: string; seconds: number }>> = {
  'gmm-full': { name: 'sklearn BayesianGaussianMixture(full)', seconds: 7.5 },
  maxmargin: { name: 'sklearn SVC(linear, probability=True)', seconds: 5.5 },
};

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** The latent vectors and labels of one checkpoint of a project (read-only). */
async function loadProject(dir: string): Promise<SamplerInput> {
  const store = await openProject(dir, { readOnly: true });
  const model = await getModel(store, arg('model') ?? 'lenet5-bn');
  const wanted = arg('checkpoint');
  const ck = wanted ? model.checkpoints.find((c) => String(c.id) === wanted) : model.checkpoints.at(-1);
  if (!ck) throw new Error(`--checkpoint ${wanted}: no such checkpoint of model ${model.name}`);
  const latent = await getLatent(store, ck.id);
  const p = await getPredictions(store, ck.id);
  await store.close();
  const trueLabels = Int32Array.from(p.trueLabels), predLabels = Int32Array.from(p.predicted);
  const numClasses = p.probs.cols;
  console.error(`bench-samplers: ${dir}, model ${model.name}, checkpoint ${ck.id}: ${latent.rows} × ${latent.cols}`);
  return { latent, trueLabels, predLabels, numClasses };
}

async function load(): Promise<SamplerInput> {
  const project = arg('project');
  if (project) return loadProject(project);
  const latentPath = arg('latent');
  if (!latentPath) return makeBlobs({ n: 10_000, d: 84, k: 10, seed: 42 });
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
  return { latent: { rows: data.length / d, cols: d, data }, trueLabels, predLabels, numClasses };
}

const input = await load();
const fraction = Number(arg('fraction') ?? 0.05);
const only = arg('method');
const runs = Number(arg('runs') ?? 3);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
for (const method of SAMPLER_METHODS) {
  if (only && method !== only) continue;
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
  const seconds = median(wall);
  const line: Record<string, unknown> = {
    method, n: input.latent.rows, d: input.latent.cols, fraction, size: r.members.length, runs,
    seconds: Number(seconds.toFixed(3)), cpuSeconds: Number(median(cpus).toFixed(3)),
    coldSeconds: Number(cold.result.seconds.toFixed(3)), coldCpuSeconds: Number(cold.cpu.toFixed(3)), ...r.diagnostics,
  };
  const ref = REFERENCE[method];
  if (ref) { line.reference = ref.name; line.referenceSeconds = ref.seconds; line.speedup = Number((ref.seconds / seconds).toFixed(1)); }
  console.log(JSON.stringify(line));
}
