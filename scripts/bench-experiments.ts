/**
 * `npx tsx scripts/bench-experiments.ts [--seeds 10] [--n 10000] [--only e1,e2,e3,e4,table4]` —
 * times the paper's experiments on seeded synthetic data shaped like the demo: 10,000 items,
 * 84-d latent, 10 classes, 6 LeNet-like layers of 4,096 + 1,176 + 1,024 + 400 + 120 + 84 = 6,900
 * units per item. Prints one JSON line per experiment: {experiment, seconds, cpuSeconds, rows}.
 */
import { runE1, runE2, runE3, runE4, runTable4 } from '../src-main/experiments/index.ts';
import { makeExperimentData } from '../src-main/experiments/synthetic.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const n = Number(arg('n') ?? 10_000);
const seeds = Number(arg('seeds') ?? 10);
const only = new Set((arg('only') ?? 'e1,e2,e3,e4,table4').split(','));
const t0 = performance.now();
const data = makeExperimentData({ n, d: 84, k: 10, seed: 42, widths: [4096, 1176, 1024, 400, 120, 84] });
console.log(JSON.stringify({ step: 'synthetic data', n, unitsPerItem: data.layers.reduce((s, l) => s + l.matrix.cols, 0), seconds: Number(((performance.now() - t0) / 1000).toFixed(2)) }));

const experiments = { e1: runE1, e2: runE2, e3: runE3, e4: runE4, table4: runTable4 } as const;
for (const [name, run] of Object.entries(experiments)) {
  if (!only.has(name)) continue;
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  const rows = run(data, { seeds });
  const cpu = process.cpuUsage(cpu0);
  console.log(JSON.stringify({
    experiment: name, seeds, seconds: Number(((performance.now() - w0) / 1000).toFixed(2)),
    cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)), rows: rows.length,
  }));
}
