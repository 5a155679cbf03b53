/** Class-name lists and the checks that tie labels to them. */
import { badInput } from '../shared/errors.ts';

/** Fashion-MNIST's ten classes, in label order (Xiao, Rasul & Vollgraf 2017). */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];

/** '0' … '9'. */
export const DIGIT_CLASSES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/**
 * Most classes a data set may have (ImageNet-21k has 21,841). Bounds the class names made up
 * from the largest label, so one stray label of 2e9 is an error, not 2e9 names.
 */
export const MAX_CLASSES = 100_000;

/** How a caller names the classes: an explicit list or a known preset. */
export type ClassNamesOption = string[] | 'digits' | 'fashion-mnist';

/**
 * The class names for an option. Without an option, `fallbackCount` numbered names '0', '1', ….
 * A list must be non-empty, of non-empty distinct strings.
 */
export function resolveClassNames(option: ClassNamesOption | undefined, fallbackCount: number): string[] {
  if (option === undefined && fallbackCount > MAX_CLASSES) throw badInput(`${fallbackCount} classes are more than the ${MAX_CLASSES.toLocaleString('en-US')} a data set may have; pass classNames or fix the labels.`);
  if (option === undefined) return Array.from({ length: fallbackCount }, (_, i) => String(i));
  if (option === 'digits') return [...DIGIT_CLASSES];
  if (option === 'fashion-mnist') return [...FASHION_MNIST_CLASSES];
  if (!Array.isArray(option)) {
    throw badInput(`classNames must be an array of strings, 'digits' or 'fashion-mnist', got ${JSON.stringify(option)}.`);
  }
  if (option.length === 0) throw badInput('classNames is empty: give one name per class, in label order.');
  if (option.length > MAX_CLASSES) throw badInput(`classNames lists ${option.length} names, more than the ${MAX_CLASSES.toLocaleString('en-US')} classes a data set may have.`);
  const seen = new Set<string>();
  option.forEach((name, i) => {
    if (typeof name !== 'string' || name.trim() === '') {
      throw badInput(`classNames[${i}] must be a non-empty string, got ${JSON.stringify(name)}.`);
    }
    if (seen.has(name)) throw badInput(`classNames[${i}] repeats the name "${name}": class names must be distinct.`);
    seen.add(name);
  });
  return [...option];
}

/**
 * Throws BAD_INPUT naming `file` and the first item whose label is negative or has no class
 * name. `itemName(i)` says how to call item i in the message (e.g. "item 17", "line 18").
 */
export function checkLabelRange(
  labels: Int32Array,
  classCount: number,
  file: string,
  itemName: (i: number) => string = (i) => `item ${i}`,
): void {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y < 0 || y >= classCount) {
      throw badInput(
        `${file}: label ${y} of ${itemName(i)} is outside 0…${classCount - 1} (${classCount} class names). ` +
          'Pass classNames with one name per class, or fix the labels.',
      );
    }
  }
}

/**
 * Without class names, the class count is inferred from the largest label. Throws BAD_INPUT
 * naming `file` and the item when a label would make more than MAX_CLASSES classes.
 */
export function checkInferredClassCount(labels: Int32Array, file: string, itemName: (i: number) => string = (i) => `item ${i}`): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= MAX_CLASSES) {
      throw badInput(
        `${file}: label ${labels[i]} of ${itemName(i)} would mean ${labels[i] + 1} classes, more than the ${MAX_CLASSES.toLocaleString('en-US')} a data set may have. ` +
          'Labels are class indices 0…K−1: fix the labels, or pass classNames with one name per class.',
      );
    }
  }
}

/** The largest label, or -1 for none. */
export function maxLabel(labels: Int32Array): number {
  let m = -1;
  for (let i = 0; i < labels.length; i++) if (labels[i] > m) m = labels[i];
  return m;
}
