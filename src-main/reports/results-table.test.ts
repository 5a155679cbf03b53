import { describe, expect, it } from 'vitest';
import type { E1Row } from './experiment-rows.ts';
import { compareTable, e1Table, goalTable, renderTables, summariseE1, tableRequests } from './results-table.ts';

const rows: E1Row[] = [
  { method: 'uniform', fraction: 0.05, seed: 0, size: 5, s1: 0.5, s2: 0.2, s3: 0.6 },
  { method: 'uniform', fraction: 0.05, seed: 1, size: 5, s1: 0.7, s2: 0.4, s3: 0.8 },
  { method: 'uniform', fraction: 0.2, seed: 0, size: 20, s1: 0.8, s2: 0.1, s3: 0.4 },
  { method: 'maxmargin', fraction: 0.05, seed: 0, size: 5, s1: 0.65, s2: 0.1, s3: 0.5 },
  { method: 'maxmargin', fraction: 0.2, seed: 0, size: 20, s1: 0.9, s2: 0.05, s3: 0.3 },
  { method: 'boundary-tree', fraction: 0.124, size: 12, s1: 0.68, s2: 0.02, s3: 0.47 },
];

describe('E1 summaries', () => {
  it('means and the seeds\' S1 standard deviation per (method, fraction)', () => {
    const s = summariseE1(rows);
    const u = s.get('uniform')!.get(0.05)!;
    expect(u.n).toBe(2);
    expect(u.s1).toBeCloseTo(0.6, 12);
    expect(u.s2).toBeCloseTo(0.3, 12);
    expect(u.s1Sd).toBeCloseTo(Math.sqrt(0.02), 12); // (0.1² + 0.1²) / (2 − 1)
    expect(s.get('maxmargin')!.get(0.2)!.s1Sd).toBe(0);
    expect([...s.get('boundary-tree')!.keys()]).toEqual([0.124]);
    expect(() => summariseE1([{ method: 'x', fraction: 0.1, s1: NaN, s2: 0, s3: 0 }])).toThrow(/E1 rows\[0\] must have a method and finite fraction, s1, s2, s3/);
  });
  it('one run: S1 per fraction with ± sd at the first, S2/S3 columns, the best of each column in bold, the tree with its size', () => {
    const t = e1Table(rows).split('\n');
    expect(t[0]).toBe('| method | S1 5 % | S1 20 % | S2 5 % | S2 20 % | S3 5 % | S3 20 % |');
    expect(t[2]).toBe('| uniform | 0.600 ± 0.141 | 0.800 | 0.300 | 0.100 | 0.700 | 0.400 |');
    expect(t[3]).toBe('| maxmargin | **0.650** | **0.900** | **0.100** | **0.050** | **0.500** | **0.300** |');
    expect(t[4]).toBe('| boundary-tree (12 items = 12.4 %) | 0.680 |  | 0.020 |  | 0.470 |  |');
  });
  it('two runs side by side at one fraction, with B − A of S1', () => {
    const b = rows.map((r) => (r.method === 'maxmargin' ? { ...r, s1: r.s1 + 0.01, size: (r.size ?? 0) + 1 } : r));
    const t = compareTable(rows, b, 0.05, ['defaults', 'paper']).split('\n');
    expect(t[0]).toBe('| method | items | S1 defaults | S1 paper | S1 paper − defaults | S2 defaults | S2 paper | S3 defaults | S3 paper |');
    expect(t[2]).toBe('| uniform | 5 | 0.600 ± 0.141 | 0.600 ± 0.141 | 0 | 0.300 | 0.300 | 0.700 | 0.700 |');
    expect(t[3]).toBe('| maxmargin | 5 → 6 | 0.650 | 0.660 | +0.010 | 0.100 | 0.100 | 0.500 | 0.500 |');
    expect(t[4]).toMatch(/^\| boundary-tree \| 12 \| 0\.680 \| 0\.680 \| 0 \|/);
  });
  it('the goal table: relative S1 gain and whether S2 and S3 are no worse', () => {
    const t = goalTable([{ label: 'm1', rows }], 0.05, 'uniform', 'maxmargin').split('\n');
    expect(t[2]).toBe('| m1 | 0.600 / 0.300 / 0.700 | 0.650 / 0.100 / 0.500 | +8 % | yes |');
    expect(() => goalTable([{ label: 'm1', rows }], 0.05, 'uniform', 'query-strata')).toThrow(/m1: the run has no query-strata rows at 5 %/);
  });
});

describe('marked tables in a document', () => {
  const doc = [
    'intro',
    '<!-- results-table e1 run=a -->',
    'old text',
    '<!-- /results-table -->',
    'between',
    '<!-- results-table compare a=a b=b fraction=0.05 labels=defaults,paper -->',
    '<!-- /results-table -->',
    'end',
  ].join('\n');
  const load = (run: string) => (run === 'a' ? rows : rows.map((r) => ({ ...r, s1: r.s1 / 2 })));
  it('finds the requests and rebuilds their insides, keeping the markers (idempotent)', () => {
    expect(tableRequests(doc).map((r) => r.kind)).toEqual(['e1', 'compare']);
    expect(tableRequests(doc)[1].args).toEqual({ a: 'a', b: 'b', fraction: '0.05', labels: 'defaults,paper' });
    const out = renderTables(doc, load);
    expect(out).not.toContain('old text');
    expect(out).toContain(`<!-- results-table e1 run=a -->\n${e1Table(rows)}\n<!-- /results-table -->\nbetween`);
    expect(out).toContain('| maxmargin | 5 | 0.650 | 0.325 | −0.325 |');
    expect(out.startsWith('intro\n') && out.endsWith('\nend')).toBe(true);
    expect(renderTables(out, load)).toBe(out);
  });
  it('refuses markers that miss what they need, naming it', () => {
    expect(() => renderTables('<!-- results-table e1 -->\n<!-- /results-table -->', load)).toThrow(/results-table e1 marker needs run=…/);
    expect(() => renderTables('<!-- results-table pie run=a -->\n<!-- /results-table -->', load)).toThrow(/unknown kind "pie"; use e1, compare or goal/);
    expect(() => renderTables('<!-- results-table goal runs=a,b labels=x -->\n<!-- /results-table -->', load)).toThrow(/2 runs but 1 labels/);
  });
  it('goal labels may hold commas (semicolon-separated) and "_" for spaces', () => {
    const out = renderTables('<!-- results-table goal runs=a;a labels=M_(10,000_items);N base=uniform new=maxmargin -->\n<!-- /results-table -->', load);
    expect(out).toContain('| M (10,000 items) | 0.600 / 0.300 / 0.700 |');
    expect(out).toContain('| N | 0.600');
  });
});
