/**
 * E3 (paper §V-D, Figure 6): the tuning factor j of Algorithm 1 for GMM full, GMM spherical and
 * MaxMargin on a 5 % sample, plus the weighted variant of each (inclusion ∝ 1 / likelihood
 * ratio of THAT method's fit, with the weighted sampler's ratio cap (default 100) and allocation, averaged over seeds). The weighted sample
 * does not depend on j; its averaged scores are repeated at every j, so each chart draws it as
 * a flat reference line next to the method's j curve. Margin's own sampler, query-strata (issue 13),
 * takes no j either: its 5 % sample averaged over the same seeds is repeated at every j as a
 * reference row (`reference: true`), so Figure 6 shows where the j curves stand against it.
 */
import { scoreSample } from '../queries/index.ts';
import { targetSize } from '../samplers/index.ts';
import type { SamplerMethod } from '../samplers/index.ts';
import { EXPERIMENT_FRACTION } from './e2.ts';
import { Progress } from './progress.ts';
import { TWO_END_METHODS } from './sample-source.ts';
import { exactAnswers, sampleSource } from './scoring.ts';
import type { E3Row, ExperimentData, ExperimentOptions } from './types.ts';
import { resolveOptions, validateData } from './validate.ts';

export function runE3(data: ExperimentData, options?: ExperimentOptions): E3Row[] {
  validateData(data);
  const o = resolveOptions(options);
  const progress = new Progress('E3', TWO_END_METHODS.length * (o.js.length + o.seeds) + E3_REFERENCE_METHODS.length * o.seeds + 1, o);
  const exact = exactAnswers(data);
  progress.step('exact answers');
  const source = sampleSource(data, o.signal, o.samplerOptions, o.fitCache);
  const size = targetSize(data.latent.rows, EXPERIMENT_FRACTION);
  const rows: E3Row[] = [];
  for (const method of TWO_END_METHODS) {
    for (const j of o.js) {
      const s = scoreSample(exact, source.members(method, EXPERIMENT_FRACTION, 0, j), { k: o.k });
      rows.push({ method, j, s1: s.s1, s2: s.s2, s3: s.s3 });
      progress.step(`${method} j=${j}`);
    }
    let s1 = 0, s2 = 0, s3 = 0;
    for (let seed = 0; seed < o.seeds; seed++) {
      // πps ∝ 1/ratio of THIS method's fit, with the weighted sampler's cap and allocation.
      const s = scoreSample(exact, source.weightedMembers(method, size, seed), { k: o.k });
      s1 += s.s1; s2 += s.s2; s3 += s.s3;
      progress.step(`${method} weighted seed=${seed}`);
    }
    for (const j of o.js) rows.push({ method, j, s1: s1 / o.seeds, s2: s2 / o.seeds, s3: s3 / o.seeds, weighted: true });
  }
  for (const method of E3_REFERENCE_METHODS) {
    let s1 = 0, s2 = 0, s3 = 0;
    for (let seed = 0; seed < o.seeds; seed++) {
      const s = scoreSample(exact, source.members(method, EXPERIMENT_FRACTION, seed), { k: o.k });
      s1 += s.s1; s2 += s.s2; s3 += s.s3;
      progress.step(`${method} seed=${seed}`);
    }
    for (const j of o.js) rows.push({ method, j, s1: s1 / o.seeds, s2: s2 / o.seeds, s3: s3 / o.seeds, reference: true });
  }
  return rows;
}

/** Samplers without a j that E3 draws as flat references beside the j curves: Margin's own (issue 13). */
export const E3_REFERENCE_METHODS: readonly SamplerMethod[] = ['query-strata'];
