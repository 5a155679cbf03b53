import { describe, expect, it } from 'vitest';
import { decodeIds, encodeIds, formatHash, parseHash } from './urlState.ts';

describe('ids in the URL', () => {
  it('round-trips as base-36 runs, sorted and distinct', () => {
    const ids = [5, 1, 2, 3, 40, 41, 1000, 3];
    const text = encodeIds(ids);
    expect(text).toBe('1-3.5.14-15.rs');
    expect(decodeIds(text)).toEqual([1, 2, 3, 5, 40, 41, 1000]);
  });
  it('is short for a brushed region (runs) and skips malformed runs', () => {
    const block = Array.from({ length: 5000 }, (_, i) => 2000 + i);
    expect(encodeIds(block)).toBe(`${(2000).toString(36)}-${(6999).toString(36)}`);
    expect(decodeIds('a.!!.z-b.c-e')).toEqual([10, 12, 13, 14]);
    expect(decodeIds('0-zzzzzz', 10)).toHaveLength(10);
  });
});

describe('the state in the hash', () => {
  it('round-trips view, model, checkpoint, query form, selection and answer', () => {
    const s = { view: 'queries', model: 'lenet5-bn', checkpoint: 'epoch-5', query: { set: 'Q1', layer: 'relu2', k: 10 }, selection: [3, 4, 9], selectionFrom: 'latent space (pca) of lenet5-bn/epoch-5', answer: 12 };
    const h = formatHash(s);
    expect(h.startsWith('#/queries?model=lenet5-bn&checkpoint=epoch-5&q=')).toBe(true);
    expect(parseHash(h)).toEqual(s);
  });
  it('reads a plain view hash, and drops malformed parts', () => {
    expect(parseHash('#/latent')).toEqual({ view: 'latent' });
    expect(parseHash('#/queries?q=%7Bnot-json&answer=-3&sel=')).toEqual({ view: 'queries' });
    expect(formatHash({ view: 'model' })).toBe('#/model');
  });
});
