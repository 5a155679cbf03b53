/**
 * log Γ(x) and the digamma function ψ(x) = d/dx log Γ(x) for x > 0, in double precision — what
 * the variational Gaussian mixture (gmm-variational.ts) needs for its Dirichlet and Wishart
 * expectations and its lower bound.
 *
 * Both shift the argument up to x ≥ 10 with the recurrences Γ(x + 1) = x·Γ(x) and
 * ψ(x + 1) = ψ(x) + 1/x, then use the asymptotic (Stirling / de Moivre) series, whose first
 * omitted term at x = 10 is below 1e-14 relative.
 */

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
const SHIFT_TO = 10;

/** log Γ(x) for x > 0 (NaN otherwise). */
export function logGamma(x: number): number {
  if (!(x > 0)) return Number.NaN;
  if (x === Infinity) return Infinity;
  let shift = 0;
  // log Γ(x) = log Γ(x + m) − log(x(x + 1)…(x + m − 1)); the product is kept as one log per 8 steps.
  let prod = 1;
  while (x < SHIFT_TO) {
    prod *= x;
    x += 1;
    if (prod > 1e250 || prod < 1e-250) { shift += Math.log(prod); prod = 1; }
  }
  shift += Math.log(prod);
  const inv = 1 / x, inv2 = inv * inv;
  // 1/(12x) − 1/(360x³) + 1/(1260x⁵) − 1/(1680x⁷) + 1/(1188x⁹)
  const series = inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680 - inv2 / 1188))));
  return (x - 0.5) * Math.log(x) - x + HALF_LOG_2PI + series - shift;
}

/** ψ(x) = Γ'(x)/Γ(x) for x > 0 (NaN otherwise). */
export function digamma(x: number): number {
  if (!(x > 0)) return Number.NaN;
  if (x === Infinity) return Infinity;
  let acc = 0;
  while (x < SHIFT_TO) { acc -= 1 / x; x += 1; }
  const inv = 1 / x, inv2 = inv * inv;
  // log x − 1/(2x) − 1/(12x²) + 1/(120x⁴) − 1/(252x⁶) + 1/(240x⁸) − 1/(132x¹⁰)
  const series = inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 / 132))));
  return acc + Math.log(x) - 0.5 * inv - series;
}
