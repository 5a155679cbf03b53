import { describe, expect, it } from 'vitest';
import { takeToken } from './client.ts';

function memoryStorage() {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
}

describe('takeToken', () => {
  it('keeps the URL token in session storage and removes it from the address, keeping the rest', () => {
    const storage = memoryStorage();
    const replaced: string[] = [];
    expect(takeToken({ href: 'http://127.0.0.1:5173/?token=abc_DEF-1&x=2#/latent' }, storage, (u) => replaced.push(u))).toBe('abc_DEF-1');
    expect(replaced).toEqual(['/?x=2#/latent']);
    // A reload: no token in the address, the stored one is used and the address is left alone.
    expect(takeToken({ href: 'http://127.0.0.1:5173/#/latent' }, storage, (u) => replaced.push(u))).toBe('abc_DEF-1');
    expect(replaced).toHaveLength(1);
  });

  it('is empty when the page was opened without a token', () => {
    expect(takeToken({ href: 'http://127.0.0.1:5173/' }, memoryStorage(), () => undefined)).toBe('');
  });
});

describe('ApiError', () => {
  it('shows the UI wording of an error when the host sends one', async () => {
    const { ApiError } = await import('./client.ts');
    const e = new ApiError('model.confusion', { code: 'NOT_FOUND', message: 'run `margin extract`', details: { ui: 'use "Extract activations" in the Model view' } });
    expect(e.message).toBe('use "Extract activations" in the Model view');
    expect(e.message).not.toMatch(/margin extract/);
  });
});
