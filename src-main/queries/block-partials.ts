/**
 * Partials of an exact answer that arrive from cluster tasks in any order (and possibly twice):
 * each carries its block's position in the subset's scan, so the workstation adds them in scan
 * order whatever order they came in — the arithmetic of subsetAggregates, bit for bit.
 */
import { badInput } from '../shared/errors.ts';
import { SUM_BLOCK, combineSubsetPartials, type SubsetAggregates, type SubsetParts, type SubsetPartial } from './aggregates.ts';

/** A block's partial and its place: block b covers scan positions [b·SUM_BLOCK, (b+1)·SUM_BLOCK). */
export interface BlockPartial extends SubsetPartial {
  block: number;
}

/**
 * Sorts the partials by block, drops a block delivered twice (a retried task gives the same
 * numbers; differing copies are refused), refuses a missing block or a block that is not whole
 * (all but the last must hold SUM_BLOCK rows, else the blocking differs from the local scan),
 * and adds them up with combineSubsetPartials. `rows`, when given, is the subset's size.
 */
export function combineBlockPartials(partials: readonly BlockPartial[], parts: SubsetParts = { max: true, argmax: true }, rows?: number): SubsetAggregates {
  if (!Array.isArray(partials) || partials.length === 0) throw badInput('partials is empty: the aggregate of an empty subset is undefined; check the subset filter');
  const byBlock = new Map<number, BlockPartial>();
  for (const p of partials) {
    if (!Number.isInteger(p.block) || p.block < 0) throw badInput(`a partial has block ${p.block}: blocks are numbered 0, 1, … in scan order`);
    const seen = byBlock.get(p.block);
    if (!seen) byBlock.set(p.block, p);
    else if (!samePartial(seen, p)) throw badInput(`block ${p.block} was delivered twice with different numbers: the activation files changed during the answer; ask again`);
  }
  const ordered = [...byBlock.values()].sort((a, b) => a.block - b.block);
  ordered.forEach((p, i) => {
    if (p.block !== i) throw badInput(`block ${i} of the subset's scan is missing (got blocks ${ordered.map((q) => q.block).join(', ')})`);
    if (i < ordered.length - 1 && p.count !== SUM_BLOCK) throw badInput(`block ${i} holds ${p.count} rows, not ${SUM_BLOCK}: only the last block may be shorter`);
  });
  const total = ordered.reduce((s, p) => s + p.count, 0);
  if (rows !== undefined && total !== rows) throw badInput(`the partials cover ${total} rows but the subset has ${rows}`);
  return combineSubsetPartials(ordered, parts);
}

function samePartial(a: SubsetPartial, b: SubsetPartial): boolean {
  const eq = (x: ArrayLike<number> | null, y: ArrayLike<number> | null) =>
    x === y || (x !== null && y !== null && x.length === y.length && Array.prototype.every.call(x, (v: number, i: number) => Object.is(v, y[i])));
  return a.count === b.count && eq(a.sums, b.sums) && eq(a.maxes, b.maxes) && eq(a.argmaxCounts, b.argmaxCounts);
}

/**
 * Shares of an answer that are not SubsetPartials (Q4's moments and pair sums, Q6's counts),
 * keyed by their block: returns one per block 0 … blocks−1, in order. A block delivered twice
 * counts once (`same` must hold for the copies, else refused); a missing or unknown block is refused.
 */
export function orderedBlocks<T extends { block: number }>(shares: readonly T[], blocks: number, same: (a: T, b: T) => boolean, what: string): T[] {
  const byBlock = new Map<number, T>();
  for (const s of shares) {
    if (!Number.isInteger(s.block) || s.block < 0 || s.block >= blocks) throw badInput(`${what}: a share has block ${s.block}, outside 0…${blocks - 1}`);
    const seen = byBlock.get(s.block);
    if (!seen) byBlock.set(s.block, s);
    else if (!same(seen, s)) throw badInput(`${what}: block ${s.block} was delivered twice with different numbers: the activation files changed during the answer; ask again`);
  }
  const out: T[] = [];
  for (let b = 0; b < blocks; b++) {
    const s = byBlock.get(b);
    if (!s) throw badInput(`${what}: block ${b} of ${blocks} is missing`);
    out.push(s);
  }
  return out;
}
