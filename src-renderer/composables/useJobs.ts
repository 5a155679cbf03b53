import { computed, reactive, type ComputedRef } from 'vue';
import type { ErrorPayload } from '../../src-main/shared/errors.ts';
import type { JobSummary } from '../../src-main/shared/api.ts';
import { ApiError, getClient } from '../api/client.ts';
import { call } from './useApi.ts';
import { useErrors } from './useErrors.ts';

/** A job as the jobs panel shows it: the contract's summary plus what its events stream in. */
export interface JobView extends Omit<JobSummary, 'startedAt'> {
  itemsPerSecond: number | null;
  etaSeconds: number | null;
  message?: string;
  error?: ErrorPayload;
  result?: unknown;
}

const jobs = reactive(new Map<string, JobView>());
const waiters = new Map<string, Array<{ resolve: (r: unknown) => void; reject: (e: unknown) => void }>>();
let subscribed = false;

function settle(jobId: string, ok: boolean, value: unknown) {
  for (const w of waiters.get(jobId) ?? []) (ok ? w.resolve : w.reject)(value);
  waiters.delete(jobId);
}

function subscribe() {
  if (subscribed) return;
  subscribed = true;
  getClient().onEvent(({ event, payload }) => {
    const p = payload as { jobId?: string };
    if (!p.jobId) return;
    const job = jobs.get(p.jobId) ?? { jobId: p.jobId, kind: '', title: '', state: 'running', done: 0, total: 0, itemsPerSecond: null, etaSeconds: null };
    if (event === 'job.started' || event === 'job.progress') Object.assign(job, payload);
    if (event === 'job.finished') {
      job.state = 'done';
      job.result = (payload as { result: unknown }).result;
      if (job.total > 0) job.done = job.total;
      settle(job.jobId, true, job.result);
    }
    if (event === 'job.failed') {
      job.state = 'failed';
      job.error = (payload as { error: ErrorPayload }).error;
      useErrors().show(new ApiError(job.kind || 'job', job.error), `${job.title || 'Job'} failed`);
      settle(job.jobId, false, new ApiError(job.kind, job.error));
    }
    if (event === 'job.cancelled') {
      job.state = 'cancelled';
      settle(job.jobId, false, new ApiError(job.kind, { code: 'CANCELLED', message: `${job.title} was cancelled` }));
    }
    jobs.set(job.jobId, job);
  });
}

/** Jobs streamed from the main process: progress, items/s, ETA, cancel, and a promise per job. */
export function useJobs(): {
  list: ComputedRef<JobView[]>;
  running: ComputedRef<JobView[]>;
  cancel: (jobId: string) => Promise<void>;
  wait: (jobId: string) => Promise<unknown>;
  dismissFinished: () => void;
} {
  subscribe();
  return {
    list: computed(() => [...jobs.values()].reverse()),
    running: computed(() => [...jobs.values()].filter((j) => j.state === 'running')),
    async cancel(jobId) {
      await call('jobs.cancel', { jobId }, 'Cancel failed');
    },
    wait(jobId) {
      const j = jobs.get(jobId);
      if (j && j.state === 'done') return Promise.resolve(j.result);
      if (j && j.state !== 'running') return Promise.reject(new ApiError(j.kind, j.error ?? { code: 'CANCELLED', message: `${j.title} ${j.state}` }));
      return new Promise((resolve, reject) => {
        const list = waiters.get(jobId) ?? [];
        list.push({ resolve, reject });
        waiters.set(jobId, list);
      });
    },
    dismissFinished() {
      for (const [id, j] of jobs) if (j.state !== 'running') jobs.delete(id);
    },
  };
}

/** Starts a job-returning request and waits for the job's result; null on failure (shown in the banner). */
export async function runJob<R>(start: () => Promise<{ jobId: string } | null>): Promise<R | null> {
  const ref = await start();
  if (!ref) return null;
  try {
    return (await useJobs().wait(ref.jobId)) as R;
  } catch {
    return null;
  }
}
