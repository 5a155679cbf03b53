/** A validated data set in memory, as every importer returns it and the store takes it. */
export interface ImportedSplit {
  split: string; // 'train' | 'test' | …
  /** N*H*W*C values, NHWC, row-major. */
  pixels: Uint8Array | Float32Array;
  labels: Int32Array;
  /** Input reference per item, e.g. "t10k-images-idx3-ubyte.gz#17" or a file path. */
  sources: string[];
}

export interface ImportedDataset {
  format: 'idx' | 'digits-csv' | 'npy' | 'folder';
  height: number;
  width: number;
  channels: number;
  /** The value that means full intensity in `pixels`: 255 for uint8 images, 16 for UCI digits, 1 for floats in [0, 1]. */
  pixelScale: number;
  splits: ImportedSplit[];
  /** Index = label. */
  classNames: string[];
}
