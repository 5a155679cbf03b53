/**
 * A small but complete ReportDocument for tests and for looking at the output: every section
 * present, made from deterministic synthetic numbers (no project needed).
 */
import type { ReportDocument } from './report-document.ts';
import type { E1Row, E2Row, E3Row, E4Row, Table4Row } from './experiment-rows.ts';

export const CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const METHODS = ['uniform', 'stratified', 'latent-grid', 'vas', 'boundary-tree', 'gmm-full', 'gmm-spherical', 'maxmargin'];

function confusion(diag: number): number[][] {
  return CLASS_NAMES.map((_, t) => CLASS_NAMES.map((_, p) => (t === p ? diag - t * 7 : (t * 7 + p * 3) % 11)));
}

export function e1Rows(): E1Row[] {
  return METHODS.flatMap((method, m) => [0.05, 0.1, 0.2, 0.4, 0.8].flatMap((fraction) => [1, 2].map((seed) => ({
    method, fraction, seed, size: Math.round(10_000 * fraction),
    s1: Math.min(1, 0.45 + 0.6 * fraction + 0.02 * m + 0.005 * seed),
    s2: 0.08 * (1 - fraction) / (1 + m / 4),
    s3: 0.5 * (1 - fraction) / (1 + m / 8),
  }))));
}
export function e2Rows(): E2Row[] {
  return METHODS.flatMap((method, m) => [1, 5, 10, 20, 50, 100].map((k) => ({ method, k, precision: Math.min(1, 0.5 + 0.04 * m + 0.003 * k) })));
}
export function e3Rows(): E3Row[] {
  return ['gmm-full', 'gmm-spherical', 'maxmargin'].flatMap((method, m) => [0, 0.25, 0.5, 0.75, 1].flatMap((j) => [false, true].map((weighted) => ({
    method, j, weighted, s1: 0.4 + 0.3 * j + 0.05 * m - (weighted ? 0.05 : 0), s2: 0.02 + 0.01 * j, s3: 0.3 - 0.15 * j + (weighted ? 0.04 : 0),
  }))));
}
export function e4Rows(): E4Row[] {
  const seconds = [0.0004, 0.003, 0.02, 95, 12, 0.4, 0.2, 1.5];
  return METHODS.map((method, i) => ({ method, seconds: seconds[i], size: 500 }));
}
export function table4Rows(): Table4Row[] {
  const inc = [9, 11, 12, 8, 72, 48, 11, 85];
  return METHODS.map((method, i) => ({ method, correct: 500 - inc[i], incorrect: inc[i], size: 500 }));
}

export function fullReport(): ReportDocument {
  return {
    header: {
      title: 'Diagnosis of lenet5-bn on Fashion-MNIST',
      project: 'demo', model: 'lenet5-bn', checkpoint: 'epoch-5', dataset: 'fashion-mnist (test, 10,000 items)',
      date: '2025-01-02T03:04:05Z', backend: 'wasm (tfjs-node not installed)', generator: 'Margin 0.1.0',
    },
    model: {
      architecture: 'LeNet-5 with batch normalisation', totalParams: 107_786, flopsPerItem: 845_000, accuracy: 0.8953, items: 10_000,
      latentLayer: 'dense_2',
      layers: [
        { name: 'conv2d_1', className: 'Conv2D', shape: [28, 28, 6], units: 4704, params: 156, flops: 235_200 },
        { name: 'max_pooling2d_1', className: 'MaxPooling2D', shape: [14, 14, 6], units: 1176, params: 0, flops: 4704 },
        { name: 'conv2d_2', className: 'Conv2D', shape: [10, 10, 16], units: 1600, params: 2416, flops: 480_000 },
        { name: 'dense_1', className: 'Dense', shape: [120], units: 120, params: 48_120, flops: 96_000 },
        { name: 'dense_2', className: 'Dense', shape: [84], units: 84, params: 10_164, flops: 20_160 },
        { name: 'dense_3', className: 'Dense', shape: [10], units: 10, params: 850, flops: 1680 },
      ],
      checkpoints: [1, 2, 3, 4, 5].map((e) => ({ label: `epoch-${e}`, testAccuracy: 0.8 + 0.02 * e })),
    },
    confusion: { classNames: CLASS_NAMES, counts: confusion(950) },
    samples: [
      { name: 'maxmargin-5%', method: 'maxmargin', fraction: 0.05, j: 0.7, seed: 1, size: 500, correct: 415, incorrect: 85, seconds: 1.52, created: '2025-01-02T02:00:00Z',
        params: { svm: 'linear squared-hinge dual CD, one-vs-rest', svmC: 1, svmLoss: 'squared-hinge', svmScaling: 'zscore', plattFolds: 5 } },
      { name: 'uniform-5%', method: 'uniform', fraction: 0.05, j: null, seed: 1, size: 500, correct: 449, incorrect: 51, seconds: 0.0004, created: '2025-01-02T02:01:00Z' },
    ],
    queries: [
      {
        title: 'Q2 — top-10 neurons of conv2d_2 for incorrectly classified items', set: 'S1', layer: 'conv2d_2', subset: 'incorrectly classified',
        sample: 'maxmargin-5%', items: 85, seconds: 0.004,
        topK: [12, 40, 7, 3, 99, 150, 8, 61, 77, 5].map((neuron, i) => ({ neuron, score: 3 - 0.2 * i })),
        exactTopK: [12, 7, 40, 3, 150, 99, 61, 8, 1, 2].map((neuron, i) => ({ neuron, score: 3.1 - 0.2 * i })),
        error: { metric: 'precision@K', value: 0.8 },
      },
      {
        title: 'S3 — argmax distribution of dense_2, class Shirt', set: 'S3', layer: 'dense_2', subset: 'class Shirt, all',
        sample: 'uniform-5%', items: 48, seconds: 0.002,
        vector: Array.from({ length: 84 }, (_, i) => Math.exp(-((i - 30) ** 2) / 60) / 7.7),
        confidenceInterval: { level: 0.95, lower: Array.from({ length: 84 }, () => 0), upper: Array.from({ length: 84 }, () => 0.05) },
      },
    ],
    evaluation: { e1: e1Rows(), e2: e2Rows(), e3: e3Rows(), e4: e4Rows(), table4: table4Rows(), note: 'Fashion-MNIST test set, 10 seeds for randomised samplers.' },
    comparison: {
      a: { name: 'lenet5-bn', checkpoint: 'epoch-5', architecture: 'LeNet-5 + BN', totalParams: 107_786, accuracy: 0.8953, confusion: { classNames: CLASS_NAMES, counts: confusion(950) },
        learningCurves: { checkpoints: ['epoch-1', 'epoch-2', 'epoch-3'], classNames: CLASS_NAMES, accuracy: CLASS_NAMES.map((_, c) => [0.5 + 0.02 * c, 0.75, c === 6 ? Number.NaN : 0.9]) } },
      b: { name: 'mlp', checkpoint: 'epoch-5', architecture: 'MLP 256-128', totalParams: 235_146, accuracy: 0.8712, confusion: { classNames: CLASS_NAMES, counts: confusion(930) } },
      cka: { layersA: ['conv2d_1', 'conv2d_2', 'dense_1', 'dense_2'], layersB: ['dense_a', 'dense_b'], values: [[0.4, 0.2], [0.6, 0.4], [0.7, 0.8], [0.5, 0.9]] },
    },
  };
}
