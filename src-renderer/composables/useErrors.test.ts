import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client.ts';
import { useErrors } from './useErrors.ts';

describe('useErrors', () => {
  it('shows one banner per distinct error, counting repeats, and clears', () => {
    const e = useErrors();
    e.clear();
    const err = new ApiError('query.run', { code: 'BAD_INPUT', message: 'layer: no layer "x"' });
    e.show(err, 'S1 failed');
    e.show(err, 'S1 failed');
    e.show(new ApiError('query.run', { code: 'BAD_INPUT', message: 'k: too large' }), 'S1 failed');
    expect(e.errors.value).toHaveLength(2);
    expect(e.errors.value[0]).toMatchObject({ title: 'S1 failed', code: 'BAD_INPUT', times: 2 });
    e.clear();
    expect(e.errors.value).toEqual([]);
  });
});
