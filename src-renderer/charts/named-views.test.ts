import { describe, expect, it } from 'vitest';
import { namedUnitViews, unitBarsOption, type UnitView } from './named-views.ts';

describe('unitBarsOption', () => {
  it('draws one bar series per group with every unit named under its bars', () => {
    const v = namedUnitViews('Q3', { incorrect: [1, 5], correct: [1, Number.NaN], cosineDistance: 0.1, counts: { incorrect: 3, correct: 4 } }, { classNames: [], layer: { name: 'd', shape: [2] } })!;
    const bars = v[0] as Extract<UnitView, { kind: 'bars' }>;
    const o = unitBarsOption(bars);
    expect((o.xAxis as { data: string[] }).data).toEqual(['d[u=0]']);
    expect((o.series as Array<{ name: string; data: Array<number | null> }>).map((s) => [s.name, s.data])).toEqual([['incorrect', [1]], ['correct', [1]]]);
    expect(o.legend).toBeDefined();
  });
});
