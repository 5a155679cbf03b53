/**
 * The exact query answers an experiment scores samples against, computed once per data set
 * (one scan of every full layer) and shared by every experiment run on the same data object.
 */
import { prepareExactAnswers } from '../queries/index.ts';
import type { ExactAnswers, SubsetAggregates } from '../queries/index.ts';
import type { FitCache, SamplerInput } from '../samplers/index.ts';
import { SampleSource } from './sample-source.ts';
import type { ExperimentData } from './types.ts';
import type { SamplerOptionsByMethod } from '../shared/sampler-variants.ts';

// Keyed by the layers array: runE1 … runTable4 on the same data reuse one scan. (The data are
// treated as immutable for the duration of a run, as everywhere in the experiments.)
const cache = new WeakMap<object, ExactAnswers>();

export function exactAnswers(data: ExperimentData): ExactAnswers {
  let exact = cache.get(data.layers);
  if (!exact) {
    exact = prepareExactAnswers({ layers: data.layers, trueLabels: data.trueLabels, correct: correctFlags(data), numClasses: data.numClasses });
    cache.set(data.layers, exact);
  }
  return exact;
}

/** 1 where the model classified the item correctly. */
export function correctFlags(data: Pick<ExperimentData, 'trueLabels' | 'predLabels'>): Uint8Array {
  const correct = new Uint8Array(data.trueLabels.length);
  for (let i = 0; i < correct.length; i++) correct[i] = data.trueLabels[i] === data.predLabels[i] ? 1 : 0;
  return correct;
}

/**
 * Uses exact answers whose aggregates were computed elsewhere (a Dask cluster: per layer, one
 * per group of combinationSubsets) for every experiment run on `data`.
 */
export function useExactAggregates(data: ExperimentData, aggregates: ReadonlyArray<ReadonlyArray<SubsetAggregates | null>>): ExactAnswers {
  const exact = prepareExactAnswers({ layers: data.layers, trueLabels: data.trueLabels, correct: correctFlags(data), numClasses: data.numClasses }, aggregates);
  cache.set(data.layers, exact);
  return exact;
}

export function samplerInput(data: ExperimentData): SamplerInput {
  return {
    latent: data.latent, trueLabels: data.trueLabels, predLabels: data.predLabels, numClasses: data.numClasses,
    ...(data.probabilities ? { probabilities: data.probabilities } : {}),
  };
}

// Keyed by the latent matrix and the sampler options: the experiments run on the same data with the
// same options share one SampleSource, so the model fits and VAS's distance table are computed once
// for E1 … Table IV together.
const sources = new WeakMap<object, Map<string, SampleSource>>();

export function sampleSource(data: ExperimentData, signal: AbortSignal | undefined, options: SamplerOptionsByMethod = {}, fitCache?: FitCache): SampleSource {
  let bySettings = sources.get(data.latent);
  if (!bySettings) sources.set(data.latent, (bySettings = new Map()));
  const key = JSON.stringify(options);
  let source = bySettings.get(key);
  if (!source) {
    source = new SampleSource(samplerInput(data), signal, options, fitCache);
    bySettings.set(key, source);
  }
  source.signal = signal;
  source.fitCache = fitCache;
  return source;
}

/** Fits reused from the fit cache and computed so far by the experiments run on `data` (all sampler options). */
export function fitStats(data: ExperimentData): { reused: number; computed: number } {
  const out = { reused: 0, computed: 0 };
  for (const s of sources.get(data.latent)?.values() ?? []) {
    out.reused += s.fitStats.reused;
    out.computed += s.fitStats.computed;
  }
  return out;
}
