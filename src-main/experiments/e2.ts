/**
 * E2 (paper §V-D, Figure 5): S1 precision of a 5 % sample as K varies, per sampler — one
 * precisionCurve per sample (a single scan serves every K), averaged over seeds for randomised
 * samplers. The boundary tree is taken at its own size.
 */
import { precisionCurve } from '../queries/index.ts';
import { SAMPLER_METHODS } from '../samplers/index.ts';
import { Progress } from './progress.ts';
import { RANDOMISED } from './sample-source.ts';
import { exactAnswers, sampleSource } from './scoring.ts';
import type { E2Row, ExperimentData, ExperimentOptions } from './types.ts';
import { resolveOptions, validateData } from './validate.ts';

export const EXPERIMENT_FRACTION = 0.05;

export function runE2(data: ExperimentData, options?: ExperimentOptions): E2Row[] {
  validateData(data);
  const o = resolveOptions(options);
  const seedsOf = (m: string) => (RANDOMISED.has(m as never) ? o.seeds : 1);
  const total = SAMPLER_METHODS.reduce((s, m) => s + seedsOf(m), 0) + 1;
  const progress = new Progress('E2', total, o);
  const exact = exactAnswers(data);
  progress.step('exact answers');
  const source = sampleSource(data, o.signal, o.samplerOptions, o.fitCache);
  const rows: E2Row[] = [];
  for (const method of SAMPLER_METHODS) {
    const seeds = seedsOf(method);
    const sum = new Float64Array(o.ks.length);
    for (let seed = 0; seed < seeds; seed++) {
      const curve = precisionCurve(exact, source.members(method, EXPERIMENT_FRACTION, seed), o.ks);
      for (let i = 0; i < sum.length; i++) sum[i] += curve[i];
      progress.step(`${method} seed=${seed}`);
    }
    o.ks.forEach((k, i) => rows.push({ method, k, precision: sum[i] / seeds }));
  }
  return rows;
}
