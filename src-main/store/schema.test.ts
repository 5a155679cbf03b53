import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { openProject } from './project.ts';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.ts';
import { getModel, insertCheckpoint } from './models.ts';
import { tmpDir } from './test-support/tmp.ts';

/** A project folder as schema v2 left it: migrations 1–2 applied, one TF.js and one ONNX model. */
async function makeV2Project(dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'margin.json'), JSON.stringify({ format: 'margin-project', schemaVersion: 2, name: 'old', created: '2026-01-01T00:00:00.000Z' }));
  const db = await DuckDBInstance.create(path.join(dir, 'store.duckdb'));
  const conn = await db.connect();
  await conn.run(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied TIMESTAMP NOT NULL)`);
  for (const m of MIGRATIONS.filter((x) => x.version <= 2)) {
    await conn.run(m.sql.join(';\n'));
    await conn.run(`INSERT INTO schema_migrations VALUES (${m.version}, '${m.name}', now()::TIMESTAMP)`);
  }
  await conn.run(`INSERT INTO models VALUES (1, 'lenet', 'lenet5-bn', '/x/model.json', [28, 28, 1], 10, 'relu4', 'tfjs', now()::TIMESTAMP, NULL, 'test')`);
  await conn.run(`INSERT INTO models VALUES (2, 'native', 'onnx', '/x/m.onnx', [28, 28, 1], 10, 'fc', 'onnxruntime', now()::TIMESTAMP, NULL, 'test')`);
  await conn.run(`INSERT INTO checkpoints VALUES (1, 1, 'epoch-1', 1, 'models/lenet/epoch-1/model.json', '{}', now()::TIMESTAMP, 0.8)`);
  await conn.run(`INSERT INTO checkpoints VALUES (2, 2, 'ckpt-1', 1, 'models/native/ckpt-1/model.onnx', '{}', now()::TIMESTAMP, NULL)`);
  await conn.run(`SELECT nextval('seq_models'), nextval('seq_models'), nextval('seq_checkpoints'), nextval('seq_checkpoints')`);
  conn.closeSync();
  db.closeSync();
}

describe('schema v3 (engine per checkpoint), v4 (cluster shards), v5 (item scores), v6 (training history), v7 (saved answers)', () => {
  it('v7 is the newest migration', () => {
    expect(SCHEMA_VERSION).toBe(7);
    expect(MIGRATIONS.map((m) => m.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('opens a v2 project, migrates it, and marks its TF.js models as never translated', async () => {
    const dir = path.join(tmpDir('margin-schema-'), 'p');
    await makeV2Project(dir);
    const store = await openProject(dir);
    try {
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'margin.json'), 'utf8')).schemaVersion).toBe(7);
      expect((await store.conn.runAndReadAll('SELECT count(*) FROM saved_answers')).getColumnsJS()[0][0]).toBe(0n);
      expect((await store.conn.runAndReadAll('SELECT count(*) FROM extraction_shards')).getColumnsJS()[0][0]).toBe(0n);
      expect((await store.conn.runAndReadAll('SELECT count(*) FROM item_scores')).getColumnsJS()[0][0]).toBe(0n);
      expect((await store.conn.runAndReadAll('SELECT count(*) FROM training_epochs')).getColumnsJS()[0][0]).toBe(0n);
      const tf = await getModel(store, 'lenet');
      expect(tf.engine).toBe('tfjs');
      expect(tf.engineChoice).toBe('tfjs');
      expect(tf.checkpoints[0]).toMatchObject({ label: 'epoch-1', onnxPath: null, testAccuracy: 0.8 });
      expect(tf.checkpoints[0].engineNote).toMatch(/^stays on TF\.js: imported before Margin translated TF\.js models to ONNX/);
      const native = await getModel(store, 'native');
      expect(native.engineChoice).toBeNull();
      expect(native.checkpoints[0]).toMatchObject({ onnxPath: null, engineNote: null });
      // New checkpoints carry the new columns.
      const id = await insertCheckpoint(store, tf.id, { label: 'epoch-2', ordinal: 2, path: 'a/model.json', onnxPath: 'a/model.onnx', engineNote: 'translated' });
      expect((await getModel(store, 'lenet')).checkpoints.find((c) => c.id === id)).toMatchObject({ onnxPath: 'a/model.onnx', engineNote: 'translated' });
    } finally {
      await store.close();
    }
  });
});
