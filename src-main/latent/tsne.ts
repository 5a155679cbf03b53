/**
 * Barnes-Hut t-SNE (van der Maaten 2014, "Accelerating t-SNE using tree-based algorithms"), the
 * latent view's third projection. Pure math, no I/O: the caller runs it in a worker thread.
 *
 *  1. Input affinities on the k = ⌊3·perplexity⌋ nearest neighbours (exact, brute force on at
 *     most 30 PCA dimensions): a binary search per point sets the Gaussian's precision so the
 *     conditional distribution's perplexity 2^H is the one asked; P = (P_j|i + P_i|j) / 2n.
 *  2. Gradient descent on KL(P‖Q) with the Student-t kernel: attraction over P's sparse entries,
 *     repulsion estimated with a quadtree (a cell of width w at distance d stands for its points
 *     when w/d < θ), normalised by the estimated Z = Σ_{k≠l} (1 + |y_k − y_l|²)⁻¹.
 *  3. The usual schedule: early exaggeration 12 for the first 250 iterations (a third when fewer),
 *     momentum 0.5 then 0.8, per-coordinate gains (+0.2 / ×0.8, floor 0.01), learning rate
 *     max(200, n / 12) (Belkina et al. 2019), initialised from PCA scaled to std 1e-4 (so the
 *     output is deterministic and keeps the global layout; Kobak & Linderman 2021).
 */
import { pcaScores } from '../samplers/linalg.ts';
import { badInput } from '../shared/errors.ts';

export interface TsneOptions {
  perplexity?: number;
  iterations?: number;
  theta?: number;
  /** Called every `progressEvery` iterations; return false to stop early (the embedding so far is returned). */
  onProgress?: (iteration: number, total: number) => boolean | void;
  progressEvery?: number;
}

/** Sparse symmetric joint probabilities in CSR form (rows sum to the row's share; all sum to 1). */
export interface SparseP {
  n: number;
  rowPtr: Int32Array;
  cols: Int32Array;
  vals: Float64Array;
}

const MAX_INPUT_DIMS = 30;

/**
 * The k nearest neighbours of every row (squared Euclidean distances, ascending), brute force;
 * each pair's distance is computed once and offered to both rows' bounded max-heaps.
 */
export function nearestNeighbours(x: Float64Array, n: number, d: number, k: number): { idx: Int32Array; dist2: Float64Array } {
  const hd = new Float64Array(n * k);
  const hi = new Int32Array(n * k);
  const size = new Int32Array(n);
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += x[i * d + c] * x[i * d + c];
    norms[i] = s;
  }
  const offer = (i: number, j: number, dd: number) => {
    const o = i * k;
    const sz = size[i];
    if (sz < k) {
      let p = sz;
      size[i] = sz + 1;
      while (p > 0) {
        const parent = (p - 1) >> 1;
        if (hd[o + parent] >= dd) break;
        hd[o + p] = hd[o + parent]; hi[o + p] = hi[o + parent]; p = parent;
      }
      hd[o + p] = dd; hi[o + p] = j;
    } else if (dd < hd[o]) {
      let p = 0;
      for (;;) {
        const l = 2 * p + 1;
        if (l >= k) break;
        const r = l + 1;
        const m = r < k && hd[o + r] > hd[o + l] ? r : l;
        if (hd[o + m] <= dd) break;
        hd[o + p] = hd[o + m]; hi[o + p] = hi[o + m]; p = m;
      }
      hd[o + p] = dd; hi[o + p] = j;
    }
  };
  for (let i = 0; i < n; i++) {
    const oi = i * d;
    for (let j = i + 1; j < n; j++) {
      const oj = j * d;
      let dot = 0;
      for (let c = 0; c < d; c++) dot += x[oi + c] * x[oj + c];
      const dd = Math.max(0, norms[i] + norms[j] - 2 * dot);
      if (size[i] < k || dd < hd[i * k]) offer(i, j, dd);
      if (size[j] < k || dd < hd[j * k]) offer(j, i, dd);
    }
  }
  // each heap's content ascending (ties by index)
  const idx = new Int32Array(n * k);
  const dist2 = new Float64Array(n * k);
  const order = Array.from({ length: k }, (_, t) => t);
  for (let i = 0; i < n; i++) {
    const o = i * k;
    order.sort((a, b) => hd[o + a] - hd[o + b] || hi[o + a] - hi[o + b]);
    for (let t = 0; t < k; t++) {
      idx[o + t] = hi[o + order[t]];
      dist2[o + t] = hd[o + order[t]];
    }
    for (let t = 0; t < k; t++) order[t] = t;
  }
  return { idx, dist2 };
}

