/** model.* and latent.*: import, extraction, confusion matrix, latent-space projection. */
import type { HandlerModule } from '../context.ts';
import { importModel } from '../services/model-import.ts';
import { extract } from '../services/extraction.ts';
import { confusion } from '../services/confusion.ts';
import { latentProjection } from '../services/latent.ts';

export const modelHandlers: HandlerModule = (ctx) => ({
  'model.import': (params) => {
    const store = ctx.workspace.requireStore();
    const jobId = ctx.jobs.start('model.import', `Import model ${params.name}`, async (job) => {
      job.progress(0, 1, `reading ${params.path}`);
      const r = await importModel(store, params);
      job.progress(1, 1);
      return r;
    });
    return { jobId };
  },
  'model.extract': (params) => {
    const store = ctx.workspace.requireStore();
    const jobId = ctx.jobs.start('model.extract', `Extract ${params.model}${params.checkpoint ? ` @ ${params.checkpoint}` : ''}${params.sample ? ` (sample ${params.sample})` : ''}${params.cluster ? ` on Dask ${params.cluster}` : ''}`, (job) =>
      extract(store, { ...params, layers: params.layers }, { signal: job.signal, onProgress: (p) => job.progress(p.done, p.total, p.message) }),
    );
    return { jobId };
  },
  'model.confusion': ({ model, checkpoint }) => confusion(ctx.workspace.requireStore(), model, checkpoint),
  'latent.projection': (params) => latentProjection(ctx.workspace.requireStore(), params),
});
