/** Progress reporting and cancellation for a run of known length. */
import { MarginError } from '../shared/errors.ts';
import type { ResolvedOptions } from './types.ts';

export class Progress {
  private done = 0;
  constructor(private readonly experiment: string, private readonly total: number, private readonly opts: ResolvedOptions) {
    this.check();
    opts.onProgress?.(0, total, `${experiment}: starting`);
  }

  /** Throws MarginError CANCELLED once the signal is aborted. */
  check(): void {
    if (this.opts.signal?.aborted) throw new MarginError('CANCELLED', `experiment ${this.experiment} was cancelled`);
  }

  step(message: string): void {
    this.done++;
    this.opts.onProgress?.(this.done, this.total, `${this.experiment}: ${message}`);
    this.check();
  }
}
