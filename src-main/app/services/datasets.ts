/**
 * Data sets in a project: import from files (one transaction, nothing half-imported) and item
 * views (thumbnails are encoded on demand from the stored pixels, so importing 60,000 images
 * does not spend a minute on PNGs nobody looks at).
 */
import { importDataset, encodeThumbnailPng, type ImportOptions, type ClassNamesOption } from '../../datasets/index.ts';
import { getDataset, getSplit, insertDataset, listDatasets } from '../../store/datasets.ts';
import type { Store } from '../../store/project.ts';
import { badInput, MarginError } from '../../shared/errors.ts';
import { splitImported } from '../../datasets/split-dataset.ts';
import { queryRows } from '../../store/db.ts';

export type DatasetFormat = 'idx' | 'digits-csv' | 'npy' | 'folder';

export interface ImportRequest {
  name: string;
  format: DatasetFormat;
  /** A folder (idx, folder) or a file (digits-csv, npy images). */
  path: string;
  /** npy: the labels file. */
  labels?: string;
  classNames?: 'fashion-mnist' | 'digits' | string[];
  /**
   * Hold out this fraction of each class as split 'test' (stratified, seeded): the digits CSV
   * importer does it itself; data that comes as one split (folder, npy) is cut after import;
   * data with its own splits (idx train + test) is refused.
   */
  testFraction?: number;
  seed?: number;
}

export function toImportOptions(r: ImportRequest): ImportOptions {
  const classNames = r.classNames as ClassNamesOption | undefined;
  switch (r.format) {
    case 'idx':
      return { format: 'idx', dir: r.path, classNames };
    case 'digits-csv':
      return { format: 'digits-csv', file: r.path, classNames, testFraction: r.testFraction, seed: r.seed };
    case 'npy':
      if (!r.labels) throw badInput('labels: an npy import needs the labels file (.npy or text, one label per line) next to the images file');
      return { format: 'npy', splits: { test: { images: r.path, labels: r.labels } }, classNames };
    case 'folder':
      if (r.classNames !== undefined) throw badInput('classNames: a folder import names its classes after its sub-folders; leave the class names out');
      return { format: 'folder', dir: r.path };
    default:
      throw badInput(`format: unknown data-set format ${JSON.stringify(r.format)}; use idx, digits-csv, npy or folder`);
  }
}

export async function importIntoProject(store: Store, r: ImportRequest): Promise<{ datasetId: number; items: number; splits: Record<string, number> }> {
  const existing = await listDatasets(store);
  if (existing.some((d) => d.name === r.name)) {
    throw new MarginError('CONFLICT', `a data set named "${r.name}" exists already in this project: choose another name`);
  }
  const opts = toImportOptions(r);
  const imported = await importDataset(opts);
  const ds = r.testFraction !== undefined && opts.format !== 'digits-csv' ? splitImported(imported, r.testFraction, r.seed ?? 0) : imported;
  const datasetId = await insertDataset(store, r.name, ds, null);
  const splits = Object.fromEntries(ds.splits.map((s) => [s.split, s.labels.length]));
  return { datasetId, items: ds.splits.reduce((a, s) => a + s.labels.length, 0), splits };
}

export interface ItemPixels {
  itemId: number;
  label: number;
  split: string;
  pixels: Uint8Array | Float32Array;
}

/** Thumbnails (PNG bytes) and labels of items, in the order asked. */
export async function itemThumbnails(store: Store, datasetName: string, itemIds: number[], size = 56): Promise<Array<{ itemId: number; label: number; png: Buffer }>> {
  const ds = await getDataset(store, datasetName);
  if (itemIds.length === 0) return [];
  const rows = await queryRows(store.conn, `SELECT item_id, split, split_index, label FROM items WHERE dataset_id = $1 AND item_id IN (${itemIds.map((i) => Number(i) | 0).join(',')})`, [ds.id]);
  const byId = new Map(rows.map((r) => [Number(r.item_id), r]));
  const per = ds.height * ds.width * ds.channels;
  const out: Array<{ itemId: number; label: number; png: Buffer }> = [];
  for (const id of itemIds) {
    const r = byId.get(id);
    if (!r) throw new MarginError('NOT_FOUND', `item ${id} is not in data set "${datasetName}"`);
    const split = await getSplit(store, ds.id, String(r.split));
    const idx = Number(r.split_index);
    const px = split.pixels.subarray(idx * per, (idx + 1) * per);
    out.push({ itemId: id, label: Number(r.label), png: encodeThumbnailPng(px, ds.height, ds.width, ds.channels, ds.pixelScale, size) });
  }
  return out;
}
