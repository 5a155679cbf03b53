/**
 * Explicable-boundary (EB) tree sampling with the Boundary Tree of Mathy, Derbinsky, Bento,
 * Rosenthal & Yedidia ("The Boundary Forest Algorithm for Online Supervised and Unsupervised
 * Learning", AAAI 2015), over the latent space with the model's PREDICTED labels.
 *
 * Items are streamed in a seeded random order. Query(y): start at the root; at node v the
 * candidates are v's children, plus v itself when it has fewer than maxChildren children; move
 * to the candidate nearest to y (Euclidean); stop when v itself is nearest. Train(x, c): if the
 * node found by Query(x) has a label different from c, x becomes a new child of that node.
 * Points therefore enter the tree only where the label changes — near decision boundaries —
 * and the tree's nodes are the sample. Its size is set by the data, not by f.
 */
import { shuffleInPlace } from '../core/rng.ts';
import { makeSampler, sortedMembers, throwIfAborted } from './sampler.ts';

export interface BoundaryTree {
  /** Row index of each node; node 0 is the root. */
  nodes: number[];
  children: number[][];
  depth: number[];
}

/** Distances are checked against the best so far every this many coordinates (early abandon). */
const ABANDON_EVERY = 8;

/**
 * Builds the tree over the rows of x (n × d, Float32 as stored or Float64) streamed in `order`.
 *
 * Speed without changing the result: each node keeps its children's coordinates in ONE contiguous
 * Float64 block (in insertion order), so a query scans a node's candidates with sequential reads
 * instead of gathering rows scattered over the whole latent — at 1M × 84 the latent is 336 MB and
 * the scattered reads missed the caches, which made the build grow ~N^1.5; a distance is
 * abandoned once its partial sum exceeds the best so far (it could no longer win: sums only grow).
 * The sums are accumulated in the same order as a plain loop and candidates are compared in the
 * same order (the node itself, then its children as inserted; strict <), so the tree is the one
 * the plain loop builds. No Float64 copy of the latent is made (Float32 → Float64 is exact).
 */
export function buildBoundaryTree(
  x: Float32Array | Float64Array, d: number, labels: Int32Array, order: Int32Array, maxChildren: number,
  signal?: AbortSignal, onProgress?: (done: number, total: number) => void,
): BoundaryTree {
  const tree: BoundaryTree = { nodes: [order[0]], children: [[]], depth: [0] };
  // Coordinates of every node (append-only, for the "node itself" candidate) and, per node, of its children.
  let nodeVec = new Float64Array(1024 * d);
  nodeVec.set(x.subarray(order[0] * d, order[0] * d + d), 0);
  const kidVec: Float64Array[] = [new Float64Array(0)];
  const q = new Float64Array(d);
  /** ‖vec[o…o+d) − q‖², or a partial sum > bound once it exceeds it. */
  const dist2 = (vec: Float64Array, o: number, bound: number): number => {
    let s = 0, c = 0;
    while (c < d) {
      const end = Math.min(d, c + ABANDON_EVERY);
      for (; c < end; c++) { const t = vec[o + c] - q[c]; s += t * t; }
      if (s > bound) return s;
    }
    return s;
  };
  const n = order.length;
  for (let step = 1; step < n; step++) {
    if ((step & 1023) === 0) { throwIfAborted(signal); onProgress?.(step, n); }
    const y = order[step];
    for (let c = 0; c < d; c++) q[c] = x[y * d + c];
    let v = 0;
    for (;;) {
      const kids = tree.children[v];
      let best = -1, bestD = Infinity;
      if (kids.length < maxChildren) { best = v; bestD = dist2(nodeVec, v * d, Infinity); }
      const block = kidVec[v];
      for (let j = 0; j < kids.length; j++) {
        const dw = dist2(block, j * d, bestD);
        if (dw < bestD) { bestD = dw; best = kids[j]; }
      }
      if (best === v) break;
      v = best;
    }
    if (labels[tree.nodes[v]] !== labels[y]) {
      const id = tree.nodes.length;
      const kids = tree.children[v];
      if ((kids.length + 1) * d > kidVec[v].length) {
        const grown = new Float64Array(Math.max(4, 2 * kids.length) * d);
        grown.set(kidVec[v]);
        kidVec[v] = grown;
      }
      kidVec[v].set(q, kids.length * d);
      if ((id + 1) * d > nodeVec.length) {
        const grown = new Float64Array(2 * nodeVec.length);
        grown.set(nodeVec);
        nodeVec = grown;
      }
      nodeVec.set(q, id * d);
      kids.push(id);
      kidVec.push(new Float64Array(0));
      tree.nodes.push(y);
      tree.children.push([]);
      tree.depth.push(tree.depth[v] + 1);
    }
  }
  onProgress?.(n, n);
  return tree;
}

export const boundaryTreeSampler = makeSampler('boundary-tree', 'Explicable boundary tree', false, false, (input, params, ctx) => {
  const { rows: n, cols: d } = input.latent;
  const maxChildren = params.maxChildren ?? Infinity;
  const order = shuffleInPlace(Int32Array.from({ length: n }, (_, i) => i), ctx.rng);
  const tree = buildBoundaryTree(input.latent.data, d, input.predLabels, order, maxChildren, ctx.signal, ctx.onProgress);
  let maxDepth = 0;
  for (const t of tree.depth) if (t > maxDepth) maxDepth = t;
  return {
    members: sortedMembers(tree.nodes),
    params: { maxChildren: Number.isFinite(maxChildren) ? maxChildren : 'unlimited' },
    diagnostics: { size: tree.nodes.length, depth: maxDepth, rootChildren: tree.children[0].length },
  };
});
