/**
 * Boundary checks shared by the chart builders, the HTML and the CSV writers. Every failure is a
 * MarginError('BAD_INPUT') naming the argument path (e.g. `fig4: rows[3].s1`) and what is wrong.
 */
import { badInput } from '../shared/errors.ts';

/** Runtime check only (no type narrowing, so typed callers keep their element type). */
export function checkArray(where: string, value: unknown, { nonEmpty = true } = {}): void {
  if (!Array.isArray(value)) throw badInput(`${where} must be an array, got ${describe(value)}`);
  if (nonEmpty && value.length === 0) throw badInput(`${where} is empty: there is nothing to draw; leave the section out instead`);
}

export function checkFinite(where: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw badInput(`${where} must be a finite number, got ${describe(value)}`);
  }
}

/** A finite number or NaN (NaN marks a missing value, e.g. an empty class in a learning curve). */
export function checkNumberOrNaN(where: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || value === Infinity || value === -Infinity) {
    throw badInput(`${where} must be a number (NaN for missing), got ${describe(value)}`);
  }
}

export function checkNonNegInt(where: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw badInput(`${where} must be a non-negative integer, got ${describe(value)}`);
  }
}

export function checkString(where: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.trim() === '') throw badInput(`${where} must be a non-empty string, got ${describe(value)}`);
}

/** A rows × cols matrix of numbers given as nested arrays; NaN allowed when `allowNaN`. */
export function checkGrid(where: string, grid: unknown, rows: number, cols: number, allowNaN: boolean): asserts grid is number[][] {
  checkArray(where, grid);
  if (!Array.isArray(grid)) return; // unreachable: checkArray threw
  if (grid.length !== rows) throw badInput(`${where} has ${grid.length} rows, expected ${rows}`);
  grid.forEach((r, i) => {
    checkArray(`${where}[${i}]`, r);
    if (!Array.isArray(r)) return;
    if (r.length !== cols) throw badInput(`${where}[${i}] has ${r.length} values, expected ${cols}`);
    r.forEach((v: unknown, j: number) => (allowNaN ? checkNumberOrNaN : checkFinite)(`${where}[${i}][${j}]`, v));
  });
}

export function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value;
}
