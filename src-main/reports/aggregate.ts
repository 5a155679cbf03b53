/**
 * Pure reshaping of experiment rows into chart series: group rows by a series key and an x value,
 * averaging the metric over the rows that share both (the seeds of a randomised sampler).
 */

export interface SeriesPoint {
  x: number;
  y: number;
  /** Rows averaged into this point. */
  n: number;
}

export interface Series {
  key: string;
  points: SeriesPoint[];
}

/**
 * Groups `rows` into series (by `seriesKey`), each a list of points sorted by x whose y is the
 * mean of `value` over the rows with that (series, x). Series come in first-seen order.
 */
export function averageSeries<R>(
  rows: readonly R[],
  seriesKey: (r: R) => string,
  x: (r: R) => number,
  value: (r: R) => number,
): Series[] {
  const bySeries = new Map<string, Map<number, { sum: number; n: number }>>();
  for (const r of rows) {
    const key = seriesKey(r);
    let byX = bySeries.get(key);
    if (!byX) bySeries.set(key, (byX = new Map()));
    const xv = x(r);
    const acc = byX.get(xv) ?? { sum: 0, n: 0 };
    acc.sum += value(r);
    acc.n += 1;
    byX.set(xv, acc);
  }
  return [...bySeries].map(([key, byX]) => ({
    key,
    points: [...byX].map(([xv, a]) => ({ x: xv, y: a.sum / a.n, n: a.n })).sort((p, q) => p.x - q.x),
  }));
}

/** Mean of `value` per key, in first-seen order. */
export function averageBy<R>(rows: readonly R[], key: (r: R) => string, value: (r: R) => number): Array<{ key: string; mean: number; n: number }> {
  const acc = new Map<string, { sum: number; n: number }>();
  for (const r of rows) {
    const k = key(r);
    const a = acc.get(k) ?? { sum: 0, n: 0 };
    a.sum += value(r);
    a.n += 1;
    acc.set(k, a);
  }
  return [...acc].map(([k, a]) => ({ key: k, mean: a.sum / a.n, n: a.n }));
}
