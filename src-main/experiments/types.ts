/**
 * Inputs and options of the paper's experiments (§V-C, D; SPEC §6). The row shapes they return
 * are the reports' contract (src-main/reports/experiment-rows.ts), re-exported here.
 */
import type { Matrix } from '../core/matrix.ts';
import type { FitCache } from '../samplers/index.ts';

import type { SamplerOptionsByMethod } from '../shared/sampler-variants.ts';
export type { E1Row, E2Row, E3Row, E4Row, Table4Row } from '../reports/experiment-rows.ts';

export interface ExperimentData {
  /** N × d latent vectors (the model's last hidden layer): what the samplers see. */
  latent: Matrix<Float32Array>;
  trueLabels: Int32Array;
  predLabels: Int32Array;
  numClasses: number;
  /** Optional N × numClasses softmax probabilities of the model, rows aligned with latent (query-strata uses them). */
  probabilities?: Matrix<Float32Array>;
  /** Full activations per layer, rows aligned with latent rows (ALL N items): what the queries read. */
  layers: Array<{ name: string; matrix: Matrix<Float32Array> }>;
}

export interface ExperimentOptions {
  /** Seeds per randomised sampler (default 10, as the paper). */
  seeds?: number;
  /** E1 fractions (default [0.05, 0.1, 0.2, 0.4, 0.8]). */
  fractions?: number[];
  /** E2 values of K (default 1…100). */
  ks?: number[];
  /** E3 tuning factors (default [0, 0.25, 0.5, 0.75, 1]). */
  js?: number[];
  /** S1's K for E1 and E3 (default 10: the paper's "top-10 precision"). */
  k?: number;
  /** Options per sampler (issue 13's open choices, e.g. the paper's reading); default {} = Margin's defaults. */
  samplerOptions?: SamplerOptionsByMethod;
  onProgress?(done: number, total: number, message?: string): void;
  signal?: AbortSignal;
  /** Clock in ms for E4 (default performance.now). */
  now?: () => number;
  /**
   * Where E1–E3 and Table IV keep and find the model-based fits (MaxMargin, GMM) beyond this run:
   * the project's cache/fits (store/fit-cache-files.ts). Without it fits live in memory for the
   * run only. E4 never reads it: it times the samplers, fits included.
   */
  fitCache?: FitCache;
}

/** Options with every default filled in. */
export interface ResolvedOptions {
  seeds: number;
  fractions: number[];
  ks: number[];
  js: number[];
  k: number;
  samplerOptions: SamplerOptionsByMethod;
  onProgress?(done: number, total: number, message?: string): void;
  signal?: AbortSignal;
  now: () => number;
  fitCache?: FitCache;
}
