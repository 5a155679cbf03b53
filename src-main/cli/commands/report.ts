import type { Command } from '../command.ts';
import { requireOption } from '../command.ts';
import { progressPrinter, withProject } from '../project.ts';

export const reportCommand: Command = {
  name: 'report',
  summary: 'Export the diagnosis of a model (optionally compared with another) as HTML + CSV, and PDF',
  usage: 'margin report --project DIR --model NAME [--checkpoint C] [--compare NAME2] --out report.html [--pdf report.pdf] [--force] [--json]',
  options: {
    project: { type: 'string' }, model: { type: 'string' }, checkpoint: { type: 'string' }, compare: { type: 'string' },
    out: { type: 'string' }, pdf: { type: 'string' }, force: { type: 'boolean' }, json: { type: 'boolean' },
  },
  async run({ values }) {
    const model = requireOption(values, 'model', this.usage);
    const out = requireOption(values, 'out', this.usage);
    const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
    const { exportReport } = await import('../../app/services/report.ts');
    // Writable: a comparison may compute the activations Q7 needs for its items (lazily, as queries do).
    return withProject(values, this.usage, async (store) => {
      const progress = progressPrinter('report');
      const r = await exportReport(store, { model, checkpoint: str('checkpoint'), compare: str('compare'), out, pdf: str('pdf'), overwrite: values.force === true }, {
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