/**
 * Conditional probabilities p_j|i over one point's neighbours (squared distances `d2`), with the
 * precision β found by bisection so that the entropy is ln(perplexity). Writes into `out`.
 */
export function conditionalRow(d2: Float64Array, perplexity: number, out: Float64Array): number {
  const k = d2.length;
  const target = Math.log(perplexity);
  let beta = 1;
  let lo = -Infinity;
  let hi = Infinity;
  const dmin = d2.reduce((a, b) => Math.min(a, b), Infinity); // shift for stability
  for (let iter = 0; iter < 200; iter++) {
    let sum = 0;
    let sumDP = 0;
    for (let t = 0; t < k; t++) {
      const p = Math.exp(-beta * (d2[t] - dmin));
      out[t] = p;
      sum += p;
      sumDP += (d2[t] - dmin) * p;
    }
    const h = Math.log(sum) + (beta * sumDP) / sum;
    for (let t = 0; t < k; t++) out[t] /= sum;
    const diff = h - target;
    if (Math.abs(diff) < 1e-7) break;
    if (diff > 0) {
      lo = beta;
      beta = hi === Infinity ? beta * 2 : (beta + hi) / 2;
    } else {
      hi = beta;
      beta = lo === -Infinity ? beta / 2 : (beta + lo) / 2;
    }
  }
  return beta;
}

/** Joint P from the k-NN graph: P_ij = (p_j|i + p_i|j) / 2n, symmetric, summing to 1. */
export function jointProbabilities(idx: Int32Array, dist2: Float64Array, n: number, k: number, perplexity: number): SparseP {
  const cond = new Float64Array(n * k);
  const row = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    conditionalRow(dist2.subarray(i * k, (i + 1) * k), perplexity, row);
    cond.set(row, i * k);
  }
  // Each entry (i, j, v) also as (j, i, v); duplicates merged per row.
  const counts = new Int32Array(n);
  for (let i = 0; i < n; i++) for (let t = 0; t < k; t++) { counts[i]++; counts[idx[i * k + t]]++; }
  const start = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) start[i + 1] = start[i] + counts[i];
  const fill = start.slice(0, n);
  const c = new Int32Array(start[n]);
  const v = new Float64Array(start[n]);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const j = idx[i * k + t];
      const p = cond[i * k + t];
      c[fill[i]] = j; v[fill[i]++] = p;
      c[fill[j]] = i; v[fill[j]++] = p;
    }
  }
  const rowPtr = new Int32Array(n + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i < n; i++) {
    const ord = Array.from({ length: start[i + 1] - start[i] }, (_, t) => start[i] + t).sort((a, b) => c[a] - c[b]);
    let last = -1;
    for (const e of ord) {
      if (c[e] === last) vals[vals.length - 1] += v[e];
      else { cols.push(c[e]); vals.push(v[e]); last = c[e]; }
    }
    rowPtr[i + 1] = cols.length;
  }
  const out = new Float64Array(vals);
  for (let e = 0; e < out.length; e++) out[e] /= 2 * n;
  return { n, rowPtr, cols: Int32Array.from(cols), vals: out };
}

