import type { Command } from '../command.ts';
import { numberOption, requireOption } from '../command.ts';
import { MarginError } from '../../shared/errors.ts';

const list = (v: unknown): string[] | undefined => (typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter(Boolean) : undefined);

/**
 * What goes in the report (issue 15.9), from the flags: --answers 3,7 (saved answer ids; 'none';
 * default the pinned ones), --samples a,b ('none'; default all), --compare-checkpoints A,B (two
 * checkpoints of --model; B − A and the flipped items), --thumbnails N (per subset, 0–32).
 */
export function reportSelection(values: Record<string, unknown>, model: string): { answers?: number[]; samples?: string[]; comparisons?: Array<{ a: { model: string; checkpoint: string }; b: { model: string; checkpoint: string } }>; thumbnails?: number } {
  const out: ReturnType<typeof reportSelection> = {};
  const answers = list(values.answers);
  if (answers) {
    out.answers = answers.length === 1 && answers[0] === 'none' ? [] : answers.map((a) => {
      const n = Number(a);
      if (!Number.isInteger(n) || n < 1) throw new MarginError('BAD_REQUEST', `--answers must be saved answer ids (integers ≥ 1, comma-separated) or none, got ${JSON.stringify(a)}`);
      return n;
    });
  }
  const samples = list(values.samples);
  if (samples) out.samples = samples.length === 1 && samples[0] === 'none' ? [] : samples;
  const cks = list(values['compare-checkpoints']);
  if (cks) {
    if (cks.length !== 2) throw new MarginError('BAD_REQUEST', `--compare-checkpoints must name two checkpoints of --model, e.g. epoch-1,epoch-5; got ${JSON.stringify(values['compare-checkpoints'])}`);
    out.comparisons = [{ a: { model, checkpoint: cks[0] }, b: { model, checkpoint: cks[1] } }];
  }
  const t = numberOption(values, 'thumbnails', { integer: true, min: 0, max: 32 });
  if (t !== undefined) out.thumbnails = t;
  return out;
}
import { progressPrinter, withProject } from '../project.ts';

export const reportCommand: Command = {
  name: 'report',
  summary: 'Export the diagnosis of a model (optionally compared with another) as HTML + CSV, and PDF',
  usage: 'margin report --project DIR --model NAME [--checkpoint C] [--compare NAME2] [--answers IDS|none] [--samples NAMES|none] [--compare-checkpoints A,B] [--thumbnails N] --out report.html [--pdf report.pdf] [--force] [--json]',
  options: {
    project: { type: 'string' }, model: { type: 'string' }, checkpoint: { type: 'string' }, compare: { type: 'string' },
    answers: { type: 'string' }, samples: { type: 'string' }, 'compare-checkpoints': { type: 'string' }, thumbnails: { type: 'string' },
    out: { type: 'string' }, pdf: { type: 'string' }, force: { type: 'boolean' }, json: { type: 'boolean' },
  },
  async run({ values }) {
    const model = requireOption(values, 'model', this.usage);
    const out = requireOption(values, 'out', this.usage);
    const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
    const chosen = reportSelection(values, model);
    const { exportReport } = await import('../../app/services/report.ts');
    // Writable: a comparison may compute the activations Q7 needs for its items (lazily, as queries do).
    return withProject(values, this.usage, async (store) => {
      const progress = progressPrinter('report');
      const r = await exportReport(store, { model, checkpoint: str('checkpoint'), compare: str('compare'), ...chosen, out, pdf: str('pdf'), overwrite: values.force === true }, {
        forceHint: '--force',
        onProgress: (done, total, message) => progress(done, total, message),
      });
      if (values.json) {
        console.log(JSON.stringify(r, null, 2));
        return 0;
      }
      console.log(`HTML  ${r.html}`);
      if (r.pdf) console.log(`PDF   ${r.pdf} (${r.pages} page${r.pages === 1 ? '' : 's'})`);
      for (const c of r.csv) console.log(`CSV   ${c}`);
      console.log(`${r.bytes.toLocaleString('en-US')} bytes in ${1 + r.csv.length + (r.pdf ? 1 : 0)} files`);
      return 0;
    });
  },
};
