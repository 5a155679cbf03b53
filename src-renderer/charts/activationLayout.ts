/**
 * Lays an activation vector out the way the layer is shaped, for drawing:
 * - [H, W, C] with unit granularity → C maps of H×W (small multiples, one per channel), reading
 *   the flat vector in TensorFlow's row-major NHWC order: index = (h·W + w)·C + c;
 * - [H, W] → one H×W map;
 * - channel granularity, dense layers ([units]) and anything else 1-D → one near-square grid
 *   (a 1-row strip when there are at most 32 values), padded with NaN.
 * Pure: the LayerActivationMap component paints these maps on canvases.
 */
import { neuronName } from '../../src-main/shared/neuron-name.ts';
import { badInput } from '../../src-main/shared/errors.ts';

export interface ActivationMap {
  label: string;
  rows: number;
  cols: number;
  /** Row-major rows×cols values; NaN = padding (no neuron). */
  values: Float64Array;
  /** Flat neuron index of each cell (−1 for padding), for tooltips and drill-down. */
  neurons: Int32Array;
}

export interface ActivationLayout {
  maps: ActivationMap[];
  /** Finite range over all maps (shared colour scale); [0, 0] when there is none. */
  min: number;
  max: number;
}

const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

export function activationLayout(vector: ArrayLike<number>, shape: readonly number[], granularity: 'unit' | 'channel' = 'unit'): ActivationLayout {
  if (!shape.length || shape.some((d) => !Number.isInteger(d) || d < 1)) throw badInput(`activation layout: shape [${shape.join(', ')}] must be positive integers, e.g. [H, W, C] or [units]`);
  const n = vector.length;
  let maps: ActivationMap[];
  if (granularity === 'unit' && shape.length === 3 && n === product(shape)) {
    const [h, w, c] = shape;
    maps = Array.from({ length: c }, (_, ch) => {
      const values = new Float64Array(h * w);
      const neurons = new Int32Array(h * w);
      for (let p = 0; p < h * w; p++) {
        neurons[p] = p * c + ch;
        values[p] = vector[p * c + ch];
      }
      return { label: `ch ${ch}`, rows: h, cols: w, values, neurons };
    });
  } else if (granularity === 'unit' && shape.length === 2 && n === product(shape)) {
    const neurons = Int32Array.from({ length: n }, (_, i) => i);
    maps = [{ label: `${shape[0]}×${shape[1]}`, rows: shape[0], cols: shape[1], values: Float64Array.from(vector), neurons }];
  } else {
    const expected = granularity === 'channel' ? shape[shape.length - 1] : product(shape);
    if (n !== expected) {
      throw badInput(`activation layout: ${n} values for a layer of shape [${shape.join(', ')}] at ${granularity} granularity; expected ${expected}`);
    }
    maps = n ? [gridOf(vector, granularity === 'channel' ? 'channels' : 'units')] : [];
  }
  let min = Infinity;
  let max = -Infinity;
  for (const m of maps) for (const v of m.values) if (Number.isFinite(v)) { min = Math.min(min, v); max = Math.max(max, v); }
  return { maps, min: Number.isFinite(min) ? min : 0, max: Number.isFinite(max) ? max : 0 };
}

/** A near-square grid (or a strip for ≤ 32 values) holding the vector, NaN-padded. */
export function gridOf(vector: ArrayLike<number>, label: string): ActivationMap {
  const n = vector.length;
  const cols = n <= 32 ? Math.max(1, n) : Math.ceil(Math.sqrt(n));
  const rows = Math.max(1, Math.ceil(n / cols));
  const values = new Float64Array(rows * cols).fill(Number.NaN);
  const neurons = new Int32Array(rows * cols).fill(-1);
  for (let i = 0; i < n; i++) {
    values[i] = vector[i];
    neurons[i] = i;
  }
  return { label, rows, cols, values, neurons };
}

/**
 * A neuron's name without its layer (shared/neuron-name.ts, the one naming of UI, CLI and
 * report): `[c=6, y=0, x=7] #118` for a conv unit, `[c=6]` for a channel, `[u=12]` for a dense unit.
 */
export function neuronLabel(neuron: number, shape: readonly number[], granularity: 'unit' | 'channel'): string {
  return neuronName('', neuron, shape, granularity);
}
