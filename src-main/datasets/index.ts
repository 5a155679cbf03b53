/**
 * The data-set importers behind one entry point. Each returns a complete, validated
 * ImportedDataset or throws MarginError('BAD_INPUT') naming the file and the problem.
 */
import { badInput } from '../shared/errors.ts';
import { importDigitsCsv, type DigitsCsvImportOptions } from './digits-csv.ts';
import { importFolder, type FolderImportOptions } from './folder.ts';
import { importIdx, type IdxImportOptions } from './idx.ts';
import { importNpy, type NpyImportOptions } from './npy.ts';
import type { ImportedDataset } from './types.ts';

export type ImportOptions = IdxImportOptions | DigitsCsvImportOptions | NpyImportOptions | FolderImportOptions;

export type { ImportedDataset, ImportedSplit } from './types.ts';
export type { IdxImportOptions, IdxSplitFiles } from './idx.ts';
export type { DigitsCsvImportOptions } from './digits-csv.ts';
export type { NpyImportOptions, NpySplitFiles } from './npy.ts';
export type { FolderImportOptions } from './folder.ts';
export type { ClassNamesOption } from './class-names.ts';
export type { HeatmapOptions } from './thumbnail.ts';
export type { ColorMapName } from './colormap.ts';
export { FASHION_MNIST_CLASSES, DIGIT_CLASSES } from './class-names.ts';
export { encodeThumbnailPng, encodeItemThumbnailPng, encodeHeatmapPng } from './thumbnail.ts';
export { validateDataset } from './validate.ts';

export async function importDataset(opts: ImportOptions): Promise<ImportedDataset> {
  if (opts === null || typeof opts !== 'object') throw badInput('importDataset: options must be an object with a `format`.');
  switch (opts.format) {
    case 'idx': return importIdx(opts);
    case 'digits-csv': return importDigitsCsv(opts);
    case 'npy': return importNpy(opts);
    case 'folder': return importFolder(opts);
    default:
      throw badInput(`importDataset: unknown format ${JSON.stringify((opts as { format?: unknown }).format)}; use 'idx', 'digits-csv', 'npy' or 'folder'.`);
  }
}
