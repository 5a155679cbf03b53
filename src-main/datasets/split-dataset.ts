/**
 * A held-out test split for data that comes as one split (an image folder, NPY images + labels):
 * the one split is cut into 'train' and 'test' with the stratified, seeded split of
 * train-test-split.ts, the same cut the UCI digits importer makes. Data that already comes with
 * several splits (IDX train + test) is refused: it has its split.
 */
import { badInput } from '../shared/errors.ts';
import { createRng } from '../core/rng.ts';
import { stratifiedSplit } from './train-test-split.ts';
import type { ImportedDataset, ImportedSplit } from './types.ts';

function take(s: ImportedSplit, idx: Int32Array, name: string, per: number): ImportedSplit {
  const Pixels = s.pixels instanceof Float32Array ? Float32Array : Uint8Array;
  const pixels = new Pixels(idx.length * per);
  const labels = new Int32Array(idx.length);
  const sources: string[] = new Array(idx.length);
  idx.forEach((i, k) => {
    pixels.set(s.pixels.subarray(i * per, (i + 1) * per), k * per);
    labels[k] = s.labels[i];
    sources[k] = s.sources[i];
  });
  return { split: name, pixels, labels, sources };
}

export function splitImported(ds: ImportedDataset, testFraction: number, seed = 0): ImportedDataset {
  if (!(testFraction > 0 && testFraction < 1)) throw badInput(`testFraction must be a number in (0, 1), got ${testFraction}; leave it out to keep the data's own splits.`);
  if (!(Number.isInteger(seed) && seed >= 0 && seed <= 2 ** 31 - 1)) throw badInput(`seed must be an integer in 0…${2 ** 31 - 1}, got ${seed}.`);
  if (ds.splits.length !== 1) {
    throw badInput(`testFraction: this ${ds.format} data comes with its own splits (${ds.splits.map((s) => s.split).join(', ')}); leave the test fraction out to keep them.`);
  }
  const only = ds.splits[0];
  const n = only.labels.length;
  const { train, test } = stratifiedSplit(only.labels, testFraction, createRng(seed));
  if (train.length === 0 || test.length === 0) {
    throw badInput(`testFraction ${testFraction} of ${n} items leaves an empty ${train.length === 0 ? 'train' : 'test'} split; choose a fraction nearer 0.5 or import more items.`);
  }
  const per = ds.height * ds.width * ds.channels;
  return { ...ds, splits: [take(only, train, 'train', per), take(only, test, 'test', per)] };
}
