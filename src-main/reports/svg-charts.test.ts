import { describe, expect, it } from 'vitest';
import {
  ckaHeatmap, confusionHeatmap, fig4, fig5, fig6, fig7, formatSeconds, histogram, learningCurves, table4Html, topKBars,
} from './svg-charts.ts';
import { e1Rows, e2Rows, e3Rows, e4Rows, table4Rows, CLASS_NAMES } from './test-fixture.ts';

function expectSvg(svg: string): void {
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
  expect(svg).toMatch(/viewBox="0 0 \d+ \d+"/);
}

describe('fig4', () => {
  it('draws S1, S2, S3 against the fraction with a line per method', () => {
    const f = fig4(e1Rows());
    for (const svg of [f.s1, f.s2, f.s3]) {
      expectSvg(svg);
      for (const name of ['Uniform', 'Stratified by CM', 'MaxMargin', 'EB tree', 'GMM (full)']) expect(svg).toContain(name);
      expect(svg).toContain('sample fraction f');
    }
    expect(f.s1).toContain('S1 precision@K');
    expect(f.s2).toContain('S2 cosine distance');
    expect(f.s3).toContain('S3 Jensen–Shannon distance');
  });

  it('is reproducible: the same rows give the same SVG (ids renamed from zrender\'s counter)', () => {
    const rows = e1Rows().slice(0, 6);
    expect(fig4(rows).s1).toBe(fig4(rows).s1);
    expect(fig4(rows).s1).not.toMatch(/zr\d+-/);
  });

  it('averages rows that differ only by seed', () => {
    // Two seeds 0.2 and 0.6 average to 0.4; one method alone gives exactly that point.
    const rows = [
      { method: 'uniform', fraction: 0.5, seed: 1, s1: 0.2, s2: 0, s3: 0 },
      { method: 'uniform', fraction: 0.5, seed: 2, s1: 0.6, s2: 0, s3: 0 },
    ];
    const single = [{ method: 'uniform', fraction: 0.5, s1: 0.4, s2: 0, s3: 0 }];
    expect(fig4(rows).s1).toBe(fig4(single).s1);
  });

  it('rejects empty rows, NaN metrics and fractions outside (0, 1]', () => {
    expect(() => fig4([])).toThrow(/^fig4: rows is empty/);
    expect(() => fig4([{ method: 'uniform', fraction: 0.1, s1: Number.NaN, s2: 0, s3: 0 }])).toThrow(/fig4: rows\[0\]\.s1 must be a finite number, got NaN/);
    expect(() => fig4([{ method: 'uniform', fraction: 0, s1: 1, s2: 0, s3: 0 }])).toThrow(/fig4: rows\[0\]\.fraction must be in \(0, 1\], got 0/);
    expect(() => fig4([{ method: '', fraction: 0.1, s1: 1, s2: 0, s3: 0 }])).toThrow(/fig4: rows\[0\]\.method must be a non-empty string/);
    expect(() => fig4(null as never)).toThrow(/fig4: rows must be an array, got null/);
  });
});

describe('fig5', () => {
  it('draws precision@K against K', () => {
    const svg = fig5(e2Rows());
    expectSvg(svg);
    expect(svg).toContain('K (top-K neurons)');
    expect(svg).toContain('precision@K');
    expect(svg).toContain('VAS');
  });
  it('rejects K below 1', () => {
    expect(() => fig5([{ method: 'vas', k: 0, precision: 1 }])).toThrow(/fig5: rows\[0\]\.k must be at least 1, got 0/);
  });
});

describe('fig6', () => {
  it('draws a line per method and variant, weighted ones dashed', () => {
    const f = fig6(e3Rows());
    for (const svg of [f.s1, f.s2, f.s3]) {
      expectSvg(svg);
      expect(svg).toContain('tuning factor j');
      expect(svg).toContain('MaxMargin (weighted)');
      expect(svg).toContain('GMM (spherical)');
      expect(svg).toContain('stroke-dasharray'); // dashed weighted lines
    }
  });
  it('draws a sampler without j (reference rows) as a labelled dashed line', () => {
    const plain = e3Rows().filter((r) => !r.weighted);
    const svg = fig6([...plain, { method: 'query-strata', j: 0, s1: 0.8, s2: 0.1, s3: 0.2, reference: true }, { method: 'query-strata', j: 1, s1: 0.8, s2: 0.1, s3: 0.2, reference: true }]).s1;
    expect(svg).toContain('Query strata (Margin) (no j)');
    expect(svg).toContain('stroke-dasharray');
    expect(() => fig6([{ method: 'query-strata', j: 0, s1: 1, s2: 0, s3: 0, reference: 'yes' as never }])).toThrow(/fig6: rows\[0\]\.reference must be a boolean/);
  });
  it('draws no dashes without weighted rows', () => {
    const plain = e3Rows().filter((r) => !r.weighted);
    expect(fig6(plain).s1).not.toContain('stroke-dasharray');
  });
  it('rejects j outside [0, 1]', () => {
    expect(() => fig6([{ method: 'maxmargin', j: 1.5, s1: 1, s2: 0, s3: 0 }])).toThrow(/fig6: rows\[0\]\.j must be in \[0, 1\], got 1.5/);
  });
});

