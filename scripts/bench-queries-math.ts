/**
 * Benchmark of the query math (src-main/queries) on synthetic activations the size of the
 * paper's LeNet-5 on a 10,000-item test set: six layers of 24·24·6, 12·12·6, 8·8·16, 4·4·16,
 * 120 and 84 Float32 units. Prints one JSON line per measurement.
 *   npx tsx scripts/bench-queries-math.ts [--items 10000] [--reps 5]
 */
import { createRng, sampleWithoutReplacement } from '../src-main/core/rng.ts';
import type { Matrix } from '../src-main/core/matrix.ts';
import { columnMax, columnMean, groupedAggregates } from '../src-main/queries/aggregates.ts';
import { ckaMatrix } from '../src-main/queries/cka.ts';
import { precisionCurve, prepareExactAnswers, scoreSample } from '../src-main/queries/querysets.ts';
import { selectRows } from '../src-main/queries/validate.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const N = arg('items', 10_000);
const REPS = arg('reps', 5);
const LAYERS: Array<[string, number]> = [
  ['conv1', 24 * 24 * 6], ['pool1', 12 * 12 * 6], ['conv2', 8 * 8 * 16], ['pool2', 4 * 4 * 16], ['fc1', 120], ['fc2', 84],
];
const CLASSES = 10;

const rng = createRng(2024);
const trueLabels = Int32Array.from({ length: N }, () => rng.int(CLASSES));
const correct = Uint8Array.from({ length: N }, () => (rng.next() < 0.9 ? 1 : 0));
const layers = LAYERS.map(([name, cols]) => {
  const data = new Float32Array(N * cols);
  for (let i = 0; i < N; i++) {
    const o = i * cols;
    // ReLU-like activations with a class-dependent bump, so combinations differ
    for (let j = 0; j < cols; j++) data[o + j] = Math.max(0, rng.normal() + ((j * 7 + trueLabels[i]) % 13 === 0 ? 1.5 : 0));
  }
  return { name, matrix: { rows: N, cols, data } as Matrix<Float32Array> };
});
const bytes = layers.reduce((s, l) => s + l.matrix.data.byteLength, 0);

function best(fn: () => void, reps = REPS): number {
  let t = Infinity;
  for (let r = 0; r < reps; r++) {
    const s = performance.now();
    fn();
    t = Math.min(t, performance.now() - s);
  }
  return t;
}
const emit = (o: Record<string, unknown>) => console.log(JSON.stringify(o));

emit({ bench: 'setup', items: N, layers: LAYERS.map(([n, c]) => `${n}:${c}`), megabytes: +(bytes / 1e6).toFixed(1), reps: REPS });

for (const [what, fn] of [['columnMean', columnMean], ['columnMax', columnMax]] as const) {
  const ms = best(() => { for (const l of layers) fn(l.matrix); });
  emit({ bench: `exact ${what}, all items × all layers`, ms: +ms.toFixed(1), gbPerS: +(bytes / ms / 1e6).toFixed(2) });
}
const groupOf = Int32Array.from({ length: N }, (_, i) => trueLabels[i] * 2 + correct[i]);
const gms = best(() => { for (const l of layers) groupedAggregates(l.matrix, groupOf, CLASSES * 2); });
emit({ bench: 'grouped scan (sum, max, argmax per class×outcome), all items × all layers', ms: +gms.toFixed(1), gbPerS: +(bytes / gms / 1e6).toFixed(2) });

let exact = prepareExactAnswers({ layers, trueLabels, correct, numClasses: CLASSES });
const pms = best(() => { exact = prepareExactAnswers({ layers, trueLabels, correct, numClasses: CLASSES }); }, 3);
emit({ bench: 'prepareExactAnswers (once per model)', ms: +pms.toFixed(1), combinations: exact.combinations.length });

for (const f of [0.05, 0.1, 0.2, 0.4, 0.8]) {
  const members = sampleWithoutReplacement(N, Math.round(f * N), createRng(Math.round(f * 1000)));
  let r = scoreSample(exact, members, { k: 10 });
  const ms = best(() => { r = scoreSample(exact, members, { k: 10 }); });
  emit({ bench: 'scoreSample S1+S2+S3, K=10', fraction: f, members: members.length, ms: +ms.toFixed(1), s1: +r.s1.toFixed(4), s2: +r.s2.toFixed(5), s3: +r.s3.toFixed(4) });
}
{
  const members = sampleWithoutReplacement(N, Math.round(0.05 * N), createRng(5));
  const ks = Array.from({ length: 100 }, (_, i) => i + 1);
  const ms = best(() => precisionCurve(exact, members, ks));
  emit({ bench: 'precisionCurve K=1..100 (E2), f=0.05', ms: +ms.toFixed(1) });
}
{
  const members = sampleWithoutReplacement(N, 1000, createRng(6));
  const a = layers.map((l) => selectRows(l.matrix, members));
  const ms = best(() => ckaMatrix(a, a), 1);
  emit({ bench: 'ckaMatrix 6×6 layers over 1,000 items (Q7)', ms: +ms.toFixed(0) });
}
