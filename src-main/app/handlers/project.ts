/** project.* and dataset.*: open/create projects, import data sets, item thumbnails. */
import type { HandlerModule } from '../context.ts';
import { buildProjectInfo } from '../services/project-info.ts';
import { importIntoProject, itemThumbnails } from '../services/datasets.ts';
import { getPredictions } from '../../store/predictions.ts';
import { resolveCheckpoint } from '../services/models.ts';
import { buildDemo, defaultDemoDir } from '../services/demo.ts';

export const projectHandlers: HandlerModule = (ctx) => {
  const info = async () => {
    const store = ctx.workspace.requireStore();
    return buildProjectInfo(store, ctx.workspace.summary()?.isDemo ?? false);
  };
  return {
    'project.open': async ({ dir, cancelJobs }) => {
      const { cancelledJobs } = await ctx.workspace.open(dir, { cancelJobs });
      return { ...(await info()), cancelledJobs };
    },
    'project.create': async ({ dir, name, cancelJobs }) => {
      const { cancelledJobs } = await ctx.workspace.create(dir, name, { cancelJobs });
      return { ...(await info()), cancelledJobs };
    },
    'project.info': info,
    'project.openDemo': ({ cancelJobs }) => {
      const dir = defaultDemoDir();
      ctx.workspace.checkJobs({ cancelJobs }); // refused at once, before the job starts, while others run
      const jobId = ctx.jobs.start('project.openDemo', 'Open the demo project', async (job) => {
        // DuckDB allows one writer: release the open project (it may be the demo), its jobs ended first
        const cancelledJobs = await ctx.workspace.close({ cancelJobs, exceptJob: jobId });
        if (cancelledJobs.length > 0) job.progress(0, 1, `cancelled ${cancelledJobs.map((j) => `"${j.title}"`).join(', ')} to switch projects`);
        const store = await buildDemo(dir, { signal: job.signal, onProgress: (p) => job.progress(p.done, p.total, p.step) });
        await store.close();
        await ctx.workspace.open(dir, { isDemo: true, cancelJobs, exceptJob: jobId });
        return { ...ctx.workspace.summary(), cancelledJobs };
      });
      return { jobId };
    },
    'dataset.import': (params) => {
      const store = ctx.workspace.requireStore();
      const jobId = ctx.jobs.start('dataset.import', `Import data set ${params.name}`, async (job) => {
        job.progress(0, 1, `reading ${params.path}`);
        const r = await importIntoProject(store, params);
        job.progress(1, 1);
        return r;
      });
      return { jobId };
    },
    'dataset.items': async ({ dataset, items, model, checkpoint }) => {
      const store = ctx.workspace.requireStore();
      const thumbs = await itemThumbnails(store, dataset, items);
      let pred: Map<number, { predicted: number; confidence: number }> | null = null;
      if (model) {
        const { checkpoint: cp } = await resolveCheckpoint(store, model, checkpoint);
        const p = await getPredictions(store, cp.id);
        pred = new Map();
        const want = new Set(items);
        for (let i = 0; i < p.itemIds.length; i++) if (want.has(p.itemIds[i])) pred.set(p.itemIds[i], { predicted: p.predicted[i], confidence: p.confidence[i] });
      }
      return thumbs.map((t) => ({
        itemId: t.itemId,
        trueLabel: t.label,
        predicted: pred?.get(t.itemId)?.predicted ?? null,
        confidence: pred?.get(t.itemId)?.confidence ?? null,
        thumbnail: `data:image/png;base64,${t.png.toString('base64')}`,
      }));
    },
  };
};
