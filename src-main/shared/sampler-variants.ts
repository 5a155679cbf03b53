/**
 * Sampler options per method for a whole evaluation (issue 13: "the paper's reading vs Margin's
 * defaults"): `{ "vas": { "bandwidthRule": "median-pairwise" }, "latent-grid": { … } }`, each
 * method's options validated by the API's samplerOptionsSchema and refused where they do not
 * apply (SAMPLER_OPTION_METHODS). Two named variants:
 *   defaults — {}: every sampler at Margin's defaults (documented in src-main/samplers/README.md);
 *   paper    — the paper's reading of the choices it leaves open (PAPER_READING below).
 */
import { SAMPLER_METHODS, SAMPLER_OPTION_METHODS, samplerOptionsByMethodSchema, type SamplerMethodName, type SamplerOptions } from './api.ts';
import { badInput } from './errors.ts';

export type SamplerOptionsByMethod = Partial<Record<SamplerMethodName, SamplerOptions>>;

/**
 * The paper's reading (Ma et al., §IV and §V) of each choice it leaves open:
 *   vas         — the kernel bandwidth is not stated; the usual "median heuristic" (median pairwise distance);
 *   latent-grid — "equal number of instances at random from each underlying grid": no top-up, and the
 *                 two buckets per PCA axis split at the mean;
 *   weighted    — Algorithm 1 allocates f·|group| per predicted group; the weighted variant drawn the same way;
 *   maxmargin / weighted — "a linear kernel for SVM" with Platt scaling: LIBSVM's / scikit-learn SVC's
 *                 defaults, C = 1, hinge loss, unscaled features;
 *   gmm-full    — "variational estimation for the GMM" (variational Bayes, gmm-variational.ts).
 */
export const PAPER_READING: SamplerOptionsByMethod = {
  vas: { bandwidthRule: 'median-pairwise' },
  'latent-grid': { gridSplit: 'mean', gridTopUp: false },
  maxmargin: { svmC: 1, svmLoss: 'hinge', svmScaling: 'none' },
  weighted: { svmC: 1, svmLoss: 'hinge', svmScaling: 'none', weightedAllocation: 'per-group' },
  'gmm-full': { gmmEstimator: 'variational' },
};

export const SAMPLER_VARIANTS = { defaults: {} as SamplerOptionsByMethod, paper: PAPER_READING } as const;
export type SamplerVariantName = keyof typeof SAMPLER_VARIANTS;

/** Validates sampler options per method; the error names the method and the option and says what to do. */
export function checkSamplerOptionsByMethod(value: unknown, what = 'samplerOptions'): SamplerOptionsByMethod {
  const parsed = samplerOptionsByMethodSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue.path.length ? `${what}.${issue.path.map(String).join('.')}` : what;
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => JSON.stringify(k)).join(', ');
    throw badInput(issue.path.length === 0
      ? `${what}: unknown sampler ${keys} (samplers: ${SAMPLER_METHODS.join(', ')})`
      : `${where}: unknown option ${keys} (options: ${Object.keys(SAMPLER_OPTION_METHODS).join(', ')})`);
  }
  const hint = issue.path.length === 0 ? ': give an object of sampler name → options, e.g. {"vas":{"bandwidthRule":"median-pairwise"}}' : '';
  throw badInput(`${where}: ${issue.message}${hint}`);
}

/**
 * A command-line value: a variant name (defaults, paper) or a JSON object of sampler → options.
 * (Reading `@FILE` is the caller's: this file is pure.)
 */
export function parseSamplerOptionsArg(text: string, what = '--sampler-options'): SamplerOptionsByMethod {
  const t = text.trim();
  if (Object.hasOwn(SAMPLER_VARIANTS, t)) return SAMPLER_VARIANTS[t as SamplerVariantName];
  if (!t.startsWith('{')) {
    throw badInput(`${what} must be ${Object.keys(SAMPLER_VARIANTS).join(' or ')}, a JSON object such as {"vas":{"bandwidthRule":"median-pairwise"}}, or @FILE holding one; got ${JSON.stringify(t.slice(0, 40))}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(t);
  } catch (err) {
    throw badInput(`${what} is not valid JSON (${(err as Error).message}); quote it for the shell, e.g. '{"vas":{"bandwidthRule":"median-pairwise"}}'`);
  }
  return checkSamplerOptionsByMethod(value, what);
}
