import { describe, expect, it } from 'vitest';
import { escapeHtml } from './escape-html.ts';

describe('escapeHtml', () => {
  it('turns markup in a name into inert text', () => {
    expect(escapeHtml('<img src=x onerror=alert(1)>')).toBe('&lt;img src=x onerror=alert(1)&gt;');
    expect(escapeHtml(`a"b'c&d`)).toBe('a&quot;b&#39;c&amp;d');
    expect(escapeHtml('&lt;')).toBe('&amp;lt;'); // escaped once more, shown as typed
  });
  it('leaves ordinary names and non-strings readable', () => {
    expect(escapeHtml('T-shirt/top')).toBe('T-shirt/top');
    expect(escapeHtml(42)).toBe('42');
  });
});
