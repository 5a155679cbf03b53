/**
 * The one interface every sampler implements (SPEC §5). Samplers are pure: typed arrays in,
 * row indices (and optional weights) out; randomness and the clock are injected.
 */
import type { Matrix } from '../core/matrix.ts';
import type { Rng } from '../core/rng.ts';
import type { FitCache } from './fit-cache.ts';

export type SamplerMethod =
  | 'uniform'
  | 'stratified'
  | 'latent-grid'
  | 'vas'
  | 'boundary-tree'
  | 'gmm-full'
  | 'gmm-spherical'
  | 'maxmargin'
  | 'weighted'
  | 'query-strata';

export interface SamplerInput {
  /** N × d latent vectors (the model's last hidden layer), row-major. */
  latent: Matrix<Float32Array>;
  /** True class of each row, in [0, numClasses). */
  trueLabels: Int32Array;
  /** The model's predicted class of each row, in [0, numClasses). */
  predLabels: Int32Array;
  numClasses: number;
  /** Optional n × numClasses softmax probabilities of the model (query-strata's confidence). */
  probabilities?: Matrix<Float32Array>;
}

export interface SamplerParams {
  /** Fraction f of the N items to sample, in (0, 1]. */
  fraction: number;
  /** Share of each group taken from the outlier end (Algorithm 1); default 0.7. */
  j?: number;
  seed: number;
  /** boundary-tree: maximum children per node (Mathy et al.'s k); default unlimited. */
  maxChildren?: number;
  /** vas: Gaussian kernel bandwidth in latent units; default estimated from the data (see vas.ts). */
  bandwidth?: number;
  /**
   * vas: how σ is estimated when no bandwidth is given — 'median-nn' (default: the median
   * nearest-neighbour distance within the initial reservoir) or 'median-pairwise' (the median
   * distance between two reservoir members, the usual "median heuristic").
   */
  bandwidthRule?: 'median-nn' | 'median-pairwise';
  /** latent-grid: where each PCA axis is split, 'median' (default) or 'mean'. */
  gridSplit?: 'median' | 'mean';
  /** latent-grid: top up (default true) — the quota of cells smaller than their share goes to the other cells so the sample has round(f·N) items. */
  gridTopUp?: boolean;
  /** gmm-full: 'em-from-labels' (default: maximum-likelihood EM started from the predicted labels) or 'variational' (the paper's variational Bayes). */
  gmmEstimator?: 'em-from-labels' | 'variational';
  /** weighted: cap on the likelihood ratio before inverting it; default 100. */
  ratioCap?: number;
  /** weighted: 'global' (one πps draw over all items, default) or 'per-group' (f·|group| per SVM-predicted group). */
  weightedAllocation?: 'global' | 'per-group';
  /** maxmargin / weighted: SVM regularisation C (default 1). */
  svmC?: number;
  /** maxmargin / weighted: 'squared-hinge' (default, LIBLINEAR -s 1) or 'hinge' (LIBSVM's). */
  svmLoss?: 'squared-hinge' | 'hinge';
  /** maxmargin / weighted: feature scaling before the SVM, 'zscore' (default) or 'none'. */
  svmScaling?: 'zscore' | 'none';
  /** query-strata: exponent p of the allocation weights N_g^p over (true class × correct) strata; default −0.25. */
  allocationPower?: number;
  /** query-strata: 'confidence' (one item per stratum of the model's true-class probability, default) or 'random'. */
  stratifyBy?: 'confidence' | 'random';
  /** query-strata: stratified draws per stratum, the one whose latent mean is closest to the stratum's kept; default 300 (1 = none). */
  balanceDraws?: number;
}

export interface SamplerContext {
  rng: Rng;
  now?: () => number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Where a model-based sampler may reuse a fit across samples (fit-cache.ts); none: always fit. */
  fitCache?: FitCache;
}

export interface SampleResult {
  method: SamplerMethod;
  /** Sorted ascending row indices. */
  members: Int32Array;
  /** Aligned with members, where the method has them (weighted: 1 / inclusion probability). */
  weights?: Float64Array;
  seconds: number;
  params: { fraction: number; j?: number; seed: number; [k: string]: unknown };
  diagnostics: Record<string, number | string | boolean>;
}

export interface Sampler {
  method: SamplerMethod;
  label: string;
  usesFraction: boolean;
  usesJ: boolean;
  run(input: SamplerInput, params: SamplerParams, ctx: SamplerContext): SampleResult;
}

/** What a sampler's core returns; the wrapper in sampler.ts adds method, timing and params. */
export interface CoreResult {
  members: Int32Array;
  weights?: Float64Array;
  params?: Record<string, unknown>;
  diagnostics: Record<string, number | string | boolean>;
}
