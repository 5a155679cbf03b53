import { describe, expect, it } from 'vitest';
import { sortRows, useSortable } from './useSortable.ts';

describe('sortRows', () => {
  const rows = [
    { name: 'conv10', n: 3 }, { name: 'conv2', n: 10 }, { name: 'dense', n: null }, { name: 'Conv1', n: 3 }, { name: '', n: 7 },
  ];
  it('sorts numbers numerically, empty values last both ways, ties in their original order', () => {
    expect(sortRows(rows, (r) => r.n, 'asc').map((r) => r.name)).toEqual(['conv10', 'Conv1', '', 'conv2', 'dense']);
    expect(sortRows(rows, (r) => r.n, 'desc').map((r) => r.name)).toEqual(['conv2', '', 'conv10', 'Conv1', 'dense']);
  });
  it('sorts text with numbers inside in order, case-insensitively', () => {
    expect(sortRows(rows, (r) => r.name, 'asc').map((r) => r.name)).toEqual(['Conv1', 'conv2', 'conv10', 'dense', '']);
  });
  it('does not change its input', () => {
    const copy = [...rows];
    sortRows(rows, (r) => r.n, 'desc');
    expect(rows).toEqual(copy);
  });
});

describe('useSortable', () => {
  it('toggles the direction on the same column and starts a new column at its first direction', () => {
    const data = [{ a: 2, b: 'x' }, { a: 1, b: 'z' }, { a: 3, b: 'y' }];
    const s = useSortable(() => data, { a: (r) => r.a, b: (r) => r.b }, { firstDir: { a: 'desc' } });
    expect(s.rows.value).toEqual(data); // unsorted until asked
    s.toggle('a');
    expect(s.rows.value.map((r) => r.a)).toEqual([3, 2, 1]);
    expect(s.ariaSort('a')).toBe('descending');
    expect(s.ariaSort('b')).toBe('none');
    s.toggle('a');
    expect(s.rows.value.map((r) => r.a)).toEqual([1, 2, 3]);
    s.toggle('b');
    expect(s.rows.value.map((r) => r.b)).toEqual(['x', 'y', 'z']);
    expect(s.indicator('b')).toBe('▲');
  });
});
