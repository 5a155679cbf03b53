/**
 * A dense row-major matrix over a typed array: the currency between the store, the samplers
 * and the queries. Row i occupies data[i*cols … (i+1)*cols).
 */
export interface Matrix<A extends Float32Array | Float64Array = Float32Array | Float64Array> {
  rows: number;
  cols: number;
  data: A;
}

export function matrix<A extends Float32Array | Float64Array>(rows: number, cols: number, data: A): Matrix<A> {
  if (!Number.isInteger(rows) || rows < 0) throw new RangeError(`rows must be a non-negative integer, got ${rows}`);
  if (!Number.isInteger(cols) || cols < 0) throw new RangeError(`cols must be a non-negative integer, got ${cols}`);
  if (data.length !== rows * cols) {
    throw new RangeError(`matrix data has ${data.length} values, expected rows*cols = ${rows}*${cols} = ${rows * cols}`);
  }
  return { rows, cols, data };
}

export function row<A extends Float32Array | Float64Array>(m: Matrix<A>, i: number): A {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols) as A;
}

/** Index of the first non-finite value, or -1. */
export function firstNonFinite(m: Matrix): number {
  const d = m.data;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return i;
  return -1;
}
