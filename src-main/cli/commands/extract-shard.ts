import type { Command } from '../command.ts';
import { numberOption, requireOption } from '../command.ts';

/** Run by a Dask task on a cluster worker (src-main/cluster/); not something to type by hand. */
export const extractShardCommand: Command = {
  name: 'extract-shard',
  summary: 'Cluster worker side of `extract --cluster`: compute one shard of a job on shared storage',
  usage: 'margin extract-shard --job SHARED/KEY/job.json --shard N',
  options: { job: { type: 'string' }, shard: { type: 'string' } },
  async run({ values }) {
    const job = requireOption(values, 'job', this.usage);
    const shard = numberOption(values, 'shard');
    if (shard === undefined) requireOption(values, 'shard', this.usage);
    const { exitWithParent, runExtractShard } = await import('../../cluster/shard-worker.ts');
    exitWithParent();
    const r = await runExtractShard(job, shard!);
    console.log(JSON.stringify(r));
    return 0;
  },
};
