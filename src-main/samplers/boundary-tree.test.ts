import { describe, it, expect } from 'vitest';
import { createRng } from '../core/rng.ts';
import { boundaryTreeSampler, buildBoundaryTree } from './boundary-tree.ts';
import type { SamplerInput } from './types.ts';

/** 2-D uniform square, predicted label = sign of x; the boundary is the line x = 0. */
function square(n: number, seed: number): SamplerInput {
  const rng = createRng(seed);
  const data = new Float32Array(n * 2);
  const lab = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    data[2 * i] = rng.next() * 2 - 1;
    data[2 * i + 1] = rng.next() * 2 - 1;
    lab[i] = data[2 * i] > 0 ? 1 : 0;
  }
  return { latent: { rows: n, cols: 2, data }, trueLabels: lab, predLabels: lab, numClasses: 2 };
}

describe('boundary tree', () => {
  const input = square(4000, 9);
  it('keeps points near the decision boundary and few far from it', () => {
    const r = boundaryTreeSampler.run(input, { fraction: 0.5, seed: 1 }, { rng: createRng(1) });
    const xs = Array.from(r.members, (i) => Math.abs(input.latent.data[2 * i]));
    const near = xs.filter((x) => x < 0.1).length;
    // Without the root, every node was added because its nearest node had the other label.
    expect(r.members.length).toBeLessThan(400);
    expect(near / xs.length).toBeGreaterThan(0.6); // 10 % of the area holds most nodes
    expect(xs.filter((x) => x > 0.5).length).toBeLessThanOrEqual(3);
  });
  it('its size does not depend on f, and maxChildren bounds the fan-out', () => {
    const a = boundaryTreeSampler.run(input, { fraction: 0.1, seed: 1 }, { rng: createRng(1) });
    const b = boundaryTreeSampler.run(input, { fraction: 0.9, seed: 1 }, { rng: createRng(1) });
    expect(a.members.length).toBe(b.members.length);
    const c = boundaryTreeSampler.run(input, { fraction: 0.1, seed: 1, maxChildren: 2 }, { rng: createRng(1) });
    expect(c.diagnostics.rootChildren).toBeLessThanOrEqual(2);
    expect(c.params.maxChildren).toBe(2);
  });
});

/** The plain build: distances over the rows as stored, full sums, candidates self then children. */
function plainTree(x: Float32Array, d: number, labels: Int32Array, order: Int32Array, maxChildren: number) {
  const nodes = [order[0]], children: number[][] = [[]];
  const dist2 = (a: number, b: number) => { let s = 0; for (let c = 0; c < d; c++) { const t = x[a * d + c] - x[b * d + c]; s += t * t; } return s; };
  for (let step = 1; step < order.length; step++) {
    const y = order[step];
    let v = 0;
    for (;;) {
      let best = -1, bestD = Infinity;
      if (children[v].length < maxChildren) { best = v; bestD = dist2(nodes[v], y); }
      for (const w of children[v]) { const dw = dist2(nodes[w], y); if (dw < bestD) { bestD = dw; best = w; } }
      if (best === v) break;
      v = best;
    }
    if (labels[nodes[v]] !== labels[y]) { children[v].push(nodes.length); nodes.push(y); children.push([]); }
  }
  return { nodes, children };
}

describe('buildBoundaryTree (contiguous child blocks, early abandon)', () => {
  it('builds exactly the plain tree, duplicates and a fan-out cap included', () => {
    const rng = createRng(4);
    const n = 3000, d = 21;
    const x = new Float32Array(n * d), labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const src = i % 10 === 9 ? i - 1 : i; // every tenth row duplicates the previous one
      for (let c = 0; c < d; c++) x[i * d + c] = src === i ? Math.round(rng.normal() * 4) / 4 : x[src * d + c];
      labels[i] = x[i * d] + 0.5 * x[i * d + 1] > 0 ? 1 : (x[i * d + 2] > 0.5 ? 2 : 0);
    }
    const order = Int32Array.from({ length: n }, (_, i) => (i * 7919) % n);
    for (const cap of [Infinity, 3]) {
      const t = buildBoundaryTree(x, d, labels, order, cap);
      const p = plainTree(x, d, labels, order, cap);
      expect(t.nodes).toEqual(p.nodes);
      expect(t.children).toEqual(p.children);
    }
  });
});
