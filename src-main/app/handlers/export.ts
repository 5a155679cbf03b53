/** project.export: `margin export`'s files, written by the workbench that has the project open. */
import path from 'node:path';
import type { HandlerModule } from '../context.ts';
import { exportFromProject } from '../services/project-export.ts';
import { badInput } from '../../shared/errors.ts';

export const exportHandlers: HandlerModule = (ctx) => ({
  'project.export': async (params) => {
    const store = ctx.workspace.requireStore();
    // The caller's working folder is not the workbench's: a relative path would land elsewhere.
    if (!path.isAbsolute(params.out)) throw badInput(`out: give an absolute path (got ${JSON.stringify(params.out)}); the workbench does not know the caller's working folder`);
    return exportFromProject(store, { ...params, forceHint: 'overwrite: true (margin export --force)' });
  },
});
