/**
 * Export of a checkpoint's predictions, latent vectors or a layer's activations, or a model's
 * samples, as Parquet / CSV (DuckDB's COPY … TO) or .npy (matrices only) — the store's exportData,
 * with the checks a user needs first (what exists, what fits which format). Used by `margin export`
 * and by the API's project.export (which `margin export` goes through while the workbench has the
 * project open).
 */
import path from 'node:path';
import { MarginError, badInput } from '../../shared/errors.ts';
import type { Store } from '../../store/project.ts';

export const EXPORT_WHATS = ['predictions', 'latent', 'activations', 'samples'] as const;
export const EXPORT_FORMATS = ['parquet', 'csv', 'npy'] as const;

export interface ExportRequest {
  model: string;
  checkpoint?: string;
  what: string;
  layer?: string;
  sample?: string;
  /** Default: from the extension of `out` (.parquet, .csv, .npy). */
  format?: string;
  out: string;
  /** Replace existing files (`--force`). */
  overwrite?: boolean;
  /** How the caller says overwrite, for the refusal (default '--force'). */
  forceHint?: string;
}

export interface ExportOutcome { model: string; checkpoint: string; what: string; format: string; files: string[]; rows: number }

/** Validates the request against the project and writes the file(s). */
export async function exportFromProject(store: Store, r: ExportRequest): Promise<ExportOutcome> {
  const what = r.what as (typeof EXPORT_WHATS)[number];
  if (!EXPORT_WHATS.includes(what)) throw badInput(`what: must be one of ${EXPORT_WHATS.join(', ')}, got ${JSON.stringify(r.what)}`);
  if (typeof r.out !== 'string' || r.out.trim() === '') throw badInput('out: give the path of the file to write');
  const ext = path.extname(r.out).slice(1).toLowerCase();
  const format = (r.format ?? ext) as (typeof EXPORT_FORMATS)[number];
  if (!EXPORT_FORMATS.includes(format)) {
    throw badInput(r.format === undefined
      ? `format: cannot tell the format from ${JSON.stringify(r.out)}; pass --format parquet, csv or npy (or name the file .parquet, .csv or .npy)`
      : `format: must be parquet, csv or npy, got ${JSON.stringify(r.format)}`);
  }
  if (format === 'npy' && (what === 'predictions' || what === 'samples')) {
    throw badInput(`format: ${what} are a table (ids, labels, flags, lists), not a matrix; export them as parquet or csv (npy is for latent and activations)`);
  }
  if (r.layer !== undefined && what !== 'activations') throw badInput(`layer: --layer applies to --what activations, not ${what}`);
  if (r.sample !== undefined && what !== 'samples') throw badInput(`sample: --sample applies to --what samples, not ${what}`);

  // The output path is checked before anything is computed or stored (the per-item scores below
  // write to the store): a refused path leaves the project exactly as it was.
  const { checkOutput } = await import('../../store/safe-output.ts');
  await checkOutput(path.resolve(r.out), { overwrite: r.overwrite === true, forceHint: r.forceHint ?? '--force', projects: [store.dir] });
  const { resolveCheckpoint } = await import('../../app/services/models.ts');
  const { resolveLayers, mainLayers } = await import('../../app/services/layers.ts');
  const { extractedItems, exportData, getLatent, listSamples } = await import('../../store/index.ts');
  const { queryOne } = await import('../../store/db.ts');
  const { model, checkpoint } = await resolveCheckpoint(store, r.model, r.checkpoint);
  const where = `checkpoint ${checkpoint.label} of "${model.name}"`;
  const hint = `margin extract --project ${store.dir} --model ${JSON.stringify(model.name)} --checkpoint ${checkpoint.label}`;

  let layer: string | undefined;
  let sampleId: number | undefined;
  if (what === 'activations') {
    if (!r.layer) throw badInput(`layer: --layer is required to export activations; choose one of ${mainLayers(model.layers).join(', ')} (or any layer of the model)`);
    [layer] = resolveLayers(model.layers, [r.layer]);
    if ((await extractedItems(store, checkpoint.id, layer)).length === 0) {
      throw new MarginError('NOT_FOUND', `activations of layer ${layer} are not extracted for ${where}: run ${hint} --layers ${layer} first`);
    }
  } else if (what === 'predictions' || what === 'latent') {
    const n = what === 'predictions'
      ? Number((await queryOne(store.conn, 'SELECT count(*) AS n FROM predictions WHERE checkpoint_id = $1', [checkpoint.id]))?.n ?? 0)
      : (await getLatent(store, checkpoint.id)).rows;
    if (n === 0) throw new MarginError('NOT_FOUND', `${where} has no ${what === 'latent' ? 'latent vectors' : 'predictions'} yet: run ${hint} first`);
    if (what === 'predictions' && !store.readOnly) {
      // The per-item scores export with the predictions: computed (once, then stored) if missing.
      const { checkpointItemScores } = await import('../../app/services/item-scores.ts');
      await checkpointItemScores(store, checkpoint.id, model.numClasses, checkpoint.label);
    }
  } else {
    const samples = await listSamples(store, model.id);
    if (r.sample !== undefined) {
      const s = samples.find((x) => x.name === r.sample);
      if (!s) throw new MarginError('NOT_FOUND', `sample: model "${model.name}" has no sample "${r.sample}"${samples.length ? `; choose one of ${samples.map((x) => x.name).join(', ')}` : ''}`);
      sampleId = s.id;
    } else if (samples.length === 0) {
      throw new MarginError('NOT_FOUND', `model "${model.name}" has no samples to export: create one with margin sample`);
    }
  }
  const out = path.resolve(r.out);
  const res = await exportData(store, { what, checkpointId: checkpoint.id, layer, sampleId, format, out, overwrite: r.overwrite === true, forceHint: r.forceHint ?? '--force' });
  return { model: model.name, checkpoint: checkpoint.label, what, format, files: res.files, rows: res.rows };
}

