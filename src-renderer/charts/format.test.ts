import { describe, it, expect } from 'vitest';
import { formatBytes, formatNum, formatPct, formatSeconds } from './format.ts';

describe('formatters', () => {
  it('formats bytes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
    expect(formatBytes(NaN)).toBe('—');
    expect(formatBytes(-1)).toBe('—');
  });
  it('formats seconds from µs to minutes', () => {
    expect(formatSeconds(0.0000005)).toBe('1 µs');
    expect(formatSeconds(0.25)).toBe('250.0 ms');
    expect(formatSeconds(3.456)).toBe('3.46 s');
    expect(formatSeconds(185)).toBe('3 min 5 s');
    expect(formatSeconds(null)).toBe('—');
  });
  it('formats shares and numbers', () => {
    expect(formatPct(0.1234)).toBe('12.3 %');
    expect(formatPct(undefined)).toBe('—');
    expect(formatNum(0.123456789)).toBe('0.1235');
    expect(formatNum(1234567)).toBe('1.23e+6');
    expect(formatNum(0)).toBe('0');
    expect(formatNum(NaN)).toBe('—');
  });
});
