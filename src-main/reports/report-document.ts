/**
 * The report as plain data: what the gatherer found in the project. Only the header is
 * required; every other section is optional and left out of the HTML/CSV when absent (or empty).
 * Field names follow the API's result types (ModelSummary, ConfusionResult, SampleSummary …) so
 * the gatherer can pass those through.
 */
import type { ExperimentResults } from './experiment-rows.ts';
import type { SampleSummary } from '../shared/api.ts';

export interface ReportHeader {
  title: string;
  project: string;
  model: string;
  checkpoint?: string;
  dataset?: string;
  /** When the report was made, as the gatherer formats it (e.g. an ISO timestamp). */
  date: string;
  /** The compute backend used (tfjs-node / wasm / cpu) and why, if known. */
  backend: string;
  /** e.g. "Margin 0.1.0". */
  generator?: string;
}

export interface ReportLayer {
  name: string;
  className: string;
  shape: number[];
  units?: number;
  params: number;
  flops?: number;
}

export interface ReportModel {
  architecture?: string;
  totalParams: number;
  flopsPerItem?: number;
  /** Test accuracy in [0, 1] of the checkpoint the report is about. */
  accuracy?: number | null;
  /** Items the accuracy was measured on. */
  items?: number;
  latentLayer?: string;
  layers: ReportLayer[];
  checkpoints?: Array<{ label: string; testAccuracy: number | null }>;
}

export interface ReportConfusion {
  classNames: string[];
  /** counts[true][predicted] */
  counts: number[][];
  accuracy?: number;
}

/** A sample as the API lists it (src-main/shared/api.ts SampleSummary), without its ids. */
export type ReportSample = Pick<SampleSummary, 'name' | 'fraction' | 'j' | 'seed' | 'size' | 'correct' | 'incorrect' | 'seconds'> & {
  method: string;
  created?: string;
  /** The sampler's settings recorded with the sample (SampleSummary.params), e.g. { svmC: 1, svmLoss: 'squared-hinge' }. */
  params?: SampleSummary['params'];
};

/** An example item of a subset, as an inline PNG (a data: URL; the report stays one offline file). */
export interface ReportThumb {
  itemId: number;
  /** data:image/png;base64,… */
  src: string;
  /** e.g. "#1234 Shirt → Coat". */
  caption: string;
}

/** Example items of a subset: the first `items.length` of `total` by item id. */
export interface ReportExamples {
  total: number;
  items: ReportThumb[];
  /** What the items are, e.g. "class Shirt, incorrectly classified, at lenet5-bn@epoch-5". */
  caption: string;
}

/** Two checkpoints (of one model, or of two models) compared item by item. */
export interface ReportFlipComparison {
  a: { model: string; checkpoint: string; accuracy: number };
  b: { model: string; checkpoint: string; accuracy: number };
  /** Items both predicted. */
  items: number;
  classNames: string[];
  /** Per-class accuracy of each side (null: no item of the class). */
  accuracyA: Array<number | null>;
  accuracyB: Array<number | null>;
  /** countsB − countsA, [true][predicted]. */
  delta: number[][];
  rightToWrong: ReportExamples;
  wrongToRight: ReportExamples;
}

/** One answered query with its error against the exact answer (or a confidence interval). */
export interface ReportQuery {
  /** What was asked, in words: "Q2 — top-10 neurons of conv2 for incorrectly classified items". */
  title: string;
  set?: 'S1' | 'S2' | 'S3';
  layer?: string;
  /** The subset in words, e.g. "class Shirt, incorrectly classified". */
  subset?: string;
  /** The sample it was answered from; absent = exact answer over all items. */
  sample?: string;
  /** Items the answer was computed over. */
  items: number;
  /** S1: neurons best first. */
  topK?: Array<{ neuron: number; score: number }>;
  /** S2 mean activation vector or S3 argmax histogram. */
  vector?: number[];
  /** The exact answer's top-K, shown beside the sample's when known. */
  exactTopK?: Array<{ neuron: number; score: number }>;
  error?: { metric: string; value: number };
  confidenceInterval?: { level: number; lower: number[]; upper: number[] };
  seconds: number;
  /** A sentence of findings that do not chart (e.g. Q3's cosine distance). */
  note?: string;
  /** Shape of one item's activations of `layer` ([H, W, C], [units]) and the granularity: names the neurons (`relu2[c=6, y=0, x=7] #118`). */
  shape?: number[];
  granularity?: 'unit' | 'channel';
  /** Tables of the units that matter (Q1/Q3/Q4: the same units as the workbench shows). */
  tables?: Array<{ caption: string; headers: string[]; rows: Array<Array<string | number>> }>;
  /** Example items of the subset the answer is about. */
  examples?: ReportExamples;
  /** The saved answer it came from (its id in the history). */
  answerId?: number;
  /** Chart title and value axis of `vector` when it is neither S2's means nor S3's histogram. */
  vectorTitle?: string;
  vectorYName?: string;
}

export interface ReportComparedModel {
  name: string;
  checkpoint?: string;
  architecture?: string;
  totalParams?: number;
  accuracy: number | null;
  confusion?: ReportConfusion;
  /** Q6: per-class accuracy across this model's checkpoints, accuracy[class][checkpoint] (NaN = no items). */
  learningCurves?: { checkpoints: string[]; classNames: string[]; accuracy: number[][] };
}

export interface ReportComparison {
  a: ReportComparedModel;
  b: ReportComparedModel;
  /** Q7: linear CKA, cka[layer of A][layer of B]. */
  cka?: { layersA: string[]; layersB: string[]; values: number[][]; note?: string };
  /** What could not be compared and why (e.g. a model with one checkpoint has no learning curve). */
  notes?: string[];
}

export interface ReportDocument {
  header: ReportHeader;
  model?: ReportModel;
  confusion?: ReportConfusion;
  samples?: ReportSample[];
  queries?: ReportQuery[];
  evaluation?: ExperimentResults & { note?: string };
  comparison?: ReportComparison;
  /** Checkpoint (or model) comparisons chosen for the report: B − A, per-class change, flipped items. */
  comparisons?: ReportFlipComparison[];
  /** Remarks on the report as a whole (records left out, sections missing and why). */
  notes?: string[];
}
