import { describe, it, expect } from 'vitest';
import { cellText, curvesOption, interpretNamed, isQueryResultLike, namedMatrixOption, namedQuality } from './named.ts';

describe('interpretNamed', () => {
  it('recognises the Q7 CKA matrix on a 0–1 scale', () => {
    const [v] = interpretNamed({ layersA: ['c1', 'c2'], layersB: ['d1'], cka: [[0.9], [0.4]] });
    expect(v).toMatchObject({ kind: 'matrix', rowLabels: ['c1', 'c2'], colLabels: ['d1'], range: [0, 1] });
    const o = namedMatrixOption(v as Extract<typeof v, { kind: 'matrix' }>);
    expect((o.series as Array<{ data: unknown[] }>)[0].data).toEqual([[0, 0, 0.9], [0, 1, 0.4]]);
  });
  it('recognises Q6 learning curves as one curve per class over checkpoints', () => {
    const views = interpretNamed({ checkpoints: ['e1', 'e2', 'e3'], classNames: ['a', 'b'], accuracy: [[0.5, 0.2], [0.7, 0.4], [0.9, null]], threshold: 0.8 });
    const curves = views[0] as Extract<(typeof views)[0], { kind: 'curves' }>;
    expect(curves.curves.map((c) => c.name)).toEqual(['a', 'b']);
    expect(curves.curves[1].y.slice(0, 2)).toEqual([0.2, 0.4]);
    expect(Number.isNaN(curves.curves[1].y[2])).toBe(true);
    expect(views[1]).toEqual({ kind: 'table', title: 'Values', rows: [['threshold', '0.8']] });
    const o = curvesOption(curves);
    expect((o.series as Array<{ data: Array<number | null> }>)[1].data).toEqual([0.2, 0.4, null]);
    // every class name stays in view: a plain (not paged) legend
    expect((o.legend as { type: string }).type).toBe('plain');
  });
  it('recognises generic vector, topK and matrix fields together', () => {
    const kinds = interpretNamed({ vector: [1, 2], topK: [{ neuron: 1, score: 2 }], shape: [2], matrix: [[1, 2]], similarity: 0.3 }).map((v) => v.kind);
    expect(kinds).toEqual(['matrix', 'topK', 'vector', 'table']);
  });
  it('falls back to a table for unknown data, and for non-objects', () => {
    expect(interpretNamed({ a: { b: 1 }, c: 'x' })).toEqual([{ kind: 'table', title: 'Result', rows: [['a', '{"b":1}'], ['c', 'x']] }]);
    expect(interpretNamed(42)).toEqual([{ kind: 'table', title: 'Result', rows: [['value', '42']] }]);
    expect(interpretNamed({})).toEqual([]);
  });
  it('ignores a CKA matrix whose size disagrees with its labels', () => {
    expect(interpretNamed({ layersA: ['a'], layersB: ['b'], cka: [[1, 2]] })[0].kind).toBe('table');
  });
});

describe('cellText', () => {
  it('shortens long values', () => {
    expect(cellText('x'.repeat(10), 5)).toBe('xxxx…');
    expect(cellText(1 / 3)).toBe('0.333333');
    expect(cellText(null)).toBe('null');
    expect(cellText(10000)).toBe('10,000');
    expect(cellText(-3)).toBe('-3');
  });
});

describe('isQueryResultLike', () => {
  it('recognises a QueryResult nested as named-query data', () => {
    const r = { answer: { set: 'S1', layer: 'conv2', granularity: 'unit', subset: { outcome: 'incorrect' }, items: 3, shape: [4], topK: [] }, computed: { items: 3, bytes: 48, seconds: 0 }, seconds: 0 };
    expect(isQueryResultLike(r)).toBe(true);
    expect(isQueryResultLike({ answer: { set: 'S1' } })).toBe(false);
    expect(isQueryResultLike(null)).toBe(false);
  });
});

describe('namedQuality', () => {
  it('finds an error at the top level or under sample', () => {
    expect(namedQuality({ error: { metric: 'precision@K', value: 0.9 } })).toBe('precision@K = 0.9000');
    expect(namedQuality({ sample: { confidenceInterval: { level: 0.95, lower: [], upper: [] } } })).toBe('95 % bootstrap interval (see values)');
    expect(namedQuality({ error: 'x' })).toBeNull();
    expect(namedQuality(3)).toBeNull();
  });
});

describe('namedItemCount', () => {
  it('reads items, per-class counts and group counts; null without item information', async () => {
    const { namedItemCount } = await import('./named.ts');
    expect(namedItemCount({ items: 868 })).toMatchObject({ total: 868, smallest: null });
    expect(namedItemCount({ counts: [10, 0, 4] })).toMatchObject({ total: 14, smallest: 4, label: '14 items (2 classes, the smallest with 4)' });
    expect(namedItemCount({ counts: { incorrect: 2, correct: 900 } })).toMatchObject({ total: 902, smallest: 2, label: '2 incorrect, 900 correct' });
    expect(namedItemCount({ checkpoints: [] })).toBeNull();
  });
});
