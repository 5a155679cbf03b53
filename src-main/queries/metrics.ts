/**
 * The paper's accuracy metrics (§V-A), comparing a sample's answer with the exact answer:
 * precision@K for S1 (top-K neurons), cosine distance for S2 (mean activation vectors),
 * Jensen–Shannon distance for S3 (argmax distributions). All accumulate in Float64.
 */
import { badInput } from '../shared/errors.ts';
import { checkFiniteVector, checkPositiveInt } from './validate.ts';

function checkPair(a: ArrayLike<number>, b: ArrayLike<number>, names: [string, string]): void {
  if (a.length === 0 || b.length === 0) throw badInput(`${a.length === 0 ? names[0] : names[1]} is empty: compare vectors with at least one entry`);
  if (a.length !== b.length) {
    throw badInput(`${names[0]} has ${a.length} entries but ${names[1]} has ${b.length}: compare answers for the same layer`);
  }
  checkFiniteVector(a, names[0]);
  checkFiniteVector(b, names[1]);
}

/**
 * |topK(sample) ∩ topK(full)| / K over the first K entries of each list (neuron indices).
 * Both lists need at least K distinct entries.
 */
export function precisionAtK(sampleTop: ArrayLike<number>, fullTop: ArrayLike<number>, k: number): number {
  checkPositiveInt(k, 'K');
  if (sampleTop.length < k || fullTop.length < k) {
    throw badInput(`precision@${k} needs ${k} neurons in each list, got ${sampleTop.length} (sample) and ${fullTop.length} (full)`);
  }
  const full = new Set<number>();
  for (let i = 0; i < k; i++) full.add(fullTop[i]);
  if (full.size !== k) throw badInput('fullTop repeats a neuron index: a top-K list holds K distinct neurons');
  const seen = new Set<number>();
  let hits = 0;
  for (let i = 0; i < k; i++) {
    const x = sampleTop[i];
    if (seen.has(x)) throw badInput('sampleTop repeats a neuron index: a top-K list holds K distinct neurons');
    seen.add(x);
    if (full.has(x)) hits++;
  }
  return hits / k;
}

/**
 * 1 − a·b / (‖a‖‖b‖), clamped to [0, 2] against rounding. Both vectors zero → 0 (identical
 * answers); exactly one zero → 1 (the paper's "missing" value, no direction in common).
 */
export function cosineDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkPair(a, b, ['a', 'b']);
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 && nb === 0) return 0;
  if (na === 0 || nb === 0) return 1;
  // sqrt of each norm separately keeps na*nb from overflowing for very large vectors.
  const d = 1 - dot / (Math.sqrt(na) * Math.sqrt(nb));
  return Math.min(2, Math.max(0, d));
}

/**
 * Jensen–Shannon distance √JSD with base-2 logarithms, so it lies in [0, 1]. Inputs are
 * non-negative weights (counts or probabilities), each normalised to sum 1; 0·log 0 = 0.
 */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  checkPair(p, q, ['p', 'q']);
  let sp = 0, sq = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] < 0) throw badInput(`p[${i}] is ${p[i]}: a distribution has no negative entries`);
    if (q[i] < 0) throw badInput(`q[${i}] is ${q[i]}: a distribution has no negative entries`);
    sp += p[i];
    sq += q[i];
  }
  if (sp === 0) throw badInput('p sums to 0: a distribution needs some positive mass');
  if (sq === 0) throw badInput('q sums to 0: a distribution needs some positive mass');
  let js = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i] / sp, qi = q[i] / sq;
    const mi = 0.5 * (pi + qi);
    if (pi > 0) js += 0.5 * pi * Math.log2(pi / mi);
    if (qi > 0) js += 0.5 * qi * Math.log2(qi / mi);
  }
  return Math.sqrt(Math.min(1, Math.max(0, js)));
}
