/** model.* and latent.*: import, extraction, confusion matrix, latent-space projection. */
import type { HandlerModule } from '../context.ts';
import { importModel } from '../services/model-import.ts';
import { extract } from '../services/extraction.ts';
import { confusion } from '../services/confusion.ts';
import { latentProjection, latentTsne } from '../services/latent.ts';
import { checkTrainRequest, trainIntoProject } from '../services/training.ts';

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
  'model.train': async (params) => {
    const store = ctx.workspace.requireStore();
    await checkTrainRequest(store, params); // refused as this request's error (e.g. an architecture the images do not fit), not as a failed job
    const name = params.name ?? params.arch;
    const jobId = ctx.jobs.start('model.train', `Train ${name} (${params.arch}) on ${params.data}, ${params.epochs} epoch${params.epochs === 1 ? '' : 's'}`, async (job) => {
      let last = '';
      let at = { done: 0, total: 0 };
      return trainIntoProject(store, { ...params, source: 'workbench' }, {
        signal: job.signal,
        onBatch: (done, total) => {
          at = { done, total };
          job.progress(done, total, last || `epoch 1 of ${params.epochs}`);
        },
        onEpoch: (e) => {
          const val = e.valAccuracy !== undefined ? `, validation accuracy ${(100 * e.valAccuracy).toFixed(1)} %` : '';
          last = `epoch ${e.epoch} of ${params.epochs} done: loss ${e.loss.toFixed(4)}, accuracy ${(100 * e.accuracy).toFixed(1)} %${val} → checkpoint ${e.label}`;
          job.progress(at.done, at.total, last); // the checkpoint is registered: say so now, not at the next batch
        },
      });
    });
    return { jobId };
  },
  'model.confusion': ({ model, checkpoint }) => confusion(ctx.workspace.requireStore(), model, checkpoint),
  'latent.projection': (params) => latentProjection(ctx.workspace.requireStore(), params),
  'latent.tsne': (params) => {
    const store = ctx.workspace.requireStore();
    const jobId = ctx.jobs.start('latent.tsne', `t-SNE of ${params.model}${params.checkpoint ? ` @ ${params.checkpoint}` : ''}`, (job) =>
      latentTsne(store, params, { signal: job.signal, onProgress: (done, total) => job.progress(done, total, `iteration ${done} of ${total}`) }));
    return { jobId };
  },
});
