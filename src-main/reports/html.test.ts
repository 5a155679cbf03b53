import { describe, expect, it } from 'vitest';
import { renderReportHtml, inlineSvg } from './html.ts';
import type { ReportDocument } from './report-document.ts';
import { fullReport } from './test-fixture.ts';

const header: ReportDocument['header'] = { title: 'T', project: 'p', model: 'm', date: '2025-01-01', backend: 'cpu' };

describe('renderReportHtml', () => {
  const html = renderReportHtml(fullReport());

  it('is one self-contained, offline HTML file: no scripts, no http(s) references, no external resources', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/\bsrc=/i);
    expect(html).not.toMatch(/@import|url\((?!#)/);
    expect(html).toContain('@page { size: A4');
  });

  it('contains every provided section, with its charts inline', () => {
    for (const id of ['model', 'confusion', 'samples', 'queries', 'evaluation', 'comparison']) expect(html).toContain(`<section id="${id}"`);
    for (const s of ['Figure 4', 'Figure 5', 'Figure 6', 'Figure 7', 'Table IV', 'Linear CKA', 'Per-class learning curves — lenet5-bn',
      'Confusion matrix — mlp', 'precision@K = 0.8', 'bootstrap confidence interval', 'conv2d_2', 'wasm (tfjs-node not installed)']) {
      expect(html).toContain(s);
    }
    // 3 + 1 + 3 + 1 figures, 1 confusion, 2 query charts, mlp's confusion (lenet5-bn's is the main one,
    // referred to, not drawn twice), CKA, 1 learning curve.
    expect(html.match(/<svg /g)?.length).toBe(8 + 1 + 2 + 1 + 1 + 1);
    expect(html).toContain('As in the <a href="#confusion">Confusion matrix</a> section above.');
  });

  it('gives every inlined chart its own id scope, so clip paths do not collide', () => {
    const ids = [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]).filter((id) => /^c\d+-/.test(id));
    expect(ids.length).toBeGreaterThan(10);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('is deterministic for the same document', () => {
    const doc = fullReport();
    const small: ReportDocument = { header: doc.header, confusion: doc.confusion, evaluation: { e4: doc.evaluation!.e4 } };
    expect(renderReportHtml(small)).toBe(renderReportHtml(small));
  });

  it('omits missing sections and says so when there is nothing', () => {
    const bare = renderReportHtml({ header });
    expect(bare).not.toContain('<section');
    expect(bare).toContain('no analysis to report yet');
    const some = renderReportHtml({ header, samples: fullReport().samples, evaluation: { e4: fullReport().evaluation!.e4 } });
    expect(some).toContain('<section id="samples"');
    expect(some).toContain('Sampler parameters');
    expect(some).toContain('svmC = 1, svmLoss = squared-hinge, svmScaling = zscore');
    expect(some).toContain('Figure 7');
    expect(some).not.toContain('Figure 4');
    expect(some).not.toContain('<section id="model"');
    expect(some).not.toContain('<section id="comparison"');
    // An evaluation with only empty experiments is no section at all.
    expect(renderReportHtml({ header, evaluation: { e1: [], table4: [] } })).not.toContain('<section id="evaluation"');
  });

  it('escapes every text from the document', () => {
    const evil = '<script>alert(1)</script>';
    const doc: ReportDocument = {
      header: { ...header, title: evil, project: `a"b'c&d` },
      samples: [{ name: evil, method: evil, fraction: 0.1, j: null, seed: 1, size: 2, correct: 1, incorrect: 1, seconds: 0.1 }],
      confusion: { classNames: [evil, 'ok'], counts: [[1, 0], [0, 1]] },
      queries: [{ title: evil, items: 3, seconds: 0.01, subset: evil, topK: [{ neuron: 1, score: 2 }] }],
    };
    const out = renderReportHtml(doc);
    expect(out).not.toContain('<script>');
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).toContain('a&quot;b&#39;c&amp;d');
  });

  it('validates the header and passes chart errors through', () => {
    expect(() => renderReportHtml(undefined as never)).toThrow(/renderReportHtml: report must be a ReportDocument object/);
    expect(() => renderReportHtml({} as never)).toThrow(/renderReportHtml: report.header is required/);
    expect(() => renderReportHtml({ header: { ...header, backend: '' } })).toThrow(/renderReportHtml: report.header.backend must be a non-empty string/);
    expect(() => renderReportHtml({ header, evaluation: { e2: [{ method: 'vas', k: 5, precision: Number.NaN }] } }))
      .toThrow(/fig5: rows\[0\]\.precision must be a finite number, got NaN/);
  });
});

describe('inlineSvg', () => {
  it('drops namespaces and rescopes ids', () => {
    const svg = '<svg width="1" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><g clip-path="url(#chart-c0)"></g><clipPath id="chart-c0"></clipPath><text>chart-c0</text></svg>';
    const out = inlineSvg(svg, 'c7');
    expect(out).toBe('<svg class="chart" role="img" width="1"><g clip-path="url(#c7-c0)"></g><clipPath id="c7-c0"></clipPath><text>chart-c0</text></svg>');
  });
});

describe('renderReportHtml: notes and the comparison', () => {
  it('lists the document\'s and the comparison\'s notes and points to the main confusion matrix instead of drawing it twice', () => {
    const confusion = { classNames: ['a', 'b'], counts: [[3, 1], [0, 4]] };
    const html = renderReportHtml({
      header: { title: 't', project: 'p', model: 'm', date: 'd', backend: 'b' },
      confusion,
      notes: ['Two <things> left out.'],
      comparison: {
        a: { name: 'm', accuracy: 0.875, confusion: { classNames: ['a', 'b'], counts: [[3, 1], [0, 4]] } },
        b: { name: 'n', accuracy: 0.5, confusion: { classNames: ['a', 'b'], counts: [[2, 2], [2, 2]] } },
        notes: ['n has a single checkpoint.'],
      },
    });
    expect(html).toContain('<li>Two &lt;things&gt; left out.</li>');
    expect(html).toContain('<li>n has a single checkpoint.</li>');
    expect(html).toContain('<h3>Confusion matrix — m</h3><p>As in the <a href="#confusion">Confusion matrix</a> section above.</p>');
    expect(html.match(/<svg class="chart"/g)).toHaveLength(2); // the main matrix and n's
  });
});
