/**
 * Glue shared by every sampler: validation, timing, cancellation and the result envelope.
 * Each sampler file supplies only its core algorithm.
 */
import { MarginError } from '../shared/errors.ts';
import type { CoreResult, SampleResult, Sampler, SamplerContext, SamplerInput, SamplerMethod, SamplerParams } from './types.ts';
import { validateInput, validateParams } from './validate.ts';

export type SamplerCore = (input: SamplerInput, params: SamplerParams, ctx: SamplerContext) => CoreResult;

export function makeSampler(
  method: SamplerMethod,
  label: string,
  usesFraction: boolean,
  usesJ: boolean,
  core: SamplerCore,
): Sampler {
  return {
    method,
    label,
    usesFraction,
    usesJ,
    run(input, params, ctx) {
      validateParams(params);
      validateInput(input);
      const now = ctx.now ?? (() => performance.now());
      throwIfAborted(ctx.signal);
      const t0 = now();
      const out = core(input, params, ctx);
      const seconds = (now() - t0) / 1000;
      const recorded: SampleResult['params'] = { fraction: params.fraction, seed: params.seed, ...out.params };
      if (usesJ) recorded.j = params.j ?? 0.7;
      const result: SampleResult = { method, members: out.members, seconds, params: recorded, diagnostics: out.diagnostics };
      if (out.weights) result.weights = out.weights;
      return result;
    },
  };
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new MarginError('CANCELLED', 'sampling was cancelled');
}

/** round(f·N), at least 1 so that a tiny fraction still yields a sample. */
export function targetSize(n: number, fraction: number): number {
  return Math.max(1, Math.min(n, Math.round(fraction * n)));
}

/** Sorted copy as Int32Array. */
export function sortedMembers(idx: ArrayLike<number>): Int32Array {
  const out = Int32Array.from(idx);
  out.sort();
  return out;
}
