import { describe, expect, it } from 'vitest';
import { ckaFromQ7, evaluationFromSaved, learningCurvesFromQ6, reportQueriesFromSaved, subsetInWords, type SavedRecord } from './saved-runs.ts';
import { renderReportHtml } from './html.ts';

const NAMES = ['T-shirt', 'Trouser', 'Shirt'];
let nextId = 1;
const rec = (kind: string, params: unknown, result: unknown): SavedRecord => ({ id: nextId++, kind, params, result, created: '2026-01-01T00:00:00.000Z' });
const answer = (over: object = {}) => ({ set: 'S2', layer: 'fc', granularity: 'unit', subset: { outcome: 'all' }, items: 5, vector: [1, 2], shape: [2], ...over });
const run = (params: object, result: object = {}) => rec('query.run', { model: 'm', ...params }, { answer: answer(), computed: {}, seconds: 0.5, ...result });

describe('subsetInWords', () => {
  it('names the classes and the outcome, and says "all items" for no filter', () => {
    expect(subsetInWords(undefined, NAMES)).toBe('all items');
    expect(subsetInWords({ outcome: 'all' }, NAMES)).toBe('all items');
    expect(subsetInWords({ trueClass: 2, outcome: 'incorrect', predClass: 0 }, NAMES)).toBe('class Shirt, incorrectly classified, predicted as T-shirt');
    expect(subsetInWords({ trueClass: 7, outcome: 'correct', confidence: [0.2, 0.5], items: [1, 2] }, NAMES)).toBe('class class 7, correctly classified, confidence 0.2–0.5, 2 chosen items');
  });
});

describe('reportQueriesFromSaved', () => {
  it('keeps the newest distinct answers of the model, oldest first, and counts the unreadable ones', () => {
    const records = [
      run({ set: 'S2', layer: 'fc' }, { answer: answer({ vector: [9, 9] }) }), // superseded by the identical question below
      run({ set: 'S1', layer: 'fc', k: 2 }, { answer: answer({ set: 'S1', topK: [{ neuron: 1, score: 3 }, { neuron: 0, score: null }], vector: undefined }) }),
      run({ set: 'S2', layer: 'fc' }),
      rec('query.run', { model: 'other', set: 'S2' }, { answer: answer(), seconds: 1 }),
      rec('query.run', { model: 'm' }, { answer: { set: 'S9' }, seconds: 1 }),
      rec('query.named', { query: 'Q6', model: 'm' }, { query: 'Q6', title: 't', data: {}, seconds: 1 }),
      rec('other.kind', { model: 'm' }, {}),
    ];
    const r = reportQueriesFromSaved(records, { model: 'm', classNames: NAMES });
    expect(r).toMatchObject({ skipped: 1, available: 2 });
    expect(r.queries.map((q) => q.title)).toEqual(['S1 — top-2 neurons of fc', 'S2 — average activation of the neurons of fc']);
    expect(r.queries[0].topK).toEqual([{ neuron: 1, score: 3 }]); // a null score cannot be drawn
    expect(r.queries[1].vector).toEqual([1, 2]);
    const limited = reportQueriesFromSaved(records, { model: 'm', classNames: NAMES, limit: 1 });
    expect(limited.queries.map((q) => q.set)).toEqual(['S2']);
    expect(limited.available).toBe(2);
  });

  it('carries the sample, its error or its interval (null bounds as NaN), and drops vectors with nulls', () => {
    const r = reportQueriesFromSaved([
      run({ set: 'S2', layer: 'fc', checkpoint: 'e1' }, { sample: { name: 's', confidenceInterval: { level: 0.95, lower: [0, null], upper: [1, 2] } } }),
      run({ set: 'S3', layer: 'fc', granularity: 'channel' }, { answer: answer({ set: 'S3', granularity: 'channel', vector: [0.5, null] }), sample: { name: 's', error: { metric: 'Jensen-Shannon distance', value: 0.25 } } }),
    ], { model: 'm', classNames: NAMES, checkpoint: 'e2' });
    const [a, b] = r.queries;
    expect(a.title).toBe('S2 — average activation of the neurons of fc (checkpoint e1)');
    expect(a.sample).toBe('s');
    expect(a.confidenceInterval!.lower[1]).toBeNaN();
    expect(b).toMatchObject({ title: 'S3 — distribution of the maximally activated channel of fc', error: { metric: 'Jensen-Shannon distance', value: 0.25 } });
    expect(b.vector).toBeUndefined();
  });

  it('turns Q1–Q5 into entries with a note or a chart', () => {
    const named = (q: string, params: object, data: unknown) => rec('query.named', { query: q, model: 'm', layer: 'fc', ...params }, { query: q, title: `title ${q}`, data, seconds: 0.1 });
    const r = reportQueriesFromSaved([
      named('Q1', {}, { classNames: NAMES, matrix: [[1, 2], null, [3, 4]], counts: [2, 0, 3] }),
      named('Q2', { classA: 1 }, { topK: [{ neuron: 0, score: 1 }], histogram: [1, 0], items: 4 }),
      named('Q3', { classA: 2 }, { incorrect: null, correct: [1], cosineDistance: null, counts: { incorrect: 0, correct: 3 } }),
      named('Q4', { classA: 0 }, { correlation: [0.5, -0.5], cka: 0.25, items: 9 }),
      named('Q5', { classA: 2, classB: 0 }, { topK: [], histogram: null, items: 0 }),
      named('Q4', { classA: 1 }, { nonsense: true }),
    ], { model: 'm', classNames: NAMES, layerShapes: { fc: [2] } });
    expect(r.skipped).toBe(1);
    const [q1, q2, q3, q4, q5] = r.queries;
    expect(q1).toMatchObject({ title: 'Q1 — title Q1 (fc)', items: 5, note: expect.stringMatching(/^Mean activation of 2 units for each of 2 classes with items; the tables show/) });
    // Rows are class names (with their items); units are named.
    expect(q1.tables![0].rows.map((row) => row[0])).toEqual([`${NAMES[0]} (2)`, `${NAMES[2]} (3)`]);
    expect(q1.tables![0].headers.slice(1).sort()).toEqual(['fc[u=0]', 'fc[u=1]']);
    expect(q4.tables![0].rows).toEqual([['fc[u=0]', 0, 0.5], ['fc[u=1]', 1, -0.5]]);
    expect(q2.shape).toEqual([2]);
    expect(q2).toMatchObject({ set: 'S1', subset: 'class Trouser, incorrectly classified', items: 4, vector: [1, 0], vectorYName: 'share of items' });
    expect(q3.note).toBe('0 incorrectly and 3 correctly classified items; cosine distance between their mean activations: undefined (a side has no items).');
    expect(q4).toMatchObject({ vector: [0.5, -0.5], vectorYName: 'Pearson r', note: 'Linear CKA between the layer and the logit of class T-shirt: 0.2500.' });
    expect(q5).toMatchObject({ subset: 'class Shirt predicted as T-shirt', items: 0, topK: [] });
    // Every entry renders.
    const html = renderReportHtml({ header: { title: 't', project: 'p', model: 'm', date: 'd', backend: 'b' }, queries: r.queries });
    expect(html).toContain('Pearson r');
    expect(html).toContain('cosine distance between their mean activations');
    expect(html).toContain('<td>fc[u=1]</td>');
  });
});

