import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeReport } from './index.ts';
import { averageSeries } from './aggregate.ts';
import { fullReport } from './test-fixture.ts';

describe('writeReport', () => {
  it('writes the HTML and its CSVs into a new folder', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'margin-report-')), 'nested', 'deeper');
    const doc = fullReport();
    const r = await writeReport({ header: doc.header, model: doc.model, samples: doc.samples }, { out: join(dir, 'r.html') });
    expect(r.html).toBe(join(dir, 'r.html'));
    expect(r.pdf).toBeUndefined();
    expect(r.pages).toBeUndefined();
    expect(r.csv.map((p) => p.slice(dir.length + 1))).toEqual(['r-layers.csv', 'r-checkpoints.csv', 'r-samples.csv']);
    const html = readFileSync(r.html, 'utf8');
    expect(html).toContain('Model summary');
    const total = [r.html, ...r.csv].reduce((s, p) => s + readFileSync(p).length, 0);
    expect(r.bytes).toBe(total);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('checks the paths and writes nothing when the data is bad', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'margin-report-')), 'never');
    const doc = fullReport();
    await expect(writeReport(doc, { out: join(dir, 'r.txt') })).rejects.toThrow(/out .*r\.txt must end in \.html/);
    await expect(writeReport(doc, { out: join(dir, 'r.html'), pdf: join(dir, 'r.png') })).rejects.toThrow(/pdf .*r\.png must end in \.pdf/);
    await expect(writeReport(doc, { out: '' })).rejects.toThrow(/out must be the path of the \.html report to write/);
    await expect(writeReport({ header: doc.header, evaluation: { e1: [{ method: 'uniform', fraction: 2, s1: 1, s2: 0, s3: 0 }] } }, { out: join(dir, 'r.html') }))
      .rejects.toThrow(/fig4: rows\[0\]\.fraction must be in \(0, 1\], got 2/);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('averageSeries', () => {
  it('averages per (series, x), sorted by x, in first-seen series order', () => {
    const s = averageSeries(
      [{ m: 'b', x: 2, y: 1 }, { m: 'a', x: 1, y: 1 }, { m: 'b', x: 1, y: 2 }, { m: 'b', x: 2, y: 3 }],
      (r) => r.m, (r) => r.x, (r) => r.y,
    );
    expect(s).toEqual([
      { key: 'b', points: [{ x: 1, y: 2, n: 1 }, { x: 2, y: 2, n: 2 }] },
      { key: 'a', points: [{ x: 1, y: 1, n: 1 }] },
    ]);
    expect(averageSeries([], () => 'k', () => 0, () => 0)).toEqual([]);
  });
});
