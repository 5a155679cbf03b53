import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvField, csvPathFor, reportCsvTables, toCsv, writeReportCsv } from './csv.ts';
import { fullReport } from './test-fixture.ts';

describe('RFC 4180 quoting', () => {
  it('quotes fields with commas, quotes, CR or LF and doubles quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(0.1 + 0.2)).toBe('0.30000000000000004'); // full precision
    expect(csvField(Number.NaN)).toBe('NaN');
    expect(csvField(false)).toBe('false');
  });
  it('ends every record with CRLF', () => {
    expect(toCsv(['a', 'b'], [[1, 'x,y'], [null, 'q"']])).toBe('a,b\r\n1,"x,y"\r\n,"q"""\r\n');
    expect(toCsv(['only'], [])).toBe('only\r\n');
  });
});

describe('report tables', () => {
  it('has one table per present section, none for absent ones', () => {
    const names = reportCsvTables(fullReport()).map((t) => t.name);
    expect(names).toEqual([
      'layers', 'checkpoints', 'confusion', 'samples', 'queries', 'query-values', 'e1', 'e2', 'e3', 'e4', 'table4',
      'comparison', 'compare-a-confusion', 'compare-a-learning', 'compare-b-confusion', 'cka',
    ]);
    expect(reportCsvTables({ header: fullReport().header })).toEqual([]);
  });
  it('names every neuron as the workbench and the CLI do, with the flat index beside it', () => {
    const doc = fullReport();
    doc.queries = [{ title: 'S1', set: 'S1', layer: 'relu2', shape: [4, 4, 8], granularity: 'unit', items: 10, seconds: 0.1, topK: [{ neuron: 118, score: 2 }, { neuron: 6, score: 1 }] }];
    const values = reportCsvTables(doc).find((t) => t.name === 'query-values')!;
    expect(values.headers).toEqual(['query', 'kind', 'rank', 'neuron_name', 'neuron', 'value', 'ci_lower', 'ci_upper']);
    // 118 = (y·4 + x)·8 + c with c = 6, y = 3, x = 2
    expect(values.rows[0].slice(3, 5)).toEqual(['relu2[c=6, y=3, x=2] #118', 118]);
    expect(values.rows[1].slice(3, 5)).toEqual(['relu2[c=6, y=0, x=0] #6', 6]);
  });
  it('puts the file beside the HTML', () => {
    expect(csvPathFor('/x/y/report.html', 'e1')).toBe('/x/y/report-e1.csv');
  });
  it('writes the files with rows that round-trip', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'margin-csv-'));
    const doc = fullReport();
    doc.samples![0].name = 'name, with "comma"\nand newline';
    const { paths, bytes } = await writeReportCsv(doc, join(dir, 'r.html'));
    expect(paths).toHaveLength(16);
    expect(bytes).toBeGreaterThan(1000);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const samples = readFileSync(join(dir, 'r-samples.csv'), 'utf8');
    expect(samples.split('\r\n')[0]).toBe('name,method,fraction,j,seed,size,correct,incorrect,seconds,created,parameters');
    expect(samples).toContain('"name, with ""comma""\nand newline",maxmargin,0.05,0.7,1,500,415,85,1.52,');
    expect(samples).toContain(',"svm = linear squared-hinge dual CD, one-vs-rest, svmC = 1, svmLoss = squared-hinge, svmScaling = zscore, plattFolds = 5"\r\n');
    const confusion = readFileSync(join(dir, 'r-confusion.csv'), 'utf8').split('\r\n');
    expect(confusion[0]).toBe('true \\ predicted,T-shirt/top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle boot');
    expect(confusion[1].split(',')[1]).toBe('950');
    const e1 = readFileSync(join(dir, 'r-e1.csv'), 'utf8').trimEnd().split('\r\n');
    expect(e1).toHaveLength(1 + doc.evaluation!.e1!.length);
  });
});
