/**
 * `margin` commands on a project the workbench has open (its DuckDB file is locked by the
 * workbench, and DuckDB allows no second process, not even read-only, beside a writer): read
 * commands send their request to the running workbench (app/workbench-record.ts says where), and
 * writing commands say what to do instead of "locked by another process".
 */
import path from 'node:path';
import { MarginError } from '../shared/errors.ts';
import type { ErrorPayload } from '../shared/errors.ts';
import type { ParamsIn, ProjectInfo, RequestName, Result } from '../shared/api.ts';
import { readWorkbenchRecord, type WorkbenchRecord } from '../app/workbench-record.ts';

/** A request to the workbench, typed by the contract. */
export type WorkbenchCall = <N extends RequestName>(name: N, params: ParamsIn<N>) => Promise<Result<N>>;

/** Is this the store's "locked by another process" refusal? */
export function isLockConflict(err: unknown): boolean {
  return err instanceof MarginError && err.code === 'CONFLICT' && /is locked by another process/.test(err.message);
}

export function workbenchCall(rec: WorkbenchRecord, fetchImpl: typeof fetch = fetch): WorkbenchCall {
  return async (name, params) => {
    let res: Response;
    try {
      res = await fetchImpl(`${rec.origin}/api/${name}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${rec.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(params),
      });
    } catch (err) {
      throw new MarginError('CONFLICT', `the project ${rec.project} is open in a Margin workbench (PID ${rec.pid}) at ${rec.origin}, which did not answer (${(err as Error).message}): is it still running? Stop it, then retry`);
    }
    let reply: { ok: boolean; result?: unknown; error?: ErrorPayload };
    try {
      reply = (await res.json()) as typeof reply;
    } catch {
      throw new MarginError('INTERNAL', `the workbench at ${rec.origin} answered ${name} with HTTP ${res.status} and no API reply`);
    }
    if (!reply.ok) throw new MarginError(reply.error?.code ?? 'INTERNAL', reply.error?.message ?? `${name} failed in the workbench`, reply.error?.details);
    return reply.result as Result<typeof name>;
  };
}

/**
 * The workbench holding `projectDir`, with a call that first checks the workbench still has this
 * project open (it may have switched since it wrote its record); null when none is recorded.
 */
export async function workbenchFor(projectDir: string, fetchImpl?: typeof fetch): Promise<{ rec: WorkbenchRecord; call: WorkbenchCall } | null> {
  const rec = readWorkbenchRecord(projectDir);
  if (!rec) return null;
  const call = workbenchCall(rec, fetchImpl);
  const app = await call('app.info', {});
  if (!app.project || path.resolve(app.project.dir) !== path.resolve(projectDir)) return null;
  return { rec, call };
}

/** Where the workbench does what each writing command does. */
export const IN_WORKBENCH: Record<string, string> = {
  train: 'Model view → Train a model',
  'import-data': 'Projects → Import a data set',
  'import-model': 'Projects → Import a model',
  extract: 'Model view → Extract activations',
  sample: 'Samplers view',
  evaluate: 'Samplers view → the paper\'s experiments',
  report: 'Reports view',
  saliency: 'Queries view → a neuron\'s drill-down',
};

/** What a writing command says while the workbench has the project open. */
export function writeRefusal(rec: WorkbenchRecord, command: string, inWorkbench: string): MarginError {
  return new MarginError('CONFLICT',
    `the project ${rec.project} is open in the Margin workbench (PID ${rec.pid}, ${rec.origin}), which holds its store: ` +
    `margin ${command} writes to the project, so it cannot run beside the workbench. Do it in the workbench (${inWorkbench}), ` +
    'or close the project there (open another project, or stop margin serve) and run the command again. ' +
    'Read commands (margin info, samples, query, export) work meanwhile: they go through the workbench.',
    { workbench: { pid: rec.pid, origin: rec.origin }, command });
}

export type { ProjectInfo };
