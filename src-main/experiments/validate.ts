/**
 * Validation at the experiments' public boundary. Messages name the argument, the problem and
 * what to do.
 */
import { checkSamplerOptionsByMethod } from '../shared/sampler-variants.ts';
import { badInput } from '../shared/errors.ts';
import type { ExperimentData, ExperimentOptions, ResolvedOptions } from './types.ts';

export const DEFAULT_FRACTIONS = [0.05, 0.1, 0.2, 0.4, 0.8];
export const DEFAULT_JS = [0, 0.25, 0.5, 0.75, 1];
export const DEFAULT_KS = Array.from({ length: 100 }, (_, i) => i + 1);
export const DEFAULT_SEEDS = 10;
/** The paper reports "top-10 precision" for S1 (§V-D). */
export const DEFAULT_K = 10;

export function validateData(data: ExperimentData): void {
  if (!data || typeof data !== 'object') throw badInput('experiment data is missing: pass {latent, trueLabels, predLabels, numClasses, layers}');
  const { latent, trueLabels, predLabels, layers } = data;
  if (!latent || !(latent.data instanceof Float32Array)) throw badInput('latent must be a Matrix over a Float32Array (rows × cols)');
  const n = latent.rows;
  if (n === 0) throw badInput('latent is empty (0 rows): the experiments need items; extract the latent vectors first');
  if (!(trueLabels instanceof Int32Array) || trueLabels.length !== n) {
    throw badInput(`trueLabels must be an Int32Array with one label per latent row (${n}), got ${trueLabels?.length ?? 'none'}`);
  }
  if (!(predLabels instanceof Int32Array) || predLabels.length !== n) {
    throw badInput(`predLabels must be an Int32Array with one prediction per latent row (${n}), got ${predLabels?.length ?? 'none'}`);
  }
  if (!Array.isArray(layers) || layers.length === 0) {
    throw badInput('layers is empty: pass at least one {name, matrix} of full activations to query');
  }
  layers.forEach((l, i) => {
    if (!l?.matrix || !(l.matrix.data instanceof Float32Array)) throw badInput(`layers[${i}].matrix must be a Matrix over a Float32Array`);
    if (l.matrix.rows !== n) {
      throw badInput(`layer ${l.name} has ${l.matrix.rows} rows but latent has ${n}: pass every item's activations, rows aligned with latent`);
    }
  });
}

function positiveInt(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw badInput(`${name} must be a positive integer, got ${String(v)}`);
  return v;
}

function list(v: unknown, name: string, ok: (x: number) => boolean, domain: string): number[] {
  if (!Array.isArray(v) || v.length === 0) throw badInput(`${name} must be a non-empty list of numbers within ${domain}`);
  v.forEach((x, i) => {
    if (typeof x !== 'number' || !ok(x)) throw badInput(`${name}[${i}] = ${String(x)} is outside ${domain}`);
  });
  return [...v];
}

export function resolveOptions(o: ExperimentOptions | undefined): ResolvedOptions {
  const opts = o ?? {};
  return {
    seeds: positiveInt(opts.seeds ?? DEFAULT_SEEDS, 'seeds'),
    fractions: list(opts.fractions ?? DEFAULT_FRACTIONS, 'fractions', (x) => x > 0 && x <= 1, '(0, 1]'),
    ks: list(opts.ks ?? DEFAULT_KS, 'ks', (x) => Number.isInteger(x) && x >= 1, 'the positive integers'),
    js: list(opts.js ?? DEFAULT_JS, 'js', (x) => x >= 0 && x <= 1, '[0, 1]'),
    k: positiveInt(opts.k ?? DEFAULT_K, 'k'),
    samplerOptions: checkSamplerOptionsByMethod(opts.samplerOptions ?? {}),
    onProgress: opts.onProgress,
    signal: opts.signal,
    now: opts.now ?? (() => performance.now()),
    ...(opts.fitCache ? { fitCache: opts.fitCache } : {}),
  };
}
