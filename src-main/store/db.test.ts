import { describe, it, expect } from 'vitest';
import { DuckDBInstance, INTEGER } from '@duckdb/node-api';
import { appendRows, floatArrayColumn, floatListColumn, intListColumn, readFloatListColumn, CHUNK_ROWS } from './db.ts';

describe('appendRows with floatArrayColumn', () => {
  it('round-trips float vectors across several data chunks, row by row', async () => {
    const conn = await (await DuckDBInstance.create(':memory:')).connect();
    const n = CHUNK_ROWS + 700; // two chunks, the second partial
    const dim = 7;
    const data = Float32Array.from({ length: n * dim }, (_, i) => Math.sin(i) * 100);
    await conn.run(`CREATE TABLE t (i INTEGER, v FLOAT[${dim}])`);
    await appendRows(conn, 't', n, [{ type: INTEGER, get: (i) => i }, floatArrayColumn(data, dim)]);
    const back = await readFloatListColumn(conn, 'SELECT v::FLOAT[] FROM t ORDER BY i', [], 0, n, dim);
    expect(back).toEqual(data);
    const row = (await conn.runAndReadAll('SELECT v[3] AS x FROM t WHERE i = 2100')).getRowObjectsJS()[0];
    expect(row.x).toBe(data[2100 * dim + 2]);
  });

  it('refuses a bad width or too few values', () => {
    expect(() => floatArrayColumn(new Float32Array(6), 0)).toThrow(/dim must be a positive integer, got 0/);
    expect(() => floatArrayColumn(new Float32Array(7), 2)).toThrow(/7 values are not rows of 2/);
  });

  it('refuses to read rows beyond the data given', async () => {
    const conn = await (await DuckDBInstance.create(':memory:')).connect();
    await conn.run('CREATE TABLE t (v FLOAT[2])');
    await expect(appendRows(conn, 't', 3, [floatArrayColumn(new Float32Array(4), 2)])).rejects.toThrow(/rows 0…2 are beyond the 2 rows given/);
    expect(Number((await conn.runAndReadAll('SELECT count(*) AS n FROM t')).getRowObjectsJS()[0].n)).toBe(0);
  });
});

describe('appendRows with floatListColumn', () => {
  it('appends straight into a FLOAT[] list column across data chunks', async () => {
    const conn = await (await DuckDBInstance.create(':memory:')).connect();
    const n = CHUNK_ROWS * 2 + 5;
    const dim = 10;
    const data = Float32Array.from({ length: n * dim }, (_, i) => Math.cos(i) * 7);
    await conn.run('CREATE TABLE t (i INTEGER, v FLOAT[] NOT NULL, PRIMARY KEY (i))');
    await appendRows(conn, 't', n, [{ type: INTEGER, get: (i) => i }, floatListColumn(data, dim)]);
    expect(await readFloatListColumn(conn, 'SELECT v FROM t ORDER BY i', [], 0, n, dim)).toEqual(data);
    const r = (await conn.runAndReadAll('SELECT min(len(v)) AS a, max(len(v)) AS b, count(*) AS c FROM t')).getRowObjectsJS()[0];
    expect([Number(r.a), Number(r.b), Number(r.c)]).toEqual([dim, dim, n]);
    expect(() => floatListColumn(new Float32Array(5), 2)).toThrow(/5 values are not rows of 2/);
  });
});

describe('appendRows with intListColumn', () => {
  it('appends lists of different lengths (empty ones too) across data chunks', async () => {
    const conn = await (await DuckDBInstance.create(':memory:')).connect();
    const rows = Array.from({ length: CHUNK_ROWS + 3 }, (_, i) => Int32Array.from({ length: i % 5 }, (_, k) => i * 10 + k));
    await conn.run('CREATE TABLE t (i INTEGER, ids INTEGER[] NOT NULL)');
    await appendRows(conn, 't', rows.length, [{ type: INTEGER, get: (i) => i }, intListColumn(rows)]);
    const back = (await conn.runAndReadAll('SELECT i, ids FROM t WHERE i IN (0, 4, 2049, 2050) ORDER BY i')).getRowObjectsJS();
    expect(back.map((r) => [Number(r.i), (r.ids as number[]).map(Number)])).toEqual([[0, []], [4, [40, 41, 42, 43]], [2049, [20490, 20491, 20492, 20493]], [2050, []]]);
    const total = (await conn.runAndReadAll('SELECT sum(len(ids))::INTEGER AS n FROM t')).getRowObjectsJS()[0].n;
    expect(Number(total)).toBe(rows.reduce((a, r) => a + r.length, 0));
  });
});
