import { describe, it, expect } from 'vitest';
import { LruCache } from './lru-cache.ts';

describe('LruCache', () => {
  it('evicts the least recently used entry when over budget', () => {
    const c = new LruCache<string>(10);
    c.set('a', 'A', 4);
    c.set('b', 'B', 4);
    expect(c.get('a')).toBe('A'); // a is now most recent
    c.set('c', 'C', 4); // 12 > 10: evict b
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe('A');
    expect(c.get('c')).toBe('C');
    expect(c.bytes).toBe(8);
  });

  it('does not cache values larger than the budget, replaces keys, drops prefixes', () => {
    const c = new LruCache<number>(10);
    c.set('big', 1, 11);
    expect(c.size).toBe(0);
    c.set('x/1', 1, 3);
    c.set('x/1', 2, 5);
    expect(c.bytes).toBe(5);
    expect(c.get('x/1')).toBe(2);
    c.set('y/1', 3, 1);
    c.deletePrefix('x/');
    expect(c.size).toBe(1);
    expect(c.bytes).toBe(1);
    c.clear();
    expect(c.bytes).toBe(0);
  });

  it('rejects a negative or NaN budget', () => {
    expect(() => new LruCache(-1)).toThrow(/maxBytes must be >= 0, got -1/);
    expect(() => new LruCache(NaN)).toThrow(/maxBytes must be >= 0, got NaN/);
  });
});
