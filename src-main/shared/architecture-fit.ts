/**
 * Which built-in architecture can train on images of a given size, and the message that says so
 * when one cannot (issue 15: "LeNet-5 on 8×8 digits" is explained with what would fit, never as a
 * raw TF.js shape error). Pure: used by the training service (API, CLI) and by the Train panel,
 * which disables an architecture that does not fit and shows the same sentence.
 */

export const TRAINABLE_ARCHITECTURES = ['lenet5-bn', 'mlp'] as const;
export type TrainableArchitecture = (typeof TRAINABLE_ARCHITECTURES)[number];

export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

/**
 * Smallest height/width an architecture accepts. LeNet-5-BN has two 5×5 convolutions without
 * padding, each followed by a 2×2 pooling: side s → floor((s − 4) / 2) → floor((that − 4) / 2),
 * which is ≥ 1 from s = 16 on. The MLP flattens any image.
 */
export const MIN_SIDE: Record<TrainableArchitecture, number> = { 'lenet5-bn': 16, mlp: 1 };

/** The side LeNet-5 was designed for and the demo uses (a sensible size to resize to). */
const LENET_SIDE = 28;

/** The spatial size after LeNet-5-BN's feature stages, or 0 when the image is too small. */
export function lenetFeatureSide(side: number): number {
  const a = Math.floor((side - 4) / 2);
  if (a < 1) return 0;
  const b = Math.floor((a - 4) / 2);
  return b < 1 ? 0 : b;
}

export function fits(arch: TrainableArchitecture, s: ImageShape): boolean {
  return s.height >= MIN_SIDE[arch] && s.width >= MIN_SIDE[arch];
}

const shape = (s: ImageShape) => `${s.height}×${s.width}×${s.channels}`;

/**
 * Null when `arch` can train on images of shape `s`; otherwise one sentence: what the
 * architecture needs, what the data set has, and what would fit (another architecture, or a resize).
 */
export function architectureMismatch(arch: TrainableArchitecture, s: ImageShape, dataset?: string): string | null {
  if (fits(arch, s)) return null;
  const min = MIN_SIDE[arch];
  const others = TRAINABLE_ARCHITECTURES.filter((a) => a !== arch && fits(a, s));
  const what = dataset ? `data set "${dataset}" has ${shape(s)} images (height×width×channels)` : `the images are ${shape(s)} (height×width×channels)`;
  const why = arch === 'lenet5-bn' ? ' (two 5×5 convolutions without padding, each followed by a 2×2 pooling)' : '';
  const alternatives = [
    ...others.map((a) => a === 'mlp' ? `mlp fits ${shape(s)} (it flattens the image into ${s.height * s.width * s.channels} inputs)` : `${a} fits ${shape(s)}`),
    `or resize the images to at least ${min}×${min} (e.g. ${Math.max(min, LENET_SIDE)}×${Math.max(min, LENET_SIDE)}) and import them again`,
  ];
  return `${arch} needs images of at least ${min}×${min} pixels${why}, but ${what}. What would fit: ${alternatives.join('; ')}.`;
}
