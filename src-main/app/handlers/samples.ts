/** sample.*: create samples as jobs and list them. */
import type { HandlerModule } from '../context.ts';
import { checkSampleRequest, createSample } from '../services/samples.ts';
import { sampleSummaries } from '../services/project-info.ts';
import { resolveModel } from '../services/models.ts';
import { clearQueryCache } from '../services/queries.ts';
import { deleteSample, renameSample } from '../../store/sample-edit.ts';

export const sampleHandlers: HandlerModule = (ctx) => ({
  'sample.create': async (params) => {
    const store = ctx.workspace.requireStore();
    await checkSampleRequest(store, params); // refused as this request's error, not a failed job
    const jobId = ctx.jobs.start('sample.create', `Sample ${params.method} ${Math.round((params.fraction ?? 0.05) * 1000) / 10} % of ${params.model}`, (job) =>
      createSample(store, params, { signal: job.signal, onProgress: (d, t) => job.progress(d, t) }),
    );
    return { jobId };
  },
  'sample.rename': async ({ model, sample, to }) => {
    const store = ctx.workspace.requireStore();
    const m = await resolveModel(store, model);
    const id = await renameSample(store, m.id, sample, to);
    clearQueryCache(store); // the query service caches samples by name
    return (await sampleSummaries(store, model)).find((s) => s.id === id)!;
  },
  'sample.delete': async ({ model, sample }) => {
    const store = ctx.workspace.requireStore();
    const m = await resolveModel(store, model);
    const r = await deleteSample(store, m.id, sample);
    clearQueryCache(store);
    return { deleted: sample, members: r.members };
  },
  'sample.list': ({ model }) => sampleSummaries(ctx.workspace.requireStore(), model),
});
