/** Small shared fixtures for the sampler tests. */
import type { FitCache } from './fit-cache.ts';
import type { SamplerInput } from './types.ts';
import { makeBlobs } from './synthetic.ts';

export const small = (seed = 1, n = 600): SamplerInput => makeBlobs({ n, d: 8, k: 3, seed, separation: 4 });

/** An in-memory FitCache that counts hits, misses and writes (the fit-cache tests). */
export function memoryFitCache(): { cache: FitCache; map: Map<string, Uint8Array>; stats: { hits: number; misses: number; sets: number } } {
  const map = new Map<string, Uint8Array>();
  const stats = { hits: 0, misses: 0, sets: 0 };
  const cache: FitCache = {
    get(key) { const v = map.get(key); if (v) stats.hits++; else stats.misses++; return v ?? null; },
    set(key, bytes) { stats.sets++; map.set(key, bytes); },
  };
  return { cache, map, stats };
}
