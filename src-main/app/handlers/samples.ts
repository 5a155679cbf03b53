/** sample.*: create samples as jobs and list them. */
import type { HandlerModule } from '../context.ts';
import { checkSampleRequest, createSample } from '../services/samples.ts';
import { sampleSummaries } from '../services/project-info.ts';

export const sampleHandlers: HandlerModule = (ctx) => ({
  'sample.create': async (params) => {
    const store = ctx.workspace.requireStore();
    await checkSampleRequest(store, params); // refused as this request's error, not a failed job
    const jobId = ctx.jobs.start('sample.create', `Sample ${params.method} ${Math.round((params.fraction ?? 0.05) * 1000) / 10} % of ${params.model}`, (job) =>
      createSample(store, params, { signal: job.signal, onProgress: (d, t) => job.progress(d, t) }),
    );
    return { jobId };
  },
  'sample.list': ({ model }) => sampleSummaries(ctx.workspace.requireStore(), model),
});
