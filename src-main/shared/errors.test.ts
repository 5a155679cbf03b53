import { describe, expect, it } from 'vitest';
import { MarginError, uiMessageOf } from './errors.ts';

describe('uiMessageOf', () => {
  it('prefers the workbench wording (details.ui) over the CLI message', () => {
    const e = new MarginError('NOT_FOUND', 'no predictions yet: run `margin extract`', { ui: 'no predictions yet: "Extract activations" in the Model view' });
    expect(uiMessageOf(e.toPayload())).toBe('no predictions yet: "Extract activations" in the Model view');
  });
  it('falls back to the message without a usable hint', () => {
    expect(uiMessageOf({ message: 'plain' })).toBe('plain');
    expect(uiMessageOf({ message: 'plain', details: { ui: '' } })).toBe('plain');
    expect(uiMessageOf({ message: 'plain', details: null })).toBe('plain');
    expect(uiMessageOf({ message: 'plain', details: 'x' })).toBe('plain');
  });
});
