/** Small helpers over typed arrays (pure; no I/O). */

type Typed = Int32Array | Float32Array;

/** The parts one after the other in a new array of their kind; a single part is returned as is. */
export function concatTyped<A extends Typed>(parts: A[]): A {
  if (parts.length === 0) throw new RangeError('concatTyped: parts must hold at least one array');
  if (parts.length === 1) return parts[0];
  const first = parts[0];
  const out = (first instanceof Int32Array ? new Int32Array(parts.reduce((a, p) => a + p.length, 0)) : new Float32Array(parts.reduce((a, p) => a + p.length, 0))) as A;
  let o = 0;
  for (const p of parts) {
    if (p.constructor !== first.constructor) throw new TypeError(`concatTyped: parts mix ${first.constructor.name} and ${p.constructor.name}`);
    out.set(p, o);
    o += p.length;
  }
  return out;
}
