/**
 * A deterministic stand-in for the model engine: every output is a closed-form function of the
 * item's index in its split, so tests can recompute the exact values the store must return.
 */
import type { BatchOutput, BatchRunner, LayerInfo } from '../../core/extraction-types.ts';
import type { ImportedDataset } from '../../datasets/types.ts';

export const FAKE_CLASSES = 3;
export const FAKE_LATENT = 4;
export const FAKE_LAYERS: LayerInfo[] = [
  { name: 'conv1', className: 'Conv2D', shape: [2, 2, 3], units: 12, params: 30, flops: 240 },
  { name: 'dense/1', className: 'Dense', shape: [5], units: 5, params: 65, flops: 120 },
  { name: 'latent', className: 'Dense', shape: [FAKE_LATENT], units: FAKE_LATENT, params: 24, flops: 40 },
  { name: 'logits', className: 'Dense', shape: [FAKE_CLASSES], units: FAKE_CLASSES, params: 15, flops: 24 },
];

export function fakeValue(index: number, layer: string, unit: number): number {
  let h = 0;
  for (let i = 0; i < layer.length; i++) h = (h * 31 + layer.charCodeAt(i)) | 0;
  return Math.sin(index * 0.37 + unit * 1.13 + (h % 97)) * (1 + (unit % 3));
}

export function fakeLabel(index: number): number {
  return index % FAKE_CLASSES;
}

/** Predicted class: right for 3 of every 4 items. */
export function fakePredicted(index: number): number {
  return index % 4 === 3 ? (fakeLabel(index) + 1) % FAKE_CLASSES : fakeLabel(index);
}

export class FakeRunner implements BatchRunner {
  readonly engine = 'cpu';
  calls = 0;
  constructor(private readonly delayMs = 0) {}

  /** Outputs handed out and not yet released (the store must release each one it was given a release() for). */
  unreleased = 0;

  async run(start: number, count: number, layerNames: string[]): Promise<BatchOutput> {
    this.calls++;
    return this.compute(Array.from({ length: count }, (_, i) => start + i), layerNames);
  }

  protected async compute(indices: number[], layerNames: string[]): Promise<BatchOutput> {
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const count = indices.length;
    const layers = layerNames.map((name) => {
      const info = FAKE_LAYERS.find((l) => l.name === name);
      if (!info) throw new Error(`fake runner has no layer ${name}`);
      const data = new Float32Array(count * info.units);
      for (let i = 0; i < count; i++) for (let u = 0; u < info.units; u++) data[i * info.units + u] = fakeValue(indices[i], name, u);
      return { name, units: info.units, data };
    });
    const k = FAKE_CLASSES;
    const logits = new Float32Array(count * k);
    const probs = new Float32Array(count * k);
    const predicted = new Int32Array(count);
    const latent = new Float32Array(count * FAKE_LATENT);
    for (let i = 0; i < count; i++) {
      const idx = indices[i];
      const p = fakePredicted(idx);
      let z = 0;
      for (let c = 0; c < k; c++) {
        logits[i * k + c] = (c === p ? 2 : 0) + 0.01 * fakeValue(idx, 'logit', c);
        z += Math.exp(logits[i * k + c]);
      }
      for (let c = 0; c < k; c++) probs[i * k + c] = Math.exp(logits[i * k + c]) / z;
      predicted[i] = p;
      for (let d = 0; d < FAKE_LATENT; d++) latent[i * FAKE_LATENT + d] = fakeValue(idx, 'latent', d);
    }
    this.unreleased++;
    let released = false;
    const release = (): void => { if (!released) { released = true; this.unreleased--; } };
    return { count, layers, logits, probs, predicted, latent, latentDim: FAKE_LATENT, numClasses: k, release };
  }

  async close(): Promise<void> {}
}

/** A FakeRunner that also takes scattered rows in one call (as the ONNX Runtime runner does). */
export class FakeGatherRunner extends FakeRunner {
  itemCalls = 0;
  async runItems(indices: Int32Array, layerNames: string[]): Promise<BatchOutput> {
    this.itemCalls++;
    return this.compute(Array.from(indices), layerNames);
  }
}

/** A small synthetic data set whose labels match the fake runner. */
export function fakeDataset(sizes: Record<string, number>, h = 4, w = 4): ImportedDataset {
  return {
    format: 'npy',
    height: h,
    width: w,
    channels: 1,
    pixelScale: 255,
    classNames: Array.from({ length: FAKE_CLASSES }, (_, i) => `class-${i}`),
    splits: Object.entries(sizes).map(([split, n]) => ({
      split,
      pixels: Uint8Array.from({ length: n * h * w }, (_, i) => (i * 7 + split.length) & 0xff),
      labels: Int32Array.from({ length: n }, (_, i) => fakeLabel(i)),
      sources: Array.from({ length: n }, (_, i) => `${split}.bin#${i}`),
    })),
  };
}