describe('fig7', () => {
  it('draws seconds per method as bars on a log axis', () => {
    const svg = fig7(e4Rows());
    expectSvg(svg);
    expect(svg).toContain('seconds (log scale)');
    expect(svg).toContain('MaxMargin');
    // Decade ticks of a log axis: 100 µs, 1 ms, 10 ms, … 100 s.
    for (const tick of ['100 µs', '1 ms', '10 ms', '100 ms', '1 s', '10 s', '100 s']) expect(svg).toContain(`>${tick}<`);
  });
  it('accepts 0 s (drawn at the floor) and rejects negative or NaN seconds', () => {
    expectSvg(fig7([{ method: 'uniform', seconds: 0 }, { method: 'vas', seconds: 2 }]));
    expect(() => fig7([{ method: 'uniform', seconds: -1 }])).toThrow(/fig7: rows\[0\]\.seconds must not be negative, got -1/);
    expect(() => fig7([{ method: 'uniform', seconds: Number.NaN }])).toThrow(/fig7: rows\[0\]\.seconds must be a finite number, got NaN/);
  });
  it('formats seconds in readable units', () => {
    expect(formatSeconds(0.0004)).toBe('400 µs');
    expect(formatSeconds(0.0123)).toBe('12.3 ms');
    expect(formatSeconds(95)).toBe('95 s');
    expect(formatSeconds(0)).toBe('0 s');
  });
});

describe('table4Html', () => {
  it('writes correct (incorrect) per method, paper order', () => {
    const html = table4Html(table4Rows());
    expect(html).toContain('<table class="table4">');
    expect(html).toContain('415 (85)');
    expect(html.indexOf('Uniform')).toBeLessThan(html.indexOf('MaxMargin'));
    expect(html).toContain('17.0 %');
  });
  it('rejects counts that do not add up', () => {
    expect(() => table4Html([{ method: 'uniform', correct: 5, incorrect: 1, size: 5 }])).toThrow(/table4Html: rows\[0\] \(uniform\): correct \+ incorrect = 6 but size = 5/);
  });
});

describe('diagnosis charts', () => {
  it('confusionHeatmap labels classes and counts, escaping names', () => {
    const names = [...CLASS_NAMES.slice(0, 2), '<script>x</script>'];
    const svg = confusionHeatmap(names, [[5, 1, 0], [2, 7, 0], [0, 0, 3]]);
    expectSvg(svg);
    expect(svg).toContain('T-shirt/top');
    expect(svg).toContain('predicted class');
    expect(svg).toContain('true class');
    expect(svg).toContain('&lt;script&gt;');
    expect(svg).not.toContain('<script>');
    expect(svg).toMatch(/>7</);
  });
  it('confusionHeatmap rejects a non-square or non-integer matrix', () => {
    expect(() => confusionHeatmap(['a', 'b'], [[1, 2]])).toThrow(/confusionHeatmap: counts has 1 rows, expected 2/);
    expect(() => confusionHeatmap(['a', 'b'], [[1, 2], [3]])).toThrow(/confusionHeatmap: counts\[1\] has 1 values, expected 2/);
    expect(() => confusionHeatmap(['a', 'b'], [[1, 2], [3, 0.5]])).toThrow(/confusionHeatmap: counts\[1\]\[1\] must be a non-negative integer, got 0.5/);
    expect(() => confusionHeatmap([], [])).toThrow(/confusionHeatmap: classNames is empty/);
  });
  it('ckaHeatmap labels layers and values; NaN cells are allowed', () => {
    const svg = ckaHeatmap(['conv1', 'dense1'], ['fc1', 'fc2'], [[0.93, Number.NaN], [0.1, 0.5]]);
    expectSvg(svg);
    for (const s of ['conv1', 'dense1', 'fc1', 'fc2', '0.93', 'model A layer', 'model B layer']) expect(svg).toContain(s);
    expect(() => ckaHeatmap(['a'], ['b'], [[Infinity]])).toThrow(/ckaHeatmap: cka\[0\]\[0\] must be a number \(NaN for missing\), got Infinity/);
  });
  it('topKBars shows the neurons best first', () => {
    const svg = topKBars([{ neuron: 42, score: 3 }, { neuron: 7, score: 1 }]);
    expectSvg(svg);
    expect(svg).toContain('Top-2 maximally activated neurons');
    expect(svg.indexOf('>42<')).toBeGreaterThan(0);
    expect(svg.indexOf('>42<')).toBeLessThan(svg.indexOf('>7<'));
    expect(() => topKBars([{ neuron: -1, score: 1 }])).toThrow(/topKBars: topK\[0\]\.neuron must be a non-negative integer, got -1/);
  });
  it('learningCurves draws a line per class and checks accuracy in [0, 1]', () => {
    const svg = learningCurves(['e1', 'e2'], ['cat', 'dog'], [[0.5, 0.9], [Number.NaN, 0.8]]);
    expectSvg(svg);
    for (const s of ['cat', 'dog', 'checkpoint', 'accuracy', 'e2']) expect(svg).toContain(s);
    expect(() => learningCurves(['e1'], ['cat'], [[1.2]])).toThrow(/learningCurves: accuracy\[0\]\[0\] must be in \[0, 1\], got 1.2/);
    expect(() => learningCurves(['e1', 'e2'], ['cat'], [[0.2]])).toThrow(/learningCurves: accuracy\[0\] has 1 values, expected 2/);
  });
  it('histogram draws a vector and rejects NaN', () => {
    const svg = histogram([0.1, 0.5, 0.4], { yName: 'share of items' });
    expectSvg(svg);
    expect(svg).toContain('share of items');
    expect(svg).toContain('neuron');
    expect(() => histogram([0.1, Number.NaN])).toThrow(/histogram: vector\[1\] must be a finite number, got NaN/);
    expect(() => histogram([])).toThrow(/histogram: vector is empty/);
  });
});
