/**
 * One naming of a neuron everywhere (UI, CLI, report, CSV): the layer with the neuron's
 * coordinates, and the flat index beside it.
 *   conv unit of an [H, W, C] layer: relu2[c=6, y=0, x=7] #118   (flat = (y·W + x)·C + c, NHWC)
 *   channel (a feature map reduced):  relu2[c=6]
 *   dense unit:                       dense1[u=12]
 */
export function neuronCoords(neuron: number, shape: readonly number[], granularity: 'unit' | 'channel' = 'unit'): string {
  if (granularity === 'channel') return `[c=${neuron}]`;
  if (shape.length === 3) {
    const [, w, c] = shape;
    const pos = Math.floor(neuron / c);
    return `[c=${neuron % c}, y=${Math.floor(pos / w)}, x=${pos % w}]`;
  }
  return `[u=${neuron}]`;
}

/** `relu2[c=6, y=0, x=7] #118` — the flat index is shown only where it differs from the coordinates. */
export function neuronName(layer: string, neuron: number, shape: readonly number[], granularity: 'unit' | 'channel' = 'unit'): string {
  const coords = neuronCoords(neuron, shape, granularity);
  return granularity === 'unit' && shape.length === 3 ? `${layer}${coords} #${neuron}` : `${layer}${coords}`;
}
