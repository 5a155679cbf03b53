/**
 * The rows an evaluation run produces (paper §V-C/D, SPEC §6): the contract between the
 * experiment runner, which writes exactly these shapes, and the report charts and CSVs.
 * Plain data only, so the same rows travel through JSON, the store and the API unchanged.
 */

/** E1 (Figure 4): one sample of one method at one fraction and seed, scored on S1/S2/S3. */
export interface E1Row {
  method: string;
  fraction: number;
  /** Seed of a randomised sampler; charts average rows that differ only by seed. */
  seed?: number;
  /** Items in the sample. */
  size?: number;
  /** S1 precision@K (higher is better). */
  s1: number;
  /** S2 cosine distance (lower is better). */
  s2: number;
  /** S3 Jensen–Shannon distance (lower is better). */
  s3: number;
}

/** E2 (Figure 5): S1 precision@K of a 5 % sample as K varies. */
export interface E2Row {
  method: string;
  k: number;
  precision: number;
}

/** E3 (Figure 6): the tuning factor j for the clustering samplers, plain and weighted. */
export interface E3Row {
  method: string;
  j: number;
  s1: number;
  s2: number;
  s3: number;
  /** The weighted variant (inclusion probability ∝ 1/ratio); drawn dashed. */
  weighted?: boolean;
  /** A sampler without j (query-strata): its seed-averaged 5 % sample repeated at every j; drawn dashed. */
  reference?: boolean;
}

/** E4 (Figure 7): seconds to create a 5 % sample. */
export interface E4Row {
  method: string;
  seconds: number;
  size?: number;
}

/** Table IV: correctly / incorrectly classified items in each 5 % sample. */
export interface Table4Row {
  method: string;
  correct: number;
  incorrect: number;
  size: number;
}

/** Everything an evaluation run may hold; each experiment is optional. */
export interface ExperimentResults {
  e1?: E1Row[];
  e2?: E2Row[];
  e3?: E3Row[];
  e4?: E4Row[];
  table4?: Table4Row[];
}
