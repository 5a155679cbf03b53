/**
 * Validation at the samplers' public boundary. Every message names the argument, the problem
 * and what to do about it.
 */
import { badInput } from '../shared/errors.ts';
import type { SamplerInput, SamplerParams } from './types.ts';

export const DEFAULT_J = 0.7;

export function validateInput(input: SamplerInput): void {
  if (!input || typeof input !== 'object') throw badInput('sampler input is missing: pass {latent, trueLabels, predLabels, numClasses}');
  const { latent, trueLabels, predLabels, numClasses } = input;
  if (!latent || !(latent.data instanceof Float32Array)) {
    throw badInput('latent must be a Matrix over a Float32Array (rows × cols, row-major)');
  }
  if (!(trueLabels instanceof Int32Array)) throw badInput('trueLabels must be an Int32Array');
  if (!(predLabels instanceof Int32Array)) throw badInput('predLabels must be an Int32Array');
  const n = latent.rows;
  if (n === 0) throw badInput('latent is empty (0 rows): there is nothing to sample; extract the latent vectors first');
  if (!Number.isInteger(latent.cols) || latent.cols < 1) {
    throw badInput(`latent has ${latent.cols} columns: the latent vectors need at least one dimension`);
  }
  if (latent.data.length !== n * latent.cols) {
    throw badInput(`latent data has ${latent.data.length} values but rows × cols = ${n} × ${latent.cols} = ${n * latent.cols}; pass a consistent matrix`);
  }
  if (trueLabels.length !== n) {
    throw badInput(`latent has ${n} rows but trueLabels has ${trueLabels.length} entries; pass one label per latent row`);
  }
  if (predLabels.length !== n) {
    throw badInput(`latent has ${n} rows but predLabels has ${predLabels.length} entries; pass one prediction per latent row`);
  }
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw badInput(`numClasses must be an integer ≥ 2, got ${numClasses}`);
  }
  if (n < numClasses) {
    throw badInput(`only ${n} items for ${numClasses} classes: a sampler needs at least as many items as classes`);
  }
  checkLabels('trueLabels', trueLabels, numClasses);
  checkLabels('predLabels', predLabels, numClasses);
  const first = trueLabels[0];
  let oneClass = true;
  for (let i = 1; i < n; i++) if (trueLabels[i] !== first) { oneClass = false; break; }
  if (oneClass) {
    throw badInput(`trueLabels contain only one class (${first}): sampling across classes needs items of at least two classes`);
  }
  const d = latent.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      const r = Math.floor(i / latent.cols);
      throw badInput(`latent row ${r} column ${i - r * latent.cols} is ${d[i]}: latent vectors must be finite; drop or repair that item`);
    }
  }
}

function checkLabels(name: string, labels: Int32Array, k: number): void {
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (v < 0 || v >= k) throw badInput(`${name}[${i}] = ${v} is outside [0, numClasses) = [0, ${k}); fix the labels or numClasses`);
  }
}

export function validateParams(params: SamplerParams): void {
  if (!params || typeof params !== 'object') throw badInput('sampler params are missing: pass {fraction, seed}');
  const { fraction, j, seed } = params;
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction <= 1)) {
    throw badInput(`fraction must be in (0, 1], got ${fraction}`);
  }
  if (j !== undefined && (typeof j !== 'number' || !(j >= 0 && j <= 1))) {
    throw badInput(`j must be in [0, 1], got ${j}`);
  }
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw badInput(`seed must be a finite number, got ${seed}`);
  const { maxChildren, bandwidth, ratioCap } = params;
  if (maxChildren !== undefined && !(Number.isInteger(maxChildren) && maxChildren >= 1)) {
    throw badInput(`maxChildren must be an integer ≥ 1, got ${maxChildren}`);
  }
  if (bandwidth !== undefined && !(typeof bandwidth === 'number' && bandwidth > 0 && Number.isFinite(bandwidth))) {
    throw badInput(`bandwidth must be a positive finite number, got ${bandwidth}`);
  }
  if (ratioCap !== undefined && !(typeof ratioCap === 'number' && ratioCap > 1 && Number.isFinite(ratioCap))) {
    throw badInput(`ratioCap must be a finite number > 1, got ${ratioCap}`);
  }
  const { bandwidthRule, gridSplit, gridTopUp, gmmEstimator } = params;
  if (bandwidthRule !== undefined && bandwidthRule !== 'median-nn' && bandwidthRule !== 'median-pairwise') {
    throw badInput(`bandwidthRule must be 'median-nn' or 'median-pairwise', got ${String(bandwidthRule)}`);
  }
  if (bandwidthRule !== undefined && bandwidth !== undefined) {
    throw badInput('bandwidth and bandwidthRule were both given: an explicit bandwidth needs no rule; pass one of them');
  }
  if (gridSplit !== undefined && gridSplit !== 'median' && gridSplit !== 'mean') {
    throw badInput(`gridSplit must be 'median' or 'mean', got ${String(gridSplit)}`);
  }
  if (gridTopUp !== undefined && typeof gridTopUp !== 'boolean') {
    throw badInput(`gridTopUp must be true or false, got ${String(gridTopUp)}`);
  }
  if (gmmEstimator !== undefined && gmmEstimator !== 'em-from-labels' && gmmEstimator !== 'variational') {
    throw badInput(`gmmEstimator must be 'em-from-labels' or 'variational', got ${String(gmmEstimator)}`);
  }
  const { allocationPower, stratifyBy, balanceDraws, svmC, svmLoss, svmScaling, weightedAllocation } = params;
  if (weightedAllocation !== undefined && weightedAllocation !== 'global' && weightedAllocation !== 'per-group') {
    throw badInput(`weightedAllocation must be 'global' or 'per-group', got ${String(weightedAllocation)}`);
  }
  if (svmC !== undefined && !(typeof svmC === 'number' && Number.isFinite(svmC) && svmC > 0)) {
    throw badInput(`svmC must be a positive finite number (default 1), got ${svmC}`);
  }
  if (svmLoss !== undefined && svmLoss !== 'hinge' && svmLoss !== 'squared-hinge') {
    throw badInput(`svmLoss must be 'hinge' or 'squared-hinge', got ${String(svmLoss)}`);
  }
  if (svmScaling !== undefined && svmScaling !== 'zscore' && svmScaling !== 'none') {
    throw badInput(`svmScaling must be 'zscore' or 'none', got ${String(svmScaling)}`);
  }
  if (balanceDraws !== undefined && !(Number.isInteger(balanceDraws) && balanceDraws >= 1 && balanceDraws <= 10000)) {
    throw badInput(`balanceDraws must be an integer from 1 to 10000 (1 = no balancing), got ${balanceDraws}`);
  }
  if (allocationPower !== undefined && !(typeof allocationPower === 'number' && Number.isFinite(allocationPower) && allocationPower >= -2 && allocationPower <= 1)) {
    throw badInput(`allocationPower must be a number in [-2, 1] (1 = proportional, 0 = equal), got ${allocationPower}`);
  }
  if (stratifyBy !== undefined && stratifyBy !== 'confidence' && stratifyBy !== 'random') {
    throw badInput(`stratifyBy must be 'confidence' or 'random', got ${String(stratifyBy)}`);
  }
}
