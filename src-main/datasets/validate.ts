/**
 * The last check every importer runs before returning: the invariants the store relies on.
 * The importers report problems with file-specific messages first; this guard makes sure no
 * inconsistent data set leaves the module whatever the path taken.
 */
import { badInput } from '../shared/errors.ts';
import type { ImportedDataset } from './types.ts';

export function validateDataset(ds: ImportedDataset, origin: string): ImportedDataset {
  const { height, width, channels, pixelScale } = ds;
  for (const [name, v] of [['height', height], ['width', width], ['channels', channels]] as const) {
    if (!Number.isInteger(v) || v < 1) throw badInput(`${origin}: image ${name} must be a positive integer, got ${v}.`);
  }
  if (!(pixelScale > 0) || !Number.isFinite(pixelScale)) {
    throw badInput(`${origin}: pixelScale must be a positive finite number, got ${pixelScale}.`);
  }
  if (ds.classNames.length === 0) throw badInput(`${origin}: the data set has no classes.`);
  if (ds.splits.length === 0) throw badInput(`${origin}: the data set has no splits.`);
  const itemSize = height * width * channels;
  const names = new Set<string>();
  let total = 0;
  for (const s of ds.splits) {
    if (names.has(s.split)) throw badInput(`${origin}: split "${s.split}" appears twice.`);
    names.add(s.split);
    const n = s.labels.length;
    if (s.pixels.length !== n * itemSize) {
      throw badInput(`${origin}: split "${s.split}" has ${s.pixels.length} pixel values, expected ${n} items × ${height}×${width}×${channels} = ${n * itemSize}.`);
    }
    if (s.sources.length !== n) {
      throw badInput(`${origin}: split "${s.split}" has ${s.sources.length} sources for ${n} items.`);
    }
    for (let i = 0; i < n; i++) {
      const y = s.labels[i];
      if (y < 0 || y >= ds.classNames.length) {
        throw badInput(`${origin}: split "${s.split}" item ${i} has label ${y}, outside 0…${ds.classNames.length - 1}.`);
      }
    }
    if (s.pixels instanceof Float32Array) {
      const p = s.pixels;
      for (let k = 0; k < p.length; k++) {
        if (!Number.isFinite(p[k])) {
          throw badInput(`${origin}: split "${s.split}" item ${Math.floor(k / itemSize)} has a non-finite pixel value (${p[k]}). Clean the data (e.g. np.nan_to_num) and import again.`);
        }
      }
    }
    total += n;
  }
  if (total === 0) throw badInput(`${origin}: the data set is empty (0 items). Give files that hold at least one image.`);
  return ds;
}
