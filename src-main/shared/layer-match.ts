/**
 * Aligning two networks' layers by meaning: from a linear-CKA matrix between the layers of A
 * (rows) and B (columns) on the same items (Q7; CKA itself is src-main/queries/cka.ts, Kornblith
 * et al. 2019), the best-matched B layer of each A layer (argmax of its row), and one-to-one
 * pairs chosen greedily by decreasing CKA (each layer used once). Pure: shared by the workbench
 * and anything else that reads Q7's data. NaN entries (CKA undefined) never match.
 */

export interface LayerMatch {
  layerA: string;
  layerB: string;
  cka: number;
}

function check(layersA: readonly string[], layersB: readonly string[], cka: readonly (readonly number[])[]): void {
  if (cka.length !== layersA.length) throw new Error(`CKA matrix has ${cka.length} rows for ${layersA.length} layers of A`);
  cka.forEach((row, i) => {
    if (row.length !== layersB.length) throw new Error(`CKA row ${i} (${layersA[i]}) has ${row.length} entries for ${layersB.length} layers of B`);
  });
}

/** The B layer most similar to each A layer (ties: the earlier B layer); null when a row has no finite CKA. */
export function bestMatches(layersA: readonly string[], layersB: readonly string[], cka: readonly (readonly number[])[]): Array<LayerMatch | null> {
  check(layersA, layersB, cka);
  return layersA.map((a, i) => {
    let best = -1;
    for (let j = 0; j < layersB.length; j++) {
      const v = cka[i][j];
      if (Number.isFinite(v) && (best < 0 || v > cka[i][best])) best = j;
    }
    return best < 0 ? null : { layerA: a, layerB: layersB[best], cka: cka[i][best] };
  });
}

/** The best match of one A layer, or null (unknown layer, or no finite CKA). */
export function bestMatchOf(layerA: string, layersA: readonly string[], layersB: readonly string[], cka: readonly (readonly number[])[]): LayerMatch | null {
  const i = layersA.indexOf(layerA);
  return i < 0 ? null : bestMatches(layersA, layersB, cka)[i];
}

/** One-to-one pairs, greedily by decreasing CKA (ties by A then B order); listed in A's layer order. */
export function matchedPairs(layersA: readonly string[], layersB: readonly string[], cka: readonly (readonly number[])[]): LayerMatch[] {
  check(layersA, layersB, cka);
  const cells: Array<{ i: number; j: number; v: number }> = [];
  cka.forEach((row, i) => row.forEach((v, j) => { if (Number.isFinite(v)) cells.push({ i, j, v }); }));
  cells.sort((x, y) => y.v - x.v || x.i - y.i || x.j - y.j);
  const usedA = new Set<number>();
  const usedB = new Set<number>();
  const out: Array<{ i: number; m: LayerMatch }> = [];
  for (const c of cells) {
    if (usedA.has(c.i) || usedB.has(c.j)) continue;
    usedA.add(c.i);
    usedB.add(c.j);
    out.push({ i: c.i, m: { layerA: layersA[c.i], layerB: layersB[c.j], cka: c.v } });
  }
  return out.sort((x, y) => x.i - y.i).map((x) => x.m);
}