/** A quadtree over 2-D points in flat arrays (rebuilt every iteration). */
class QuadTree {
  // per node: centre of mass, point count, cell centre and half-width, first child (-1 = leaf), point (leaf)
  cmx: Float64Array; cmy: Float64Array; count: Int32Array; cx: Float64Array; cy: Float64Array; hw: Float64Array; child: Int32Array; point: Int32Array;
  size = 0;
  constructor(private y: Float64Array, private n: number) {
    const cap = 4 * n + 16;
    this.cmx = new Float64Array(cap); this.cmy = new Float64Array(cap); this.count = new Int32Array(cap);
    this.cx = new Float64Array(cap); this.cy = new Float64Array(cap); this.hw = new Float64Array(cap);
    this.child = new Int32Array(cap); this.point = new Int32Array(cap);
    let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      minX = Math.min(minX, y[2 * i]); maxX = Math.max(maxX, y[2 * i]);
      minY = Math.min(minY, y[2 * i + 1]); maxY = Math.max(maxY, y[2 * i + 1]);
    }
    const half = Math.max(maxX - minX, maxY - minY) / 2 + 1e-5;
    this.node((minX + maxX) / 2, (minY + maxY) / 2, half);
    for (let i = 0; i < n; i++) this.insert(i);
  }
  private node(cx: number, cy: number, hw: number): number {
    if (this.size >= this.cx.length) this.grow();
    const s = this.size++;
    this.cx[s] = cx; this.cy[s] = cy; this.hw[s] = hw; this.child[s] = -1; this.point[s] = -1; this.count[s] = 0; this.cmx[s] = 0; this.cmy[s] = 0;
    return s;
  }
  private grow() {
    const cap = this.cx.length * 2;
    const g = <T extends Float64Array | Int32Array>(a: T): T => { const b = new (a.constructor as new (n: number) => T)(cap); b.set(a); return b; };
    this.cmx = g(this.cmx); this.cmy = g(this.cmy); this.count = g(this.count); this.cx = g(this.cx); this.cy = g(this.cy);
    this.hw = g(this.hw); this.child = g(this.child); this.point = g(this.point);
  }
  private insert(i: number) {
    const px = this.y[2 * i], py = this.y[2 * i + 1];
    let nd = 0;
    for (let depth = 0; ; depth++) {
      const c = this.count[nd];
      this.cmx[nd] = (this.cmx[nd] * c + px) / (c + 1);
      this.cmy[nd] = (this.cmy[nd] * c + py) / (c + 1);
      this.count[nd] = c + 1;
      if (this.child[nd] === -1) {
        if (c === 0) { this.point[nd] = i; return; }
        const q = this.point[nd];
        // Coincident points (or too deep): the leaf holds several points at its centre of mass.
        if (depth > 40 || (q >= 0 && this.y[2 * q] === px && this.y[2 * q + 1] === py)) { this.point[nd] = -2; return; }
        if (q < 0) return; // already a multi-point leaf
        this.split(nd);
        // move the old point one level down (its mass is already counted in nd)
        this.descend(this.childFor(nd, this.y[2 * q], this.y[2 * q + 1]), q);
        this.point[nd] = -1;
      }
      nd = this.childFor(nd, px, py);
    }
  }
  /** Puts point q into an (empty) child leaf. */
  private descend(nd: number, q: number) {
    this.cmx[nd] = this.y[2 * q]; this.cmy[nd] = this.y[2 * q + 1]; this.count[nd] = 1; this.point[nd] = q;
  }
  private split(nd: number) {
    const h = this.hw[nd] / 2;
    const first = this.node(this.cx[nd] - h, this.cy[nd] - h, h);
    this.node(this.cx[nd] + h, this.cy[nd] - h, h);
    this.node(this.cx[nd] - h, this.cy[nd] + h, h);
    this.node(this.cx[nd] + h, this.cy[nd] + h, h);
    this.child[nd] = first;
  }
  private childFor(nd: number, px: number, py: number): number {
    return this.child[nd] + (px > this.cx[nd] ? 1 : 0) + (py > this.cy[nd] ? 2 : 0);
  }
  /** Repulsive force on point i (unnormalised) added to rep[2i..], returns its share of Z. */
  repulsion(i: number, theta: number, rep: Float64Array, stack: Int32Array): number {
    const px = this.y[2 * i], py = this.y[2 * i + 1];
    let sumQ = 0;
    let fx = 0, fy = 0;
    let top = 0;
    stack[top++] = 0;
    while (top > 0) {
      const nd = stack[--top];
      let cnt = this.count[nd];
      if (cnt === 0) continue;
      const leaf = this.child[nd] === -1;
      if (leaf && this.point[nd] === i) continue;
      const dx = px - this.cmx[nd], dy = py - this.cmy[nd];
      const d2 = dx * dx + dy * dy;
      if (leaf || (2 * this.hw[nd]) * (2 * this.hw[nd]) < theta * theta * d2) {
        // a multi-point leaf holding i itself (coincident points): i does not repel itself
        if (leaf && this.point[nd] === -2 && d2 === 0) cnt -= 1;
        if (cnt <= 0) continue;
        const q = 1 / (1 + d2);
        sumQ += cnt * q;
        const m = cnt * q * q;
        fx += m * dx; fy += m * dy;
      } else {
        if (top + 4 > stack.length) throw new Error('t-SNE quadtree: traversal stack overflow');
        const f = this.child[nd];
        stack[top++] = f; stack[top++] = f + 1; stack[top++] = f + 2; stack[top++] = f + 3;
      }
    }
    rep[2 * i] = fx; rep[2 * i + 1] = fy;
    return sumQ;
  }
}

