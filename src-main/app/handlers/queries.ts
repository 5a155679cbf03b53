/** query.*: S1/S2/S3 over a subset (exact or from a sample) and the Table II queries Q1–Q7. */
import type { HandlerModule } from '../context.ts';
import { runNamedQuery, runQuery, type QueryDeps } from '../services/queries.ts';
import { ensureActivations } from '../services/extraction.ts';

/** The handlers over given dependencies (tests pass a fake extraction). */
export function createQueryHandlers(deps: Omit<QueryDeps, 'now'>): HandlerModule {
  return (ctx) => ({
    'query.run': (params) => runQuery(ctx.workspace.requireStore(), params, deps),
    'query.named': (params) => runNamedQuery(ctx.workspace.requireStore(), params, deps),
  });
}

export const queryHandlers: HandlerModule = createQueryHandlers({ ensureActivations });
