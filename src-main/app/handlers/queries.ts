/**
 * query.*: S1/S2/S3 over a subset (exact or from a sample), the Table II queries Q1–Q7, and an
 * exact answer computed on a Dask cluster as a job (query.cluster).
 */
import type { HandlerModule } from '../context.ts';
import { runNamedQuery, runQuery, type QueryDeps } from '../services/queries.ts';
import { ensureActivations } from '../services/extraction.ts';
import { clusterExactAggregates } from '../../cluster/exact.ts';
import { clusterExactNamed } from '../../cluster/exact-named.ts';
import { withClusterSession } from '../../cluster/session.ts';

/** The handlers over given dependencies (tests pass a fake extraction). */
export function createQueryHandlers(deps: Omit<QueryDeps, 'now'>): HandlerModule {
  return (ctx) => ({
    'query.run': (params) => runQuery(ctx.workspace.requireStore(), params, deps),
    'query.named': (params) => runNamedQuery(ctx.workspace.requireStore(), params, deps),
    'query.cluster': (params) => {
      const store = ctx.workspace.requireStore();
      const what = params.run
        ? `${params.run.set} on ${params.run.layer} of ${params.run.model}`
        : `${params.named!.query}${params.named!.layer ? ` on ${params.named!.layer}` : ''} of ${params.named!.model}`;
      // One cluster for the whole job (Q4 makes two Dask runs): `local:N` starts once, shut down when the job ends.
      const jobId = ctx.jobs.start('query.cluster', `Exact ${what} on Dask ${params.cluster}`, (job) => withClusterSession(params.cluster, async (session) => {
        job.progress(0, 1, `starting the Dask client for ${params.cluster}`);
        const options = {
          cluster: params.cluster, session, shardSize: params.shardSize, signal: job.signal,
          onProgress: (done: number, total: number) => job.progress(done, total, `tasks ${done}/${total} on ${params.cluster}`),
        };
        const d: QueryDeps = { ...deps, signal: job.signal, exactAggregates: clusterExactAggregates(options), exactNamed: clusterExactNamed(options) };
        return params.run ? runQuery(store, params.run, d) : runNamedQuery(store, params.named!, d);
      }, { onStarted: (s, seconds) => job.progress(0, 1, `a local Dask cluster of ${s.workers} worker(s) at ${s.scheduler}, started in ${seconds.toFixed(1)} s`) }));
      return { jobId };
    },
  });
}

export const queryHandlers: HandlerModule = createQueryHandlers({ ensureActivations });
