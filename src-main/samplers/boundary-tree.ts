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
import { toF64 } from './linalg.ts';
import { makeSampler, sortedMembers, throwIfAborted } from './sampler.ts';

export interface BoundaryTree {
  /** Row index of each node; node 0 is the root. */
  nodes: number[];
  children: number[][];
  depth: number[];
}

export function buildBoundaryTree(
  x: Float64Array, d: number, labels: Int32Array, order: Int32Array, maxChildren: number,
  signal?: AbortSignal, onProgress?: (done: number, total: number) => void,
): BoundaryTree {
  const tree: BoundaryTree = { nodes: [order[0]], children: [[]], depth: [0] };
  const dist2 = (a: number, b: number): number => {
    const oa = a * d, ob = b * d;
    let s = 0;
    for (let c = 0; c < d; c++) { const t = x[oa + c] - x[ob + c]; s += t * t; }
    return s;
  };
  const n = order.length;
  for (let step = 1; step < n; step++) {
    if ((step & 1023) === 0) { throwIfAborted(signal); onProgress?.(step, n); }
    const y = order[step];
    let v = 0;
    for (;;) {
      const kids = tree.children[v];
      let best = -1, bestD = Infinity;
      if (kids.length < maxChildren) { best = v; bestD = dist2(tree.nodes[v], y); }
      for (const w of kids) {
        const dw = dist2(tree.nodes[w], y);
        if (dw < bestD) { bestD = dw; best = w; }
      }
      if (best === v) break;
      v = best;
    }
    if (labels[tree.nodes[v]] !== labels[y]) {
      tree.children[v].push(tree.nodes.length);
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
  const tree = buildBoundaryTree(toF64(input.latent), d, input.predLabels, order, maxChildren, ctx.signal, ctx.onProgress);
  let maxDepth = 0;
  for (const t of tree.depth) if (t > maxDepth) maxDepth = t;
  return {
    members: sortedMembers(tree.nodes),
    params: { maxChildren: Number.isFinite(maxChildren) ? maxChildren : 'unlimited' },
    diagnostics: { size: tree.nodes.length, depth: maxDepth, rootChildren: tree.children[0].length },
  };
});
