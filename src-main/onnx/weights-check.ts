/**
 * Non-finite weights of an ONNX model: the float initializers (raw little-endian bytes or the
 * float_data list) that hold NaN or ±Infinity, with how many such values each has. An import
 * warns about them: such a model outputs NaN and predicts at chance.
 */
import { FLOAT, toNum, type ModelProto } from './proto.ts';

export function nonFiniteInitializers(model: ModelProto): Array<{ name: string; count: number; total: number }> {
  const out: Array<{ name: string; count: number; total: number }> = [];
  for (const t of model.graph?.initializer ?? []) {
    if (t.dataType !== FLOAT) continue;
    let values: ArrayLike<number>;
    if (t.rawData && t.rawData.length > 0) {
      const raw = t.rawData;
      const n = Math.floor(raw.length / 4);
      const copy = new Uint8Array(n * 4);
      copy.set(raw.subarray(0, n * 4));
      values = new Float32Array(copy.buffer); // little-endian hosts only, as ONNX Runtime itself
    } else {
      values = t.floatData ?? [];
    }
    let count = 0;
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) count++;
    if (count > 0) out.push({ name: t.name ?? '', count, total: values.length || (t.dims ?? []).reduce((a: number, d) => a * toNum(d), 1) });
  }
  return out;
}
