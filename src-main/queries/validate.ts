/**
 * Boundary checks shared by every query function: a well-formed matrix, a row selection
 * inside it, finite values. Each failure throws MarginError('BAD_INPUT') whose message names
 * the argument, the problem and what to do about it.
 */
import type { Matrix } from '../core/matrix.ts';
import { badInput } from '../shared/errors.ts';

/** A matrix whose shape agrees with its data. */
export function checkMatrix(m: Matrix, name: string): void {
  if (m === null || typeof m !== 'object' || !(m.data instanceof Float32Array || m.data instanceof Float64Array)) {
    throw badInput(`${name} must be a Matrix {rows, cols, data: Float32Array|Float64Array}`);
  }
  if (!Number.isInteger(m.rows) || m.rows < 0 || !Number.isInteger(m.cols) || m.cols < 0) {
    throw badInput(`${name} has an invalid shape ${m.rows}×${m.cols}: rows and cols must be non-negative integers`);
  }
  if (m.data.length !== m.rows * m.cols) {
    throw badInput(`${name} has ${m.data.length} values but its shape ${m.rows}×${m.cols} needs ${m.rows * m.cols}`);
  }
}

/**
 * Row indices into a matrix of `n` rows. Repeats are allowed (a bootstrap resample counts an
 * item once per draw). `undefined` means "all rows" and is left to the caller.
 */
export function checkRows(rows: Int32Array, n: number, name: string): void {
  if (!(rows instanceof Int32Array)) throw badInput(`${name} must be an Int32Array of row indices`);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (r < 0 || r >= n) {
      throw badInput(`${name}[${i}] = ${r} is outside the matrix's rows [0, ${n}): pass indices of existing items`);
    }
  }
}

/** A positive integer (k of top-K, number of resamples, …). */
export function checkPositiveInt(v: number, name: string): void {
  if (!Number.isInteger(v) || v < 1) throw badInput(`${name} must be a positive integer, got ${v}`);
}

/**
 * Throws for the first non-finite value of `m` among `rows` (all rows if undefined). Called
 * only after a cheap check (a NaN/∞ poisons a sum) has said there is one, so it may be slow.
 */
export function throwNonFinite(m: Matrix, rows: Int32Array | undefined, name: string): never {
  const count = rows ? rows.length : m.rows;
  for (let k = 0; k < count; k++) {
    const r = rows ? rows[k] : k;
    const o = r * m.cols;
    for (let j = 0; j < m.cols; j++) {
      const v = m.data[o + j];
      if (!Number.isFinite(v)) {
        throw badInput(`${name} has a non-finite value (${v}) at row ${r}, column ${j}: activations must be finite numbers`);
      }
    }
  }
  // Reaching here means the caller's cheap check misfired; say so rather than return quietly.
  throw badInput(`${name} produced a non-finite aggregate although every value is finite`);
}

/** Throws if a plain vector has a NaN or infinite entry. */
export function checkFiniteVector(v: ArrayLike<number>, name: string): void {
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) throw badInput(`${name}[${i}] is ${v[i]}: values must be finite numbers`);
  }
}

/** Copy of the selected rows as a new Float64 matrix (for CKA and other dense math). */
export function selectRows(m: Matrix, rows: Int32Array | undefined): Matrix<Float64Array> {
  const n = rows ? rows.length : m.rows;
  const out = new Float64Array(n * m.cols);
  for (let k = 0; k < n; k++) {
    const r = rows ? rows[k] : k;
    const src = r * m.cols;
    const dst = k * m.cols;
    for (let j = 0; j < m.cols; j++) out[dst + j] = m.data[src + j];
  }
  return { rows: n, cols: m.cols, data: out };
}
