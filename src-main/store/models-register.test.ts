import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { openProject } from './project.ts';
import { registerCheckpoint, insertModel, insertCheckpoint, listModels, getModel, getCheckpoint, IMPORT_TMP_PREFIX } from './models.ts';
import { FAKE_LAYERS } from './test-support/fake-runner.ts';
import { closeAfterTest, freshStore as fresh } from './test-support/fresh-store.ts';

const MODEL = { name: 'net', architecture: 'mlp', inputShape: [4, 4, 1], numClasses: 3, latentLayer: 'latent', engine: 'tfjs' };
const writeModel = async (dir: string) => {
  fs.writeFileSync(path.join(dir, 'model.json'), '{"m":1}');
  fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from([1, 2, 3]));
  return { modelFile: 'model.json', modelJson: '{"m":1}' };
};

/** Every path under dir, relative. */
function tree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).map(String).sort();
}

describe('registerCheckpoint', () => {
  it("puts each checkpoint in its own folder by id and records it; model names never become paths", async () => {
    const s = await fresh();
    const a = await registerCheckpoint(s, { model: { ...MODEL, name: 'net v1' } }, { label: 'e/1', ordinal: 1, layers: FAKE_LAYERS }, writeModel);
    const b = await registerCheckpoint(s, { model: { ...MODEL, name: 'net/v1' } }, { label: 'e/1', ordinal: 1, layers: FAKE_LAYERS }, writeModel);
    const c = await registerCheckpoint(s, { modelId: a.modelId }, { label: 'e 2', ordinal: 2 }, writeModel);
    expect(path.relative(s.dir, a.dir)).toBe(path.join('models', String(a.modelId), String(a.checkpointId)));
    expect(new Set([a.dir, b.dir, c.dir]).size).toBe(3);
    const cp = await getCheckpoint(s, c.checkpointId);
    expect(cp.path).toBe(path.join('models', String(a.modelId), String(c.checkpointId), 'model.json'));
    expect(cp.modelJson).toBe('{"m":1}');
    expect(cp.onnxPath).toBeNull();
  });

  it('a failure while placing files leaves no row and no folder (new model and further checkpoint)', async () => {
    const s = await fresh();
    const a = await registerCheckpoint(s, { model: MODEL }, { label: 'e1', ordinal: 1, layers: FAKE_LAYERS }, writeModel);
    const before = tree(path.join(s.dir, 'models'));
    const failing = async (dir: string) => {
      fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.alloc(10)); // half of the files are in
      throw new Error('disk full while copying model.json');
    };
    await expect(registerCheckpoint(s, { model: { ...MODEL, name: 'other' } }, { label: 'e1', ordinal: 1, layers: FAKE_LAYERS }, failing))
      .rejects.toThrow('disk full while copying model.json');
    await expect(registerCheckpoint(s, { modelId: a.modelId }, { label: 'e2', ordinal: 2 }, failing)).rejects.toThrow(/disk full/);
    expect((await listModels(s)).map((m) => m.name)).toEqual(['net']);
    expect((await getModel(s, 'net')).checkpoints.map((c) => c.label)).toEqual(['e1']);
    expect(tree(path.join(s.dir, 'models'))).toEqual(before);
    // and the next import still works
    const ok = await registerCheckpoint(s, { model: { ...MODEL, name: 'other' } }, { label: 'e1', ordinal: 1, layers: FAKE_LAYERS }, writeModel);
    expect(fs.readdirSync(ok.dir).sort()).toEqual(['model.json', 'weights.bin']);
  });

  it('a taken name or label fails with CONFLICT naming it, before place is called', async () => {
    const s = await fresh();
    const a = await registerCheckpoint(s, { model: MODEL }, { label: 'e1', ordinal: 1, layers: FAKE_LAYERS }, writeModel);
    let called = 0;
    const counting = async (dir: string) => { called++; return writeModel(dir); };
    await expect(registerCheckpoint(s, { model: MODEL }, { label: 'e1', ordinal: 1 }, counting))
      .rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('a model named "net" already exists') });
    await expect(registerCheckpoint(s, { modelId: a.modelId }, { label: 'e1', ordinal: 2 }, counting))
      .rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('model "net" already has a checkpoint labelled "e1"') });
    expect(called).toBe(0);
  });

  it('never writes into a folder that exists already (an older project with a model named like an id)', async () => {
    const s = await fresh();
    // the layout of projects made before folders were named by id: models/<name>/<label>/
    const id = await insertModel(s, { ...MODEL, name: '1' });
    const old = path.join(s.dir, 'models', '1', '1');
    fs.mkdirSync(old, { recursive: true });
    fs.writeFileSync(path.join(old, 'model.json'), 'old');
    await insertCheckpoint(s, id, { label: '1', ordinal: 1, path: path.join('models', '1', '1', 'model.json') });
    const r = await registerCheckpoint(s, { modelId: id }, { label: '2', ordinal: 2 }, writeModel);
    expect(r.dir).not.toBe(old);
    expect(fs.readFileSync(path.join(old, 'model.json'), 'utf8')).toBe('old');
    expect(fs.readFileSync(path.join(r.dir, 'model.json'), 'utf8')).toBe('{"m":1}');
  });

  it("opening a project removes an interrupted import's temporary folder and nothing else", async () => {
    const s = await fresh();
    const dir = s.dir;
    await registerCheckpoint(s, { model: MODEL }, { label: 'e1', ordinal: 1, layers: FAKE_LAYERS }, writeModel);
    await s.close();
    fs.mkdirSync(path.join(dir, 'models', `${IMPORT_TMP_PREFIX}7`));
    fs.writeFileSync(path.join(dir, 'models', `${IMPORT_TMP_PREFIX}7`, 'weights.bin'), 'partial');
    fs.mkdirSync(path.join(dir, 'models', '.import-7', 'e1'), { recursive: true }); // an old-layout model named ".import-7"
    const before = tree(path.join(dir, 'models')).filter((p) => !p.startsWith(IMPORT_TMP_PREFIX));
    closeAfterTest(await openProject(dir));
    expect(tree(path.join(dir, 'models'))).toEqual(before);
  });
});
