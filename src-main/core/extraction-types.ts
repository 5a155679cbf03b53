/**
 * The contract between the model engine (which runs a network on a batch) and the activation
 * store (which commits whole batches, resumably). Both sides import only these types.
 */

/** One layer of a model as the store records it. `shape` excludes the batch dimension (NHWC for conv layers). */
export interface LayerInfo {
  name: string;
  className: string; // e.g. 'Conv2D', 'Dense', 'BatchNormalization'
  shape: number[];
  units: number; // product of shape
  params: number;
  flops: number; // multiply-adds ×2 per item, 0 for parameter-free layers
}

/** What one forward pass over a batch of `count` items returns. Row-major [count, units] per layer. */
export interface BatchOutput {
  count: number;
  /** Requested layers' outputs, in the order asked. */
  layers: Array<{ name: string; units: number; data: Float32Array }>;
  logits: Float32Array; // [count, numClasses] — pre-softmax outputs of the last layer
  probs: Float32Array; // [count, numClasses] — softmax
  predicted: Int32Array; // [count]
  latent: Float32Array; // [count, latentDim] — the last hidden layer's output by default
  latentDim: number;
  numClasses: number;
  /**
   * When present, the arrays above belong to the runner's buffer pool: call release() once they
   * are no longer needed (e.g. written to the store) so the runner can reuse them instead of
   * allocating fresh memory. Not calling it is safe (the runner allocates anew), just slower.
   */
  release?: () => void;
}

/** Runs the network on items [start, start+count) of the data set. */
export interface BatchRunner {
  readonly engine: string; // 'tfjs-node' | 'wasm' | 'cpu' | 'onnxruntime'
  run(start: number, count: number, layerNames: string[]): Promise<BatchOutput>;
  /** Optional: run arbitrary data-set rows (in this order) as one batch, e.g. a sample's scattered members. */
  runItems?(indices: Int32Array, layerNames: string[]): Promise<BatchOutput>;
  close(): Promise<void>;
}
