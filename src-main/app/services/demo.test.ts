import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProject } from '../../store/project.ts';
import { folderSnapshot } from '../../store/test-support/snapshot.ts';
import { tmpDir } from '../../store/test-support/tmp.ts';
import { main } from '../../cli/main.ts';
import { DEMO_PROJECT_NAME, checkDemoFolder } from './demo.ts';

afterEach(() => vi.restoreAllMocks());

async function demoCli(dir: string): Promise<{ code: number; err: string }> {
  const err: string[] = [];
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { err.push(a.join(' ')); });
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const code = await main(['demo', '--dir', dir]);
  vi.restoreAllMocks();
  return { code, err: err.join('\n') };
}

describe('margin demo --dir refuses folders that hold something else', () => {
  it('a folder holding another project: refused, exit 1, the project unchanged', async () => {
    const dir = tmpDir('margin-demo-other-');
    await (await createProject(dir, { name: 'my month of activations' })).close();
    fs.mkdirSync(path.join(dir, 'activations', 'ckpt'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'activations', 'ckpt', 'layer.bin'), Buffer.alloc(64, 7));
    const before = folderSnapshot(dir);
    const r = await demoCli(dir);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`margin demo: ${dir} holds the Margin project "my month of activations", not the demo: the demo is never added to another project; choose a new or empty folder for it`);
    expect(folderSnapshot(dir)).toEqual(before);
  });

  it('a non-empty folder that is not a project, a file, and a folder inside a project\'s own files: refused, nothing written', async () => {
    const dir = tmpDir('margin-demo-full-');
    fs.writeFileSync(path.join(dir, 'thesis.tex'), 'mine');
    await expect(checkDemoFolder(dir)).rejects.toThrow(`${dir} is not empty and holds no Margin project: the demo is made in a new or empty folder (nothing in ${dir} is touched); choose another folder`);
    expect(fs.readdirSync(dir)).toEqual(['thesis.tex']);
    await expect(checkDemoFolder(path.join(dir, 'thesis.tex'))).rejects.toThrow(/is a file, not a folder/);
    const p = tmpDir('margin-demo-proj-');
    await (await createProject(p, { name: 'p' })).close();
    const before = folderSnapshot(p);
    const r = await demoCli(path.join(p, 'models', 'demo'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/is inside the project's models\/ folder of the Margin project/);
    expect(folderSnapshot(p)).toEqual(before);
    expect(fs.existsSync(path.join(p, 'models', 'demo'))).toBe(false);
  });

  it('a new folder, an empty one, and an existing demo (re-run completes it) are accepted', async () => {
    const base = tmpDir('margin-demo-ok-');
    expect(await checkDemoFolder(path.join(base, 'new'))).toBe(false);
    fs.mkdirSync(path.join(base, 'empty'));
    expect(await checkDemoFolder(path.join(base, 'empty'))).toBe(false);
    await (await createProject(path.join(base, 'demo'), { name: DEMO_PROJECT_NAME })).close();
    expect(await checkDemoFolder(path.join(base, 'demo'))).toBe(true);
    fs.mkdirSync(path.join(base, 'broken'));
    fs.writeFileSync(path.join(base, 'broken', 'margin.json'), '{ not json');
    await expect(checkDemoFolder(path.join(base, 'broken'))).rejects.toThrow(/margin\.json is not readable Margin project metadata/);
  });
});
