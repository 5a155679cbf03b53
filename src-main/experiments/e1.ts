/**
 * E1 (paper §V-C, Figure 4): S1 precision@K, S2 cosine distance and S3 Jensen–Shannon distance
 * of every sampler at every fraction. Randomised samplers give one row per seed (the consumer
 * averages); deterministic ones one row (seed 0); the boundary tree one row at its own size,
 * whose fraction is size / N.
 */
import { scoreSample } from '../queries/index.ts';
import { SAMPLER_METHODS } from '../samplers/index.ts';
import { Progress } from './progress.ts';
import { RANDOMISED } from './sample-source.ts';
import { exactAnswers, sampleSource } from './scoring.ts';
import type { E1Row, ExperimentData, ExperimentOptions } from './types.ts';
import { resolveOptions, validateData } from './validate.ts';

export function runE1(data: ExperimentData, options?: ExperimentOptions): E1Row[] {
  validateData(data);
  const o = resolveOptions(options);
  const n = data.latent.rows;
  const plan: Array<{ method: (typeof SAMPLER_METHODS)[number]; fraction: number; seed: number }> = [];
  for (const method of SAMPLER_METHODS) {
    if (method === 'boundary-tree') { plan.push({ method, fraction: 1, seed: 0 }); continue; }
    for (const fraction of o.fractions) {
      const seeds = RANDOMISED.has(method) ? o.seeds : 1;
      for (let seed = 0; seed < seeds; seed++) plan.push({ method, fraction, seed });
    }
  }
  const progress = new Progress('E1', plan.length + 1, o);
  const exact = exactAnswers(data);
  progress.step('exact answers');
  const source = sampleSource(data, o.signal, o.samplerOptions, o.fitCache);
  const rows: E1Row[] = [];
  for (const p of plan) {
    const members = source.members(p.method, p.fraction, p.seed);
    const score = scoreSample(exact, members, { k: o.k });
    // The boundary tree's size is its own: report the fraction it actually has.
    const fraction = p.method === 'boundary-tree' ? members.length / n : p.fraction;
    rows.push({ method: p.method, fraction, seed: p.seed, size: members.length, s1: score.s1, s2: score.s2, s3: score.s3 });
    progress.step(`${p.method} f=${p.fraction} seed=${p.seed}`);
  }
  return rows;
}
