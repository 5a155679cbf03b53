/**
 * `margin export`: a checkpoint's predictions, latent vectors or a layer's activations, or a
 * model's samples, as Parquet / CSV (DuckDB's COPY … TO) or .npy (matrices only) — the store's
 * exportData, with the checks a user needs first (what exists, what fits which format).
 */
import path from 'node:path';
import type { Command } from '../command.ts';
import { requireOption } from '../command.ts';
import { withProject } from '../project.ts';

export { EXPORT_WHATS, EXPORT_FORMATS, exportFromProject } from '../../app/services/project-export.ts';
export type { ExportRequest, ExportOutcome } from '../../app/services/project-export.ts';
import type { ExportRequest } from '../../app/services/project-export.ts';
import { exportFromProject } from '../../app/services/project-export.ts';

export const exportCommand: Command = {
  name: 'export',
  summary: 'Export predictions, latent vectors, a layer\'s activations or samples as Parquet, CSV or .npy',
  usage: 'margin export --project DIR --model NAME [--checkpoint C] --what predictions|latent|activations|samples [--layer L] [--sample NAME] [--format parquet|csv|npy] --out PATH [--force] [--json]',
  options: {
    project: { type: 'string' }, model: { type: 'string' }, checkpoint: { type: 'string' }, what: { type: 'string' }, layer: { type: 'string' },
    sample: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean' }, json: { type: 'boolean' },
  },
  async run({ values }) {
    const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
    const req: ExportRequest = {
      model: requireOption(values, 'model', this.usage),
      what: requireOption(values, 'what', this.usage),
      out: requireOption(values, 'out', this.usage),
      checkpoint: str('checkpoint'), layer: str('layer'), sample: str('sample'), format: str('format'),
      overwrite: values.force === true,
    };
    return withProject(values, this.usage, async (store) => {
      const r = await exportFromProject(store, req);
      if (values.json) console.log(JSON.stringify(r, null, 2));
      else {
        for (const f of r.files) console.log(f);
        console.log(`${r.model} @ ${r.checkpoint}: ${r.rows.toLocaleString()} rows of ${r.what} as ${r.format}`);
      }
      return 0;
    }, {
      // writable: exporting activations stages them in a temporary DuckDB table; while the
      // workbench holds the project, the workbench writes the file (the same checks, the same safe path)
      viaWorkbench: async (call) => {
        const r = await call('project.export', { ...req, what: req.what as 'predictions', format: req.format as 'csv' | undefined, out: path.resolve(req.out), overwrite: req.overwrite === true });
        if (values.json) console.log(JSON.stringify(r, null, 2));
        else {
          for (const f of r.files) console.log(f);
          console.log(`${r.model} @ ${r.checkpoint}: ${r.rows.toLocaleString()} rows of ${r.what} as ${r.format} (written by the workbench)`);
        }
        return 0;
      },
    });
  },
};
