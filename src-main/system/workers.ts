/**
 * How many worker threads a job may start: what the user asked for, at most the cores this
 * machine offers (os.availableParallelism()). More workers than cores only add memory and
 * contention, and `--workers 1000` would start a thousand engines. The clamp is said, not silent.
 */
import os from 'node:os';
import { badInput } from '../shared/errors.ts';

export function clampWorkers(requested: number | undefined, available: number = os.availableParallelism()): { workers: number | undefined; note: string | null } {
  if (requested === undefined) return { workers: undefined, note: null };
  if (!Number.isInteger(requested) || requested < 0) {
    throw badInput(`workers must be a whole number from 0 (run in this thread) to ${available} (the cores available), got ${requested}`);
  }
  if (requested <= available) return { workers: requested, note: null };
  return { workers: available, note: `workers: ${requested} asked for, ${available} used (the cores available on this machine)` };
}
