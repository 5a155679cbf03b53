/**
 * Display names and fixed colours of the samplers, so a method looks the same in every figure
 * (the paper's legends). Unknown method names are shown as given, with a colour from a spare
 * palette chosen by a stable hash of the name.
 */
const NAMES: Record<string, string> = {
  uniform: 'Uniform',
  stratified: 'Stratified by CM',
  'latent-grid': 'Simple latent space',
  vas: 'VAS',
  'boundary-tree': 'EB tree',
  'gmm-full': 'GMM (full)',
  'gmm-spherical': 'GMM (spherical)',
  maxmargin: 'MaxMargin',
  weighted: 'Weighted',
  'query-strata': 'Query strata (Margin)',
  all: 'All items',
};

// Colour-blind-friendly (Okabe–Ito plus two), one per known sampler.
const COLOURS: Record<string, string> = {
  uniform: '#7f7f7f',
  stratified: '#56b4e9',
  'latent-grid': '#e69f00',
  vas: '#cc79a7',
  'boundary-tree': '#009e73',
  'gmm-full': '#0072b2',
  'gmm-spherical': '#8c6bb1',
  maxmargin: '#d55e00',
  weighted: '#b8860b',
  'query-strata': '#000000',
  all: '#333333',
};
const SPARE = ['#1b9e77', '#e7298a', '#66a61e', '#a6761d', '#386cb0', '#f0027f', '#bf5b17', '#666666'];

export function methodLabel(method: string): string {
  return NAMES[method] ?? method;
}

export function methodColour(method: string): string {
  const known = COLOURS[method];
  if (known) return known;
  let h = 0;
  for (let i = 0; i < method.length; i++) h = (h * 31 + method.charCodeAt(i)) >>> 0;
  return SPARE[h % SPARE.length];
}

/** Known methods first in the paper's order, then the others alphabetically. */
export function methodOrder(methods: Iterable<string>): string[] {
  const known = Object.keys(NAMES);
  return [...new Set(methods)].sort((a, b) => {
    const ia = known.indexOf(a), ib = known.indexOf(b);
    if (ia >= 0 && ib >= 0) return ia - ib;
    if (ia >= 0) return -1;
    if (ib >= 0) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}