/**
 * The gradient of KL(P‖Q) at y (2n values), with exaggeration `exag` on P; repulsion by
 * Barnes-Hut with `theta` (θ = 0 is exact). Written into `grad`.
 */
export function tsneGradient(p: SparseP, y: Float64Array, theta: number, exag: number, grad: Float64Array): void {
  const n = p.n;
  const rep = new Float64Array(2 * n);
  let sumQ = 0;
  if (theta > 0) {
    const tree = new QuadTree(y, n);
    const stack = new Int32Array(4 * 64 + 16 + tree.size);
    for (let i = 0; i < n; i++) sumQ += tree.repulsion(i, theta, rep, stack);
  } else {
    for (let i = 0; i < n; i++) {
      let fx = 0, fy = 0;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
        const q = 1 / (1 + dx * dx + dy * dy);
        sumQ += q;
        fx += q * q * dx; fy += q * q * dy;
      }
      rep[2 * i] = fx; rep[2 * i + 1] = fy;
    }
  }
  for (let i = 0; i < n; i++) {
    let ax = 0, ay = 0;
    for (let e = p.rowPtr[i]; e < p.rowPtr[i + 1]; e++) {
      const j = p.cols[e];
      const dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
      const q = 1 / (1 + dx * dx + dy * dy);
      ax += p.vals[e] * q * dx; ay += p.vals[e] * q * dy;
    }
    grad[2 * i] = 4 * (exag * ax - rep[2 * i] / sumQ);
    grad[2 * i + 1] = 4 * (exag * ay - rep[2 * i + 1] / sumQ);
  }
}

/** Row-major n×d input → 2-D embedding (interleaved x, y per point). */
export function tsne(data: Float64Array, n: number, d: number, opts: TsneOptions = {}): Float64Array {
  const perplexity = opts.perplexity ?? 30;
  const total = opts.iterations ?? 750;
  const theta = opts.theta ?? 0.5;
  if (n < 4) throw badInput(`t-SNE needs at least 4 items, got ${n}`);
  if (!(perplexity >= 2)) throw badInput(`perplexity must be at least 2, got ${perplexity}`);
  if (3 * perplexity > n - 1) throw badInput(`perplexity ${perplexity} is too large for ${n} items: at most ${Math.floor((n - 1) / 3)}`);
  // Neighbours on at most 30 principal components (the usual pre-reduction; exact below that).
  let x = data;
  let dim = d;
  if (d > MAX_INPUT_DIMS) {
    x = pcaScores(data, n, d, MAX_INPUT_DIMS).scores;
    dim = MAX_INPUT_DIMS;
  }
  const k = Math.min(n - 1, Math.floor(3 * perplexity));
  const { idx, dist2 } = nearestNeighbours(x, n, dim, k);
  const p = jointProbabilities(idx, dist2, n, k, perplexity);

  // PCA initialisation scaled to std 1e-4 on the first axis.
  const init = pcaScores(x, n, dim, 2).scores;
  let sd = 0;
  for (let i = 0; i < n; i++) sd += init[2 * i] * init[2 * i];
  sd = Math.sqrt(sd / n) || 1;
  const y = new Float64Array(2 * n);
  for (let t = 0; t < 2 * n; t++) y[t] = (init[t] / sd) * 1e-4;

  const eta = Math.max(200, n / 12);
  const eeIters = Math.min(250, Math.floor(total / 3));
  const grad = new Float64Array(2 * n);
  const update = new Float64Array(2 * n);
  const gains = new Float64Array(2 * n).fill(1);
  const every = opts.progressEvery ?? 10;
  for (let it = 0; it < total; it++) {
    const exag = it < eeIters ? 12 : 1;
    const momentum = it < eeIters ? 0.5 : 0.8;
    tsneGradient(p, y, theta, exag, grad);
    let mx = 0, my = 0;
    for (let t = 0; t < 2 * n; t++) {
      const g = grad[t];
      gains[t] = Math.sign(g) !== Math.sign(update[t]) ? gains[t] + 0.2 : Math.max(0.01, gains[t] * 0.8);
      update[t] = momentum * update[t] - eta * gains[t] * g;
      y[t] += update[t];
    }
    for (let i = 0; i < n; i++) { mx += y[2 * i]; my += y[2 * i + 1]; }
    mx /= n; my /= n;
    for (let i = 0; i < n; i++) { y[2 * i] -= mx; y[2 * i + 1] -= my; }
    if ((it + 1) % every === 0 || it + 1 === total) {
      if (opts.onProgress?.(it + 1, total) === false) break;
    }
  }
  return y;
}
