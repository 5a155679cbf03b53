import { describe, expect, it } from 'vitest';
import { JobManager } from './job-manager.ts';
import type { EventMessage } from '../shared/api.ts';

describe('JobManager', () => {
  it('reports progress with rate and ETA from the injected clock, then the result', async () => {
    let t = 0;
    const jm = new JobManager({ now: () => t, progressIntervalMs: 0 });
    const events: EventMessage[] = [];
    jm.subscribe((m) => events.push(m));
    const id = jm.start('test', 'Counting', async (ctx) => {
      for (let i = 1; i <= 4; i++) { t += 1000; ctx.progress(i * 10, 40); }
      return 'done!';
    });
    await expect(jm.done(id)).resolves.toBe('done!');
    const progress = events.filter((e) => e.event === 'job.progress').map((e) => e.payload as { done: number; itemsPerSecond: number; etaSeconds: number });
    expect(progress).toHaveLength(4);
    expect(progress[0].itemsPerSecond).toBeCloseTo(10);
    expect(progress[0].etaSeconds).toBeCloseTo(3);
    expect(events.at(-1)?.event).toBe('job.finished');
    expect(jm.list()[0].state).toBe('done');
  });

  it('cancels through the signal and reports job.cancelled', async () => {
    const jm = new JobManager();
    const events: string[] = [];
    jm.subscribe((m) => events.push(m.event));
    const id = jm.start('test', 'Waiting', async (ctx) => {
      while (true) {
        await new Promise((r) => setTimeout(r, 5));
        ctx.throwIfCancelled();
      }
    });
    expect(jm.cancel(id)).toBe(true);
    await expect(jm.done(id)).rejects.toThrow(/cancelled/);
    expect(events).toContain('job.cancelled');
    expect(jm.list()[0].state).toBe('cancelled');
    expect(jm.cancel(id)).toBe(false);
  });

  it('reports a failure as a structured error', async () => {
    const jm = new JobManager();
    const events: EventMessage[] = [];
    jm.subscribe((m) => events.push(m));
    const id = jm.start('test', 'Failing', async () => { throw new Error('boom'); });
    await expect(jm.done(id)).rejects.toThrow('boom');
    const failed = events.find((e) => e.event === 'job.failed');
    expect(failed?.payload).toMatchObject({ error: { code: 'INTERNAL', message: 'boom' } });
  });

  it('refuses an unknown job id', () => {
    expect(() => new JobManager().cancel('nope')).toThrow(/no job nope/);
  });
});
