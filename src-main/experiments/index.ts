/** The paper's experiments (§V-C, D; SPEC §6) as pure functions over in-memory data. */
export { runE1 } from './e1.ts';
export { EXPERIMENT_FRACTION, runE2 } from './e2.ts';
export { E3_REFERENCE_METHODS, runE3 } from './e3.ts';
export { E4_RUNS, runE4 } from './e4.ts';
export { runTable4 } from './table4.ts';
export { RANDOMISED, SampleSource, TWO_END_METHODS } from './sample-source.ts';
export { DEFAULT_FRACTIONS, DEFAULT_JS, DEFAULT_K, DEFAULT_KS, DEFAULT_SEEDS } from './validate.ts';
export type { E1Row, E2Row, E3Row, E4Row, ExperimentData, ExperimentOptions, Table4Row } from './types.ts';
