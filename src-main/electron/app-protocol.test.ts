import { beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveAppPath, serveAppRequest } from './app-protocol.ts';

let root: string;
let outside: string;
beforeAll(() => {
  const base = mkdtempSync(join(tmpdir(), 'margin-app-protocol-'));
  root = join(base, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Margin</title>');
  writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
  outside = join(base, 'secret.txt');
  writeFileSync(outside, 'SECRET');
  symlinkSync(outside, join(root, 'assets', 'link.js'));
});

const get = (url: string) => serveAppRequest(new Request(url), root);

describe('margin:// protocol', () => {
  it('serves the renderer with the CSP and security headers', async () => {
    for (const url of ['margin://app/', 'margin://app/index.html', 'margin://app/index.html#/latent', 'margin://app/latent']) {
      const res = await get(url);
      expect(res.status, url).toBe(200);
      expect(await res.text()).toContain('<title>Margin</title>');
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'.*script-src 'self'.*object-src 'none'/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const js = await get('margin://app/assets/app.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
  });

  it('refuses traversal in every spelling and other hosts', async () => {
    for (const url of [
      'margin://app/..%2fsecret.txt',
      'margin://app/%2e%2e/secret.txt',
      'margin://app/assets/..%5c..%5csecret.txt',
      'margin://app/%E0%A4%A.js',
      'margin://app/a%00.js',
      'margin://app/assets/link.js', // a symlink out of the folder
      'margin://other/index.html',
      'margin://app/missing.js',
    ]) {
      const res = await get(url);
      expect(res.status, url).toBeGreaterThanOrEqual(400);
      expect(await res.text(), url).not.toContain('SECRET');
    }
    // URL parsing resolves literal dot segments before we see them: they stay inside the root.
    expect(resolveAppPath('margin://app/../../secret.txt', root)).toEqual({ file: join(root, 'secret.txt') });
    expect((await get('margin://app/../../secret.txt')).status).toBe(404);
  });

  it('answers only GET and HEAD', async () => {
    expect((await serveAppRequest(new Request('margin://app/index.html', { method: 'POST', body: 'x' }), root)).status).toBe(405);
  });
});
