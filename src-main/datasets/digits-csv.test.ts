import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { importDigitsCsv, parseDigitsCsv } from './digits-csv.ts';
import { expectBadInput, tempDir, writeFile } from './test-helpers.ts';

function line(label: number, fill = 0): string {
  return [...Array.from({ length: 64 }, (_, k) => (k + fill) % 17), label].join(',');
}

describe('parseDigitsCsv', () => {
  it('parses lines, CRLF, blank lines and a header', () => {
    const header = Array.from({ length: 64 }, (_, k) => `pixel_${k}`).concat('target').join(',');
    const p = parseDigitsCsv(`${header}\r\n${line(3)}\r\n\r\n${line(7, 5)}\r\n`, 'x.csv');
    expect(Array.from(p.labels)).toEqual([3, 7]);
    expect(Array.from(p.lines)).toEqual([2, 4]);
    expect(p.pixels.length).toBe(128);
    expect(p.pixels[64]).toBe(5);
    expect(p.pixels[63]).toBe(63 % 17);
  });

  it('names the line of a malformed row', async () => {
    await expectBadInput(() => parseDigitsCsv(`${line(1)}\n1,2,3\n`, 'd.csv'), /d\.csv: line 2 has 3 fields, expected 65/);
    const bad = line(1).replace(/^0,/, '17,');
    await expectBadInput(() => parseDigitsCsv(bad, 'd.csv'), /d\.csv: line 1, field 1 is not an integer pixel value in 0…16/);
    const nan = line(1).replace(/^0,/, 'NaN,');
    await expectBadInput(() => parseDigitsCsv(`${line(2)}\n${nan}`, 'd.csv'), /line 2, field 1 is not an integer pixel value/);
    const empty = line(1).replace(/^0,/, ',');
    await expectBadInput(() => parseDigitsCsv(empty, 'd.csv'), /line 1, field 1 is not an integer/);
    await expectBadInput(() => parseDigitsCsv(line(1).replace(/,1$/, ',x'), 'd.csv'), /line 1, field 65: the label is not an integer/);
  });
});

describe('importDigitsCsv', () => {
  it('imports every item into split "all" without a test fraction, gzipped or not', async () => {
    const dir = tempDir();
    const text = [line(0), line(1, 2), line(9, 4)].join('\n') + '\n';
    for (const f of [writeFile(dir, 'd.csv', text), writeFile(dir, 'd.csv.gz', zlib.gzipSync(text))]) {
      const ds = await importDigitsCsv({ format: 'digits-csv', file: f });
      expect(ds).toMatchObject({ format: 'digits-csv', height: 8, width: 8, channels: 1, pixelScale: 16 });
      expect(ds.classNames).toHaveLength(10);
      expect(ds.splits).toHaveLength(1);
      expect(ds.splits[0].split).toBe('all');
      expect(Array.from(ds.splits[0].labels)).toEqual([0, 1, 9]);
      expect(ds.splits[0].sources).toEqual([0, 1, 2].map((i) => `${path.basename(f)}#${i}`));
    }
  });

  it('splits stratified and deterministically for a seed', async () => {
    const dir = tempDir();
    const rows: string[] = [];
    for (let i = 0; i < 100; i++) rows.push(line(i % 4, i));
    const f = writeFile(dir, 'd.csv', rows.join('\n'));
    const a = await importDigitsCsv({ format: 'digits-csv', file: f, testFraction: 0.2, seed: 3, classNames: ['a', 'b', 'c', 'd'] });
    const b = await importDigitsCsv({ format: 'digits-csv', file: f, testFraction: 0.2, seed: 3, classNames: ['a', 'b', 'c', 'd'] });
    const c = await importDigitsCsv({ format: 'digits-csv', file: f, testFraction: 0.2, seed: 4, classNames: ['a', 'b', 'c', 'd'] });
    expect(a.splits.map((s) => [s.split, s.labels.length])).toEqual([['train', 80], ['test', 20]]);
    expect(a.splits[1].sources).toEqual(b.splits[1].sources);
    expect(a.splits[1].sources).not.toEqual(c.splits[1].sources);
    const perClass = [0, 0, 0, 0];
    for (const y of a.splits[1].labels) perClass[y]++;
    expect(perClass).toEqual([5, 5, 5, 5]);
    // Pixels travel with their item: item i's first pixel is i % 17.
    const test = a.splits[1];
    test.sources.forEach((s, j) => expect(test.pixels[j * 64]).toBe(Number(s.split('#')[1]) % 17));
  });

  it('rejects missing files, empty files, bad labels and bad options', async () => {
    const dir = tempDir();
    await expectBadInput(() => importDigitsCsv({ format: 'digits-csv', file: path.join(dir, 'no.csv') }), /no\.csv: digits CSV file not found/);
    const empty = writeFile(dir, 'empty.csv', '\n\n');
    await expectBadInput(() => importDigitsCsv({ format: 'digits-csv', file: empty }), /empty\.csv: the CSV holds no data lines \(empty data set\)/);
    const neg = writeFile(dir, 'neg.csv', `${line(1)}\n${line(-1)}\n`);
    await expectBadInput(() => importDigitsCsv({ format: 'digits-csv', file: neg }), /neg\.csv: label -1 of line 2 is outside 0…9/);
    const ok = writeFile(dir, 'ok.csv', `${line(1)}\n${line(2)}\n`);
    await expectBadInput(() => importDigitsCsv({ format: 'digits-csv', file: ok, testFraction: 1 }), /testFraction must be a number in \(0, 1\), got 1/);
    await expectBadInput(() => importDigitsCsv({ format: 'digits-csv', file: ok, testFraction: Number.NaN }), /testFraction must be a number in \(0, 1\), got NaN/);
    await expectBadInput(() => importDigitsCsv({ format: 'digits-csv', file: ok, testFraction: 0.1 }), /leaves an empty test split/);
    await expectBadInput(() => importDigitsCsv({ format: 'digits-csv', file: '' }), /`file` \(the path of the CSV\) is required/);
  });
});
