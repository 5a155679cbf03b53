import type { Command } from '../command.ts';
import { requireOption } from '../command.ts';

/** Run by a Dask task on a cluster worker (`margin query --cluster`); not something to type by hand. */
export const exactShardCommand: Command = {
  name: 'exact-shard',
  summary: 'Cluster worker side of `query --cluster`: one task\'s partial sums of an exact answer',
  usage: 'margin exact-shard --task SHARED/…/task-N.json --out SHARED/…/partials-N.json',
  options: { task: { type: 'string' }, out: { type: 'string' } },
  async run({ values }) {
    const task = requireOption(values, 'task', this.usage);
    const out = requireOption(values, 'out', this.usage);
    const { exitWithParent, runExactShard } = await import('../../cluster/shard-worker.ts');
    exitWithParent();
    await runExactShard(task, out);
    return 0;
  },
};