describe('evaluationFromSaved', () => {
  it('takes the newest run of each experiment of the model and says where each came from', () => {
    const ev = evaluationFromSaved([
      rec('e1', { model: 'm', checkpoint: 'c1', seeds: 10 }, { experiment: 'e1', rows: [{ method: 'uniform', fraction: 0.05, s1: 1, s2: 0, s3: 0 }] }),
      rec('e4', { model: 'm' }, { experiment: 'e4', rows: [{ method: 'uniform', seconds: 0.1 }] }),
      rec('e4', { model: 'm' }, { experiment: 'e4', rows: [{ method: 'vas', seconds: 2, size: 5 }] }),
      rec('e2', { model: 'x' }, { experiment: 'e2', rows: [{ method: 'uniform', k: 1, precision: 1 }] }),
      rec('e3', { model: 'm' }, { experiment: 'e3', rows: [{ method: 'gmm-full', j: 'high' }] }),
      rec('all', {}, { experiment: 'table4', model: 'm', rows: [{ method: 'uniform', correct: 1, incorrect: 0, size: 1 }] }),
    ], 'm');
    expect(ev.skipped).toBe(1);
    expect(ev.evaluation!.e4).toEqual([{ method: 'vas', seconds: 2, size: 5 }]);
    expect(ev.evaluation!.e2).toBeUndefined();
    expect(ev.evaluation!.e3).toBeUndefined();
    expect(ev.evaluation!.table4).toHaveLength(1);
    expect(ev.evaluation!.note).toMatch(/^The latest evaluation run of each experiment: E1 \(Figure 4\) from run \d+ of 2026-01-01T00:00:00.000Z \(checkpoint c1, 10 seeds\); E4 \(Figure 7\) from run \d+ .*; Table IV from run \d+/);
    expect(evaluationFromSaved([], 'm')).toEqual({ skipped: 0 });
  });
});

describe('Q6 / Q7 data', () => {
  it('transposes Q6 to [class][checkpoint] with NaN for no items', () => {
    const lc = learningCurvesFromQ6({ checkpoints: ['a', 'b', 'c'], classNames: ['x', 'y'], accuracy: [[0.1, null], [0.2, 0.5], [0.3, 0.6]], firstReaching: [2, 1] });
    expect(lc.accuracy[0]).toEqual([0.1, 0.2, 0.3]);
    expect(lc.accuracy[1][0]).toBeNaN();
    expect(lc.accuracy[1].slice(1)).toEqual([0.5, 0.6]);
    expect(lc.firstReaching).toEqual([2, 1]);
    expect(() => learningCurvesFromQ6({ checkpoints: ['a'], classNames: ['x', 'y'], accuracy: [[0.1]] })).toThrow(/^Q6 data: accuracy must be 1 checkpoints × 2 classes$/);
    expect(() => learningCurvesFromQ6({ checkpoints: 'a' })).toThrow(/^Q6 data: checkpoints /);
  });

  it('reads Q7\'s grid with null as NaN and checks its shape', () => {
    const c = ckaFromQ7({ layersA: ['a1', 'a2'], layersB: ['b1'], cka: [[0.5], [null]], items: 500, subset: 'random' });
    expect(c.values[0]).toEqual([0.5]);
    expect(c.values[1][0]).toBeNaN();
    expect(c).toMatchObject({ items: 500, subset: 'random' });
    expect(() => ckaFromQ7({ layersA: ['a'], layersB: ['b'], cka: [[1, 2]], items: 2, subset: 'sample' })).toThrow(/^Q7 data: cka must be 1 × 1 \(layersA × layersB\)$/);
    expect(() => ckaFromQ7(null)).toThrow(/^Q7 data: /);
  });
});
