/**
 * Runs a table of bad inputs against one real project, through the CLI (in-process) and the API
 * (a real app's dispatcher on a copy of the project). Each case asserts a clear error — the
 * code, a message naming the argument or file and the problem, none of the file's bytes — or,
 * for a warning case, the warning; that it ends (a generous guard, not a timing); and that the
 * store is unchanged: through the CLI every file of the project (store.duckdb included) is
 * byte-for-byte the same; through the API (project held open) every table's rows hash the same
 * and activations/, models/, cache/ are unchanged.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../app/app.ts';
import type { ErrorCode } from '../../shared/errors.ts';
import { api, CASE_TIMEOUT_MS, cli, filesDigest, makeProject, openApp, storeDigest, tmp } from './fixtures.ts';
import { folderSnapshot } from '../../store/test-support/snapshot.ts';

/** Planted in hostile text files: no message may contain it. */
export const MARK = 'SECRET-CONTENT-7f3a';

export interface Built {
  /** CLI arguments; `--project DIR` is added for every command but init/demo. */
  cli?: string[];
  /** API request name and params. */
  api?: [string, Record<string, unknown>];
  /** What the message must match (the argument or file, and the problem). */
  re: RegExp;
  /** Expected API error code (the CLI exit code follows: 2 for BAD_REQUEST, else 1). */
  code?: ErrorCode;
  /** CLI exit code when it differs from what `code` implies. */
  exit?: number;
  /** A warning case: the command succeeds and says `re` (on stderr / in the result). */
  warns?: boolean;
  /** A warning case may change the store (an import that goes through). */
  changesStore?: boolean;
  /** Extra strings (file content) no message may contain. */
  forbid?: string[];
}

export interface Case {
  name: string;
  /** Builds the inputs in a fresh folder `d`; `p` is the project the command runs on. */
  build: (d: string, p: { dir: string; modelJson: string }) => Built | Promise<Built>;
}

interface Env {
  root: string;
  cliProject: { dir: string; modelJson: string };
  apiProject: { dir: string; modelJson: string };
  app: App;
  cliDigest: Record<string, string>;
}

export function runCorpus(title: string, cases: Case[]): void {
  describe(title, () => {
    const env = {} as Env;
    beforeAll(async () => {
      env.root = tmp('margin-bad-inputs-');
      env.cliProject = await makeProject(env.root);
      const apiDir = path.join(env.root, 'project-api');
      fs.cpSync(env.cliProject.dir, apiDir, { recursive: true });
      env.apiProject = { dir: apiDir, modelJson: env.cliProject.modelJson };
      env.cliDigest = folderSnapshot(env.cliProject.dir);
      env.app = await openApp(apiDir);
    }, 120_000);
    afterAll(async () => {
      await env.app?.close();
      if (env.root) fs.rmSync(env.root, { recursive: true, force: true });
    });

    it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      let ran = 0;
      // --- CLI
      const dc = fs.mkdtempSync(path.join(env.root, 'case-'));
      const bc = await c.build(dc, env.cliProject);
      const forbid = [MARK, ...(bc.forbid ?? [])];
      if (bc.cli) {
        ran++;
        const [cmd, ...rest] = bc.cli;
        const argv = cmd === 'init' || cmd === 'demo' ? bc.cli : [cmd, '--project', env.cliProject.dir, ...rest];
        const r = await cli(argv);
        const all = `${r.stdout}\n${r.stderr}`;
        for (const f of forbid) expect(all, `CLI output quotes file content ${JSON.stringify(f)}`).not.toContain(f);
        if (bc.warns) {
          expect(r.code, r.stderr).toBe(0);
          expect(r.stderr).toMatch(bc.re);
        } else {
          expect(r.code, r.stdout).toBe(bc.exit ?? (bc.code === 'BAD_REQUEST' ? 2 : 1));
          expect(r.stderr).toMatch(new RegExp(`^margin ${cmd}: `));
          expect(r.stderr).toMatch(bc.re);
        }
        // The CLI closes the project after each command: its every file (store.duckdb included)
        // is byte-for-byte what it was.
        if (!bc.changesStore) expect(folderSnapshot(env.cliProject.dir)).toEqual(env.cliDigest);
        else env.cliDigest = folderSnapshot(env.cliProject.dir);
      }
      // --- API
      const da = fs.mkdtempSync(path.join(env.root, 'case-'));
      const ba = await c.build(da, env.apiProject);
      if (ba.api) {
        ran++;
        const store = env.app.workspace.requireStore();
        const before = { ...(await storeDigest(store)), ...filesDigest(env.apiProject.dir) };
        const [name, params] = ba.api;
        const r = await api(env.app, name, params);
        const text = JSON.stringify(r);
        for (const f of [MARK, ...(ba.forbid ?? [])]) expect(text, `API reply quotes file content ${JSON.stringify(f)}`).not.toContain(f);
        if (ba.warns) {
          expect(r.ok, text).toBe(true);
          expect(JSON.stringify((r as { result: { warnings?: unknown; notes?: unknown } }).result)).toMatch(ba.re);
        } else {
          expect(r.ok, text).toBe(false);
          if (!r.ok) {
            expect(r.error.code).toBe(ba.code ?? 'BAD_INPUT');
            expect(r.error.message).toMatch(ba.re);
          }
        }
        if (!ba.changesStore) expect({ ...(await storeDigest(store)), ...filesDigest(env.apiProject.dir) }).toEqual(before);
      }
      expect(ran, 'a case must run through the CLI, the API or both').toBeGreaterThan(0);
    }, CASE_TIMEOUT_MS);
  });
}
