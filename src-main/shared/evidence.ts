/**
 * How many items an answer needs before it is stated without a warning.
 *
 * Below 30 items an answer is flagged as resting on few items. Why 30: a mean over n items has a
 * standard error of σ/√n, which at n = 30 is 18 % of the spread between items and grows fast
 * below it (32 % at 10, 71 % at 2); 30 is also where Student's t quantile is within 5 % of the
 * normal one (2.045 vs 1.960), i.e. where the usual intervals stop being dominated by the small
 * count itself. A top-K order or a precision from fewer items mostly reflects which items happened
 * to be picked.
 */
export const FEW_ITEMS = 30;

/** A warning for an answer resting on `n` items, or null when n is at least FEW_ITEMS. */
export function fewItemsWarning(n: number): string | null {
  if (n >= FEW_ITEMS) return null;
  if (n === 0) return 'No item is behind this answer.';
  return `Only ${n} item${n === 1 ? '' : 's'} behind this answer (fewer than ${FEW_ITEMS}): the standard error of a mean is σ/√${n} = ${Math.round(100 / Math.sqrt(n))} % of the spread between items, so treat it as anecdotal.`;
}

/**
 * Refusal of a sampling fraction that yields fewer items than the model has classes (a sample
 * that cannot hold one item per class says nothing per class); null when the fraction is fine.
 */
export function fractionTooSmall(fraction: number, items: number, classes: number): string | null {
  const size = Math.round(fraction * items);
  if (size >= classes) return null;
  const min = Math.ceil((classes / items) * 10_000) / 10_000;
  return `fraction: ${+(fraction * 100).toFixed(3)} % of ${items.toLocaleString('en-US')} items is ${size} item${size === 1 ? '' : 's'}, fewer than the model's ${classes} classes: choose at least ${+(min * 100).toFixed(2)} %`;
}
