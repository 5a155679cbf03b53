/**
 * E4 (paper §V-D, Figure 7): seconds to create a 5 % sample, per sampler, fit included — the
 * median of 3 runs of runSampler (seed 0) on the injected clock. The boundary tree's size is
 * its own.
 * E4 measures the real cost of every fit: it must NOT read cached fits, so it never passes
 * options.fitCache (the project's cache/fits, which E1–E3 and Table IV use) nor a shared
 * SampleSource to runSampler. Each of its runs fits from scratch.
 */
import { runSampler, SAMPLER_METHODS } from '../samplers/index.ts';
import { EXPERIMENT_FRACTION } from './e2.ts';
import { Progress } from './progress.ts';
import { samplerInput } from './scoring.ts';
import type { E4Row, ExperimentData, ExperimentOptions } from './types.ts';
import { resolveOptions, validateData } from './validate.ts';

export const E4_RUNS = 3;

export function runE4(data: ExperimentData, options?: ExperimentOptions): E4Row[] {
  validateData(data);
  const o = resolveOptions(options);
  const input = samplerInput(data);
  const progress = new Progress('E4', SAMPLER_METHODS.length * E4_RUNS, o);
  const rows: E4Row[] = [];
  for (const method of SAMPLER_METHODS) {
    const seconds: number[] = [];
    let size = 0;
    for (let r = 0; r < E4_RUNS; r++) {
      // No fitCache here, on purpose (see above): the timing includes the fit.
      const res = runSampler(method, input, { ...(o.samplerOptions[method] ?? {}), fraction: EXPERIMENT_FRACTION, seed: 0 }, { now: o.now, signal: o.signal });
      seconds.push(res.seconds);
      size = res.members.length;
      progress.step(`${method} run ${r + 1}`);
    }
    seconds.sort((a, b) => a - b);
    rows.push({ method, seconds: seconds[E4_RUNS >> 1], size });
  }
  return rows;
}
