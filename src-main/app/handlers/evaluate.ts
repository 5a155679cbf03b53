/** evaluate.*: run the paper's experiments as jobs and list the stored evaluation runs. */
import type { HandlerModule } from '../context.ts';
import { evaluationSummaries, runExperiment } from '../services/evaluate.ts';
import { clusterExactAggregates } from '../../cluster/exact.ts';
import { withClusterSession } from '../../cluster/session.ts';

export const evaluateHandlers: HandlerModule = (ctx) => ({
  'evaluate.start': (params) => {
    const store = ctx.workspace.requireStore();
    const title = `Evaluate ${params.experiment === 'all' ? 'E1–E4 and Table IV' : params.experiment.toUpperCase()} on ${params.model}${params.checkpoint ? ` @ ${params.checkpoint}` : ''}${params.cluster ? ` (exact answers on Dask ${params.cluster})` : ''}`;
    // With a cluster, one for the whole job (a Dask run per main layer): `local:N` starts once and
    // is shut down when the job ends, fails or is cancelled.
    const jobId = ctx.jobs.start('evaluate.start', title, (job) => withClusterSession(params.cluster, (session) =>
      runExperiment(store, params, {
        signal: job.signal,
        onProgress: (d, t, message) => job.progress(d, t, message),
        ...(params.cluster ? { exactAggregates: clusterExactAggregates({ cluster: params.cluster, session, signal: job.signal }) } : {}),
      }),
    ));
    return { jobId };
  },
  'evaluate.list': ({ model }) => evaluationSummaries(ctx.workspace.requireStore(), model),
});
