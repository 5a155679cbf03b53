import { describe, expect, it } from 'vitest';
import { reportSelection } from './report.ts';

describe('margin report: what goes in (issue 15.9)', () => {
  it('reads answers, samples, a checkpoint comparison and thumbnails', () => {
    expect(reportSelection({ answers: '3, 7', samples: 's1,s2', 'compare-checkpoints': 'epoch-1,epoch-5', thumbnails: '4' }, 'm')).toEqual({
      answers: [3, 7], samples: ['s1', 's2'], thumbnails: 4,
      comparisons: [{ a: { model: 'm', checkpoint: 'epoch-1' }, b: { model: 'm', checkpoint: 'epoch-5' } }],
    });
    expect(reportSelection({ answers: 'none', samples: 'none' }, 'm')).toEqual({ answers: [], samples: [] });
    expect(reportSelection({}, 'm')).toEqual({});
  });
  it('refuses malformed values naming the flag', () => {
    expect(() => reportSelection({ answers: '3,x' }, 'm')).toThrow(/--answers must be saved answer ids .* got "x"/);
    expect(() => reportSelection({ 'compare-checkpoints': 'epoch-1' }, 'm')).toThrow(/--compare-checkpoints must name two checkpoints/);
    expect(() => reportSelection({ thumbnails: '99' }, 'm')).toThrow(/--thumbnails must be an integer from 0 to 32, got 99/);
  });
});
