import type { Command } from '../command.ts';
import { SEED_RANGE, requireOption, numberOption } from '../command.ts';
import { withProject } from '../project.ts';
import { importIntoProject, type DatasetFormat } from '../../app/services/datasets.ts';
import { MarginError } from '../../shared/errors.ts';

const FORMATS: DatasetFormat[] = ['idx', 'digits-csv', 'npy', 'folder'];

export const importDataCommand: Command = {
  name: 'import-data',
  summary: 'Import a data set: IDX (MNIST family), UCI digits CSV, NPY images + labels, or a folder per class',
  usage:
    'margin import-data --project DIR --name NAME --format idx|digits-csv|npy|folder --path PATH [--labels FILE] [--class-names fashion-mnist|digits|a,b,…] [--test-fraction F] [--seed S]',
  options: {
    project: { type: 'string' }, name: { type: 'string' }, format: { type: 'string' }, path: { type: 'string' },
    labels: { type: 'string' }, 'class-names': { type: 'string' }, 'test-fraction': { type: 'string' }, seed: { type: 'string' },
  },
  async run({ values }) {
    const name = requireOption(values, 'name', this.usage);
    const format = requireOption(values, 'format', this.usage) as DatasetFormat;
    if (!FORMATS.includes(format)) throw new MarginError('BAD_REQUEST', `--format must be one of ${FORMATS.join(', ')}, got ${format}`);
    const path = requireOption(values, 'path', this.usage);
    const cn = values['class-names'];
    const classNames = typeof cn === 'string' ? (cn === 'fashion-mnist' || cn === 'digits' ? cn : cn.split(',').map((s) => s.trim())) : undefined;
    const testFraction = numberOption(values, 'test-fraction', { min: 0, minExclusive: true, max: 1, maxExclusive: true });
    const seed = numberOption(values, 'seed', SEED_RANGE);
    return withProject(values, this.usage, async (store) => {
      const t0 = performance.now();
      const r = await importIntoProject(store, {
        name, format, path, labels: typeof values.labels === 'string' ? values.labels : undefined, classNames,
        testFraction, seed,
      });
      const splits = Object.entries(r.splits).map(([s, n]) => `${s} ${n.toLocaleString()}`).join(', ');
      console.log(`Imported data set "${name}": ${r.items.toLocaleString()} items (${splits}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      return 0;
    });
  },
};
