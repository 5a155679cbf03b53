import { describe, expect, it } from 'vitest';
import { bestMatchOf, bestMatches, matchedPairs } from './layer-match.ts';

const A = ['conv1', 'conv2', 'dense'];
const B = ['c1', 'c2', 'fc'];
// conv2 is most like c1 too, but one-to-one it must give c1 to conv1 (0.95 > 0.9).
const M = [
  [0.95, 0.4, 0.1],
  [0.9, 0.85, 0.3],
  [0.2, 0.5, NaN],
];

describe('layer matching by CKA', () => {
  it('best match per A layer is the row maximum; NaN never matches', () => {
    expect(bestMatches(A, B, M)).toEqual([
      { layerA: 'conv1', layerB: 'c1', cka: 0.95 },
      { layerA: 'conv2', layerB: 'c1', cka: 0.9 },
      { layerA: 'dense', layerB: 'c2', cka: 0.5 },
    ]);
    expect(bestMatchOf('dense', A, B, M)?.layerB).toBe('c2');
    expect(bestMatchOf('nope', A, B, M)).toBeNull();
    expect(bestMatches(['x'], ['y'], [[NaN]])).toEqual([null]);
  });
  it('one-to-one pairs take the strongest first, each layer once, listed in A order', () => {
    expect(matchedPairs(A, B, M)).toEqual([
      { layerA: 'conv1', layerB: 'c1', cka: 0.95 },
      { layerA: 'conv2', layerB: 'c2', cka: 0.85 },
      { layerA: 'dense', layerB: 'fc', cka: NaN },
    ].filter((m) => Number.isFinite(m.cka)));
  });
  it('the identity matrix pairs each layer with its namesake', () => {
    const I = [[1, 0.2, 0.1], [0.2, 1, 0.3], [0.1, 0.3, 1]];
    expect(matchedPairs(A, A, I).map((m) => m.layerB)).toEqual(A);
  });
  it('refuses a matrix of the wrong shape', () => {
    expect(() => bestMatches(A, B, [[1, 2, 3]])).toThrow(/1 rows for 3 layers of A/);
    expect(() => matchedPairs(A, B, [[1], [2], [3]])).toThrow(/CKA row 0 \(conv1\) has 1 entries for 3 layers of B/);
  });
});
