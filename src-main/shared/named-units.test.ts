import { describe, expect, it } from 'vitest';
import { SHOWN_UNITS, namedUnitViews, topIndices } from './named-units.ts';

const layer = { name: 'relu2', shape: [2, 2, 3] }; // 12 units, NHWC
const classNames = ['cat', 'dog', 'eel'];

describe('topIndices', () => {
  it('gives the k largest finite scores, best first, ties by index', () => {
    expect(topIndices([1, 5, Number.NaN, 5, 2], 3)).toEqual([1, 3, 4]);
    expect(topIndices([1], 0)).toEqual([]);
  });
});

describe('Q1: rows are class names, columns the units whose class means differ most', () => {
  // unit u of class c: c·u for u = 7 (largest spread), else constant 1
  const matrix = [0, 1, 2].map((c) => Array.from({ length: 12 }, (_, u) => (u === 7 ? 10 * c : u === 2 ? c : 1)));
  const views = namedUnitViews('Q1', { classNames, matrix: [...matrix, null], counts: [5, 6, 7, 0] }, { classNames, layer, k: 2 })!;
  it('labels rows by class name with item counts, drops empty classes, names the units', () => {
    const m = views[0];
    expect(m.kind).toBe('classMatrix');
    if (m.kind !== 'classMatrix') return;
    expect(m.rowLabels).toEqual(['cat (5)', 'dog (6)', 'eel (7)']);
    // unit 7 = (y=1, x=0, c=1); unit 2 = (y=0, x=0, c=2)
    expect(m.colLabels).toEqual(['relu2[c=1, y=1, x=0] #7', 'relu2[c=2, y=0, x=0] #2']);
    expect(m.matrix).toEqual([[0, 0], [10, 1], [20, 2]]);
  });
  it('lists the most active units of each class in a table', () => {
    const g = views[1];
    expect(g.kind).toBe('grid');
    if (g.kind !== 'grid') return;
    expect(g.rows.map((r) => r[0])).toEqual(['cat', 'dog', 'eel', 'class 3']);
    expect(g.rows[2][2]).toBe('relu2[c=1, y=1, x=0] #7 (20)');
    expect(g.rows[3].slice(1)).toEqual([0, '–', '–', '–']);
  });
  it('never shows more than SHOWN_UNITS units by default', () => {
    const wide = [0, 1].map((c) => Array.from({ length: 1024 }, (_, u) => c * u));
    const v = namedUnitViews('Q1', { matrix: wide, counts: [3, 3] }, { classNames, layer: { name: 'dense', shape: [1024] } })!;
    expect(v[0].kind === 'classMatrix' && v[0].colLabels.length).toBe(SHOWN_UNITS);
    expect(v[0].kind === 'classMatrix' && v[0].colLabels[0]).toBe('dense[u=1023]');
  });
});

describe('Q3 and Q4 are charts with tables beneath', () => {
  it('Q3: the units whose group means differ most, bars of both groups and a table', () => {
    const incorrect = [1, 5, 0, 2];
    const correct = [1, 1, 3, 2];
    const v = namedUnitViews('Q3', { incorrect, correct, cosineDistance: 0.25, counts: { incorrect: 4, correct: 40 } }, { classNames, layer: { name: 'd', shape: [4] }, k: 2 })!;
    expect(v.map((x) => x.kind)).toEqual(['bars', 'grid', 'grid']);
    const bars = v[0] as Extract<(typeof v)[0], { kind: 'bars' }>;
    expect(bars.categories).toEqual(['d[u=1]', 'd[u=2]']);
    expect(bars.series.map((s) => s.values)).toEqual([[5, 0], [1, 3]]);
    expect((v[1] as { rows: unknown[][] }).rows).toEqual([['d[u=1]', 1, 5, 1, 4], ['d[u=2]', 2, 0, 3, -3]]);
    expect((v[2] as { rows: unknown[][] }).rows[2]).toEqual(['Cosine distance between the two mean vectors', 0.25]);
  });
  it('Q3 with a group empty: only the summary, saying why there is no distance', () => {
    const v = namedUnitViews('Q3', { incorrect: null, correct: [1, 2], cosineDistance: null, counts: { incorrect: 0, correct: 9 } }, { classNames, layer: null })!;
    expect(v.map((x) => x.kind)).toEqual(['grid']);
    expect(JSON.stringify(v[0])).toMatch(/undefined \(a group has no items\)/);
  });
  it('Q4: units ranked by |r|, either sign', () => {
    const v = namedUnitViews('Q4', { correlation: [0.1, -0.9, null, 0.5], cka: 0.3, items: 100 }, { classNames, layer: { name: 'd', shape: [4] }, k: 2 })!;
    expect((v[1] as { rows: unknown[][] }).rows).toEqual([['d[u=1]', 1, -0.9], ['d[u=3]', 3, 0.5]]);
    expect((v[2] as { rows: unknown[][] }).rows[0][1]).toBe(0.3);
  });
  it('gives null for other queries or shapes (the generic rendering applies)', () => {
    expect(namedUnitViews('Q7', { cka: [[1]] }, { classNames, layer: null })).toBeNull();
    expect(namedUnitViews('Q4', { correlation: 'x' }, { classNames, layer: null })).toBeNull();
  });
});
