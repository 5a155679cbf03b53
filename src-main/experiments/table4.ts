/**
 * Table IV (paper §V-C): correctly / incorrectly classified items in each sampler's 5 % sample
 * (one sample per method, seed 0, as the paper's table; the boundary tree at its own size),
 * after a row 'all' for the whole data set.
 */
import { SAMPLER_METHODS } from '../samplers/index.ts';
import { EXPERIMENT_FRACTION } from './e2.ts';
import { Progress } from './progress.ts';
import { sampleSource } from './scoring.ts';
import type { ExperimentData, ExperimentOptions, Table4Row } from './types.ts';
import { resolveOptions, validateData } from './validate.ts';

function count(data: ExperimentData, members: ArrayLike<number>, method: string): Table4Row {
  let correct = 0;
  for (let t = 0; t < members.length; t++) if (data.trueLabels[members[t]] === data.predLabels[members[t]]) correct++;
  return { method, correct, incorrect: members.length - correct, size: members.length };
}

export function runTable4(data: ExperimentData, options?: ExperimentOptions): Table4Row[] {
  validateData(data);
  const o = resolveOptions(options);
  const progress = new Progress('Table IV', SAMPLER_METHODS.length, o);
  const source = sampleSource(data, o.signal, o.samplerOptions, o.fitCache);
  const all = Int32Array.from({ length: data.latent.rows }, (_, i) => i);
  const rows: Table4Row[] = [count(data, all, 'all')];
  for (const method of SAMPLER_METHODS) {
    rows.push(count(data, source.members(method, EXPERIMENT_FRACTION, 0), method));
    progress.step(method);
  }
  return rows;
}
