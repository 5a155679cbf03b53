/**
 * 2-D projections of the latent vectors for the latent-space view: PCA (exact, fast, the
 * default) and UMAP (umap-js, seeded; slower, so it reports progress, can be cancelled, and
 * yields to the event loop between epochs).
 */
import { UMAP } from 'umap-js';
import type { Matrix } from '../core/matrix.ts';
import { createRng } from '../core/rng.ts';
import { MarginError, badInput } from '../shared/errors.ts';
import { pcaScores, toF64 } from '../samplers/linalg.ts';

export interface Projection2D {
  x: Float64Array;
  y: Float64Array;
}

function check(m: Matrix): void {
  if (m.rows < 3) throw badInput(`latent projection needs at least 3 items, got ${m.rows}`);
  if (m.cols < 2) throw badInput(`latent projection needs at least 2 latent dimensions, got ${m.cols}`);
  for (let i = 0; i < m.data.length; i++) {
    if (!Number.isFinite(m.data[i])) throw badInput(`latent vector of row ${Math.floor(i / m.cols)} holds ${m.data[i]}: re-extract the checkpoint`);
  }
}

export function pcaProjection(m: Matrix): Projection2D {
  check(m);
  const { scores } = pcaScores(toF64(m), m.rows, m.cols, 2);
  const x = new Float64Array(m.rows), y = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    x[i] = scores[2 * i];
    y[i] = scores[2 * i + 1];
  }
  return { x, y };
}

export async function umapProjection(
  m: Matrix,
  opts: { seed: number; nNeighbors?: number; minDist?: number; nEpochs?: number; onProgress?: (epoch: number, total: number) => void; signal?: AbortSignal },
): Promise<Projection2D> {
  check(m);
  const rng = createRng(opts.seed);
  const nEpochs = opts.nEpochs ?? 200;
  const umap = new UMAP({ nComponents: 2, nNeighbors: Math.min(opts.nNeighbors ?? 15, m.rows - 1), minDist: opts.minDist ?? 0.1, nEpochs, random: () => rng.next() });
  const rows: number[][] = new Array(m.rows);
  for (let i = 0; i < m.rows; i++) rows[i] = Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols));
  const embedding = await umap.fitAsync(rows, (epoch) => {
    opts.onProgress?.(epoch, nEpochs);
    if (opts.signal?.aborted) return false; // umap-js stops when the callback returns false
    return true;
  });
  if (opts.signal?.aborted) throw new MarginError('CANCELLED', 'UMAP projection cancelled');
  const x = new Float64Array(m.rows), y = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    x[i] = embedding[i][0];
    y[i] = embedding[i][1];
  }
  return { x, y };
}
