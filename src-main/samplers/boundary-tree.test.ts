import { describe, it, expect } from 'vitest';
import { createRng } from '../core/rng.ts';
import { boundaryTreeSampler } from './boundary-tree.ts';
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
