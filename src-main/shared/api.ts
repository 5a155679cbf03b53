/**
 * The one API contract between Margin's main process and its renderer.
 *
 * Every request has a name, a runtime schema for its parameters (validated at the boundary,
 * wherever the request arrives from: Electron IPC, the browser host's HTTP, or tests) and a
 * result type. Every pushed event has a name and a payload type. The main process implements
 * `Handlers`, the renderer gets a typed client (`src-renderer/api/client.ts`), and the preload
 * exposes nothing but `MarginBridge`.
 *
 * Pure TypeScript: no Node, Electron or DOM imports here.
 */
import { z } from 'zod';
import type { ErrorPayload } from './errors.ts';
import { TRAINABLE_ARCHITECTURES } from './architecture-fit.ts';

// ---------------------------------------------------------------------------------------------
// Reusable parameter pieces

const name = z.string().trim().min(1, 'must not be empty').max(200);
const path = z.string().trim().min(1, 'must not be empty').max(4096);
/** Switching projects while jobs run: true cancels them (and waits) first; otherwise the switch is refused. */
const cancelJobs = z.boolean();
const fraction = z.number().gt(0, 'must be in (0, 1]').lte(1, 'must be in (0, 1]');
const tuning = z.number().min(0, 'must be in [0, 1]').max(1, 'must be in [0, 1]');
const seed = z.number().int().min(0).max(2 ** 31 - 1);
const modelRef = { model: name, checkpoint: z.string().trim().min(1).max(200).optional() };

export const SAMPLER_METHODS = [
  'uniform', 'stratified', 'latent-grid', 'vas', 'boundary-tree', 'gmm-full', 'gmm-spherical', 'maxmargin', 'weighted',
  'query-strata',
] as const;
export type SamplerMethodName = (typeof SAMPLER_METHODS)[number];

/**
 * The samplers' open choices (issue 13: the paper leaves them open), as optional "advanced"
 * options of sample.create and `margin sample`. Each applies to the methods listed in
 * SAMPLER_OPTION_METHODS; defaults are the samplers' own (documented in src-main/samplers/README.md).
 */
export const samplerOptionsSchema = z.object({
  svmC: z.number().positive('must be > 0').max(1e6).optional(),
  svmLoss: z.enum(['squared-hinge', 'hinge']).optional(),
  svmScaling: z.enum(['zscore', 'none']).optional(),
  ratioCap: z.number().gt(1, 'must be > 1').max(1e12).optional(),
  weightedAllocation: z.enum(['global', 'per-group']).optional(),
  allocationPower: z.number().min(-2, 'must be in [-2, 1]').max(1, 'must be in [-2, 1]').optional(),
  stratifyBy: z.enum(['confidence', 'random']).optional(),
  balanceDraws: z.number().int().min(1).max(10000).optional(),
  bandwidth: z.number().positive('must be > 0').max(1e12).optional(),
  bandwidthRule: z.enum(['median-nn', 'median-pairwise']).optional(),
  gridSplit: z.enum(['median', 'mean']).optional(),
  gridTopUp: z.boolean().optional(),
  gmmEstimator: z.enum(['em-from-labels', 'variational']).optional(),
  maxChildren: z.number().int().min(1).optional(),
}).strict().refine((o) => o.bandwidth === undefined || o.bandwidthRule === undefined, {
  message: 'give either bandwidth (an explicit value) or bandwidthRule, not both', path: ['bandwidthRule'],
});
export type SamplerOptions = z.infer<typeof samplerOptionsSchema>;
export const SAMPLER_OPTION_METHODS: Record<keyof SamplerOptions, readonly SamplerMethodName[]> = {
  svmC: ['maxmargin', 'weighted'],
  svmLoss: ['maxmargin', 'weighted'],
  svmScaling: ['maxmargin', 'weighted'],
  ratioCap: ['weighted'],
  weightedAllocation: ['weighted'],
  allocationPower: ['query-strata'],
  stratifyBy: ['query-strata'],
  balanceDraws: ['query-strata'],
  bandwidth: ['vas'],
  bandwidthRule: ['vas'],
  gridSplit: ['latent-grid'],
  gridTopUp: ['latent-grid'],
  gmmEstimator: ['gmm-full'],
  maxChildren: ['boundary-tree'],
};

/**
 * Sampler options per method for a whole evaluation (`evaluate.start`, `margin evaluate
 * --sampler-options`): each method's options validated as above and refused where they do not apply.
 * Named variants (Margin's defaults, the paper's reading) are in shared/sampler-variants.ts.
 */
export const samplerOptionsByMethodSchema = z.partialRecord(z.enum(SAMPLER_METHODS), samplerOptionsSchema).superRefine((byMethod, ctx) => {
  for (const [method, options] of Object.entries(byMethod)) {
    for (const key of Object.keys(options ?? {}) as Array<keyof SamplerOptions>) {
      const applies = SAMPLER_OPTION_METHODS[key];
      if (!applies.includes(method as SamplerMethodName)) {
        ctx.addIssue({ code: 'custom', path: [method, key], message: `${key} does not apply to ${method} (it applies to ${applies.join(', ')})` });
      }
    }
  }
});

export const QUERY_SETS = ['S1', 'S2', 'S3'] as const;
export type QuerySetName = (typeof QUERY_SETS)[number];

export const NAMED_QUERIES = ['Q1', 'Q2', 'Q3', 'Q4', 'Q5', 'Q6', 'Q7'] as const;
export type NamedQueryName = (typeof NAMED_QUERIES)[number];

export const EXPERIMENTS = ['e1', 'e2', 'e3', 'e4', 'table4', 'all'] as const;

const subset = z.object({
  trueClass: z.number().int().min(0).optional(),
  predClass: z.number().int().min(0).optional(),
  outcome: z.enum(['correct', 'incorrect', 'all']).default('all'),
  confidence: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]).optional(),
  items: z.array(z.number().int().min(0)).max(100_000).optional(),
});

// ---------------------------------------------------------------------------------------------
// Result types

export interface AppInfo {
  name: 'Margin';
  version: string;
  node: string;
  platform: string;
  backend: { name: 'tfjs-node' | 'wasm' | 'cpu'; reason?: string };
  duckdb: string;
  electron: { present: boolean; version?: string; reason?: string };
  host: 'electron' | 'browser' | 'cli';
  project: ProjectSummary | null;
}

export interface ProjectSummary {
  dir: string;
  name: string;
  isDemo: boolean;
}

export interface DatasetSummary {
  id: number;
  name: string;
  format: string;
  height: number;
  width: number;
  channels: number;
  classNames: string[];
  splits: Array<{ split: string; items: number }>;
}

export interface LayerSummary {
  name: string;
  className: string;
  shape: number[];
  units: number;
  params: number;
  flops: number;
}

/** The settings of the training run a checkpoint came from. */
export interface TrainingRunSettings {
  /** Who trained: 'margin train', 'workbench' (the Train panel), 'demo' (the demo's recorded training). */
  source: string;
  arch: string;
  /** Data set and split trained on, and the split validated on (null: none). */
  dataset: string;
  split: string;
  evalSplit: string | null;
  epochs: number;
  batchSize: number;
  seed: number;
  learningRate: number;
  trainItems: number;
  evalItems: number;
}

/** The logs of the epoch a checkpoint was saved at (stored with the checkpoint). */
export interface TrainingEpochRecord {
  epoch: number;
  loss: number;
  accuracy: number;
  /** Validation loss and accuracy after the epoch (null without a validation split). */
  valLoss: number | null;
  valAccuracy: number | null;
  seconds: number | null;
  imagesPerSecond: number | null;
  run: TrainingRunSettings;
}

export interface CheckpointSummary {
  id: number;
  label: string;
  ordinal: number;
  testAccuracy: number | null;
  /** Saved by training (margin train, the Train panel, the demo): the epoch's logs; null for an imported checkpoint. */
  training: TrainingEpochRecord | null;
  /** What this checkpoint runs on, e.g. 'onnxruntime (translated from TF.js; wasm for saliency)' or 'tfjs (wasm)'. */
  engine: string;
  /** Why: the translation check, or why the checkpoint stays on TF.js. */
  engineNote: string | null;
  /** ONNX imports: how the data set's images map onto the model's input (layout, scaling, channel order). */
  inputMapping: string | null;
  extracted: {
    predictions: number;
    latents: number;
    /**
     * damagedItems: of `items`, those whose rows are lost (an activation file shorter than its
     * index: deleted, truncated); `damage` says which file and how (null = intact). Extracting the
     * checkpoint again recomputes exactly them.
     */
    layers: Array<{ layer: string; items: number; bytes: number; dtype: string; damagedItems: number; damage: string | null }>;
  };
}

export interface ModelSummary {
  id: number;
  name: string;
  architecture: string;
  datasetId: number | null;
  /** What the model runs on over its checkpoints ('mixed: …' when they differ). */
  engine: string;
  /** Why (e.g. the unsupported layer that keeps it on TF.js); null when there is nothing to say. */
  engineNote: string | null;
  latentLayer: string;
  totalParams: number;
  flopsPerItem: number;
  layers: LayerSummary[];
  checkpoints: CheckpointSummary[];
}

export interface ProjectInfo {
  project: ProjectSummary;
  datasets: DatasetSummary[];
  models: ModelSummary[];
  samples: SampleSummary[];
  bytesStored: number;
}

/** A job named in a refusal to switch projects, or cancelled by the switch. */
export interface RunningJobRef {
  jobId: string;
  title: string;
}

/** project.open / project.create: the new project, and the jobs the switch cancelled (cancelJobs). */
export interface ProjectOpened extends ProjectInfo {
  cancelledJobs: RunningJobRef[];
}

export interface ConfusionResult {
  model: string;
  checkpoint: string;
  classNames: string[];
  /** counts[true][predicted] */
  counts: number[][];
  accuracy: number;
  items: number;
}

export interface ItemView {
  itemId: number;
  trueLabel: number;
  predicted: number | null;
  confidence: number | null;
  /** data: URL of a PNG thumbnail */
  thumbnail: string;
}

export interface LatentProjection {
  method: 'pca' | 'umap' | 'tsne';
  itemIds: number[];
  x: number[];
  y: number[];
  trueLabels: number[];
  predicted: number[];
  confidence: number[];
  classNames: string[];
  /** Members of the requested sample, if any. */
  sampleMembers: number[];
  seconds: number;
}

export interface SampleSummary {
  id: number;
  name: string;
  model: string;
  checkpoint: string;
  method: SamplerMethodName;
  fraction: number | null;
  j: number | null;
  seed: number;
  size: number;
  correct: number;
  incorrect: number;
  seconds: number;
  created: string;
  /**
   * The sampler's settings as recorded with the sample (shared/sampler-params.ts samplerSettings):
   * the options used, defaults included, and values the sampler chose (e.g. VAS's bandwidth).
   */
  params: Record<string, string | number | boolean>;
}

export interface QueryAnswer {
  set: QuerySetName;
  layer: string;
  granularity: 'unit' | 'channel';
  subset: z.output<typeof subset>;
  /** Items in the subset (sample members in it, when answered from a sample). */
  items: number;
  /** S1: neuron indices, best first, with their scores. */
  topK?: Array<{ neuron: number; score: number }>;
  /** S2: the mean activation vector; S3: the normalised argmax histogram. */
  vector?: number[];
  /** Shape of one item's activations for drawing (e.g. [H, W, C] or [C] or [units]). */
  shape: number[];
}

export interface QueryResult {
  answer: QueryAnswer;
  /** Present when answered from a sample. */
  sample?: {
    name: string;
    /** The checkpoint the sample was made on (its members were chosen from that checkpoint's latent space). */
    checkpoint?: string;
    /** The exact answer over all items, when the activations of all items are stored. */
    exact?: QueryAnswer;
    /** The set's metric against the exact answer: precision@K for S1, cosine distance for S2, JS distance for S3. */
    error?: { metric: 'precision@K' | 'cosine distance' | 'Jensen-Shannon distance'; value: number };
    /** Bootstrap interval when the exact answer is not known. */
    confidenceInterval?: { level: number; lower: number[]; upper: number[] };
  };
  computed: { items: number; bytes: number; seconds: number };
  seconds: number;
}

export interface NamedQueryResult {
  query: NamedQueryName;
  title: string;
  /** Free-form, query-specific data drawn by the renderer (documented per query in src-main/queries/named.ts). */
  data: unknown;
  seconds: number;
}

export const ANSWER_KINDS = ['query.run', 'query.named'] as const;
export type AnswerKind = (typeof ANSWER_KINDS)[number];

/** A saved answer in the history (without its request and result). */
export interface SavedAnswerSummary {
  id: number;
  kind: AnswerKind;
  title: string;
  model: string;
  checkpoint: string | null;
  /** Pinned answers go in the report by default. */
  pinned: boolean;
  created: string;
}

/** A saved answer with the request it answered and its result, to re-open it. */
export type SavedAnswer = SavedAnswerSummary & (
  | { kind: 'query.run'; params: z.output<typeof queryRunParams>; result: QueryResult }
  | { kind: 'query.named'; params: z.output<typeof queryNamedParams>; result: NamedQueryResult }
);

export interface NeuronInspection {
  model: string;
  checkpoint: string;
  layer: string;
  neuron: number;
  granularity: 'unit' | 'channel';
  /** Items searched: all items with stored activations, or the sample's members. */
  searched: number;
  items: Array<{
    itemId: number;
    value: number;
    trueLabel: number;
    predicted: number;
    confidence: number;
    /** data: URL of the input's thumbnail */
    thumbnail: string;
    /** data: URL of the saliency map (|∂ true-class logit / ∂ input|), when computed */
    saliency?: string;
  }>;
  classNames: string[];
  /** Why saliency maps are absent although asked for (e.g. an ONNX Runtime model has no gradients). */
  saliencyNote?: string;
  /** What the saliency maps are the gradient of: the inspected neuron, or each item's true-class logit. */
  saliencyOf: 'neuron' | 'class';
  /**
   * Neuron saliency: the input box (pixels) where the neuron's gradient is non-zero for any of
   * the items shown — its receptive field as those inputs reach it; null when no gradient reached it.
   */
  receptiveField?: { top: number; left: number; height: number; width: number } | null;
  /** Height and width of the model's input images in pixels (the receptive field's frame). */
  input: { height: number; width: number } | null;
  /** The subset searched, when one was given (the question the drill-down belongs to). */
  subset?: z.output<typeof subset>;
  seconds: number;
}

/** One row of the item grid: an item with the checkpoint's prediction. */
export interface ItemRow extends ItemView {
  correct: boolean;
  /** Member of the filter's sample; null when no sample was given. */
  inSample: boolean | null;
}

/** Per-item scores of a checkpoint, arrays aligned with itemIds (ascending); all in [0, 1]. */
export interface ItemScoresResult {
  model: string;
  checkpoint: string;
  /** Neighbours used for uniqueness. */
  k: number;
  itemIds: number[];
  /** Entropy of the model's probabilities / log(classes). */
  hardness: number[];
  /** Largest probability of a class other than the true one. */
  mistakenness: number[];
  /** Mean latent distance to the k nearest items / its maximum over the items. */
  uniqueness: number[];
  /** 1 − latent distance to the predicted class's centre / the class's largest such distance. */
  representativeness: number[];
}
export const ITEM_SCORE_NAMES = ['hardness', 'mistakenness', 'uniqueness', 'representativeness'] as const;
export type ItemScoreName = (typeof ITEM_SCORE_NAMES)[number];

export interface ItemPage {
  /** Items matching the filter (all pages). */
  total: number;
  offset: number;
  items: ItemRow[];
  classNames: string[];
}

export interface ItemDetail {
  itemId: number;
  trueLabel: number;
  predicted: number;
  confidence: number;
  /** Probability of every class, by class index. */
  probs: number[];
  classNames: string[];
  /** data: URL of the input at a readable size. */
  image: string;
  /** The nearest items in the checkpoint's latent space (Euclidean), closest first. */
  neighbours: Array<ItemView & { distance: number }>;
  /** Samples of the model the item belongs to. */
  samples: string[];
}

/** Two checkpoints (of one model or two) compared item by item on the items both predicted. */
export interface FlipComparison {
  a: { model: string; checkpoint: string };
  b: { model: string; checkpoint: string };
  classNames: string[];
  /** Items compared: predicted by both (and members of the sample, when one is given). */
  items: number;
  sample?: string;
  /** counts[true][predicted] of each side, and B − A. */
  countsA: number[][];
  countsB: number[][];
  delta: number[][];
  /** Per-class accuracy of each side over the compared items (null: no item of the class). */
  accuracyA: Array<number | null>;
  accuracyB: Array<number | null>;
  /** A right, B wrong; and A wrong, B right: totals and the first `limit` item ids (ascending). */
  rightToWrong: { total: number; items: number[] };
  wrongToRight: { total: number; items: number[] };
}

export interface JobRef {
  jobId: string;
}

export interface JobSummary {
  jobId: string;
  kind: string;
  title: string;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  done: number;
  total: number;
  startedAt: string;
}

export interface EvaluationRunSummary {
  id: number;
  kind: string;
  model: string;
  created: string;
  params: unknown;
  result: unknown;
}

export interface ReportResult {
  html: string;
  pdf?: string;
  csv: string[];
  bytes: number;
}

// ---------------------------------------------------------------------------------------------
// The requests

/** A Dask cluster: `local:N` (a local cluster of N workers) or a scheduler address (tcp://host:8786). */
const clusterAddress = z.string().trim().max(300).regex(/^(local:\d{1,4}|(tcp|tls|ucx):\/\/[^\s]+|[A-Za-z0-9.-]+:\d+)$/, 'local:N or a scheduler address such as tcp://host:8786');

/** Table II queries whose exact answer a cluster computes (from block shares, docs/cluster.md): all of them. */
export const CLUSTER_NAMED_QUERIES = ['Q1', 'Q2', 'Q3', 'Q4', 'Q5', 'Q6', 'Q7'] as const;

/**
 * Why a query cannot be answered on a cluster, or null: a sample's answer is computed here from
 * its members (the point of sampling). The API boundary (query.cluster) and the CLI both ask.
 */
export function clusterQueryRefusal(p: { query?: string; sample?: string }): { argument: string; message: string } | null {
  if (p.sample !== undefined) {
    return { argument: 'sample', message: 'a sample\'s answer is computed on this machine from its members; the cluster computes exact answers over every item: drop sample (or the cluster)' };
  }
  if (p.query !== undefined && !(CLUSTER_NAMED_QUERIES as readonly string[]).includes(p.query)) {
    return { argument: 'query', message: `${p.query} is not a query the cluster computes: it computes ${CLUSTER_NAMED_QUERIES.join(', ')}` };
  }
  return null;
}

/** A request definition: runtime schema of the params, compile-time type of the result. */
export interface RequestDef<P extends z.ZodType, R> {
  params: P;
  /** Phantom: never set at run time. */
  result?: R;
  /** Human description, shown in errors and docs. */
  doc: string;
}
/** `request<Result>()(schema, doc)`: the result type is given, the params type inferred from the schema. */
function request<R>() {
  return <P extends z.ZodType>(params: P, doc: string): RequestDef<P, R> => ({ params, doc });
}

const queryRunParams = z.object({
  ...modelRef,
  set: z.enum(QUERY_SETS),
  layer: name,
  subset: subset.default({ outcome: 'all' }),
  sample: name.optional(),
  k: z.number().int().min(1).max(10_000).default(10),
  by: z.enum(['mean', 'max']).default('mean'),
  granularity: z.enum(['unit', 'channel']).default('unit'),
  reduce: z.enum(['mean', 'max']).default('mean'),
}).strict();

const queryNamedParams = z.object({
  query: z.enum(NAMED_QUERIES),
  ...modelRef,
  model2: name.optional(),
  /** Q7 between two checkpoints of one model: the second checkpoint (with model2 omitted). */
  checkpoint2: z.string().trim().min(1).max(200).optional(),
  layer: name.optional(),
  classA: z.number().int().min(0).optional(),
  classB: z.number().int().min(0).optional(),
  k: z.number().int().min(1).max(10_000).default(10),
  sample: name.optional(),
}).strict();

/** What a saved answer's result must hold (the rest of QueryResult / NamedQueryResult is kept as given). */
const queryResultShape = z.object({
  answer: z.object({
    set: z.enum(QUERY_SETS), layer: z.string(), granularity: z.enum(['unit', 'channel']), subset: subset.loose(),
    items: z.number().int().min(0), shape: z.array(z.number().int().min(0)),
  }).loose(),
  computed: z.object({}).loose(),
  seconds: z.number(),
}).loose() as unknown as z.ZodType<QueryResult, QueryResult>; // checked at run time; typed as the contract's result
const namedResultShape = z.object({ query: z.enum(NAMED_QUERIES), title: z.string().max(500), data: z.unknown(), seconds: z.number() }).loose() as unknown as z.ZodType<NamedQueryResult, NamedQueryResult>;
const answerId = z.number().int().min(1);

export const requests = {
  'app.info': request<AppInfo>()(z.object({}).strict(), 'Version, backends and the open project.'),
  'app.echo': request<{ message: string; at: string }>()(
    z.object({ message: z.string().min(1, 'must not be empty').max(10_000) }).strict(),
    'Round trip for diagnostics: returns the message with the server time.',
  ),

  'project.open': request<ProjectOpened>()(z.object({ dir: path, cancelJobs: cancelJobs.optional() }).strict(),
    'Open a project folder. While jobs run it is refused (CONFLICT, details.runningJobs) unless cancelJobs: true, which cancels them and waits for them first.'),
  'project.create': request<ProjectOpened>()(z.object({ dir: path, name: name.optional(), cancelJobs: cancelJobs.optional() }).strict(),
    'Create an empty project folder and open it (running jobs: as project.open).'),
  'project.openDemo': request<JobRef>()(z.object({ cancelJobs: cancelJobs.optional() }).strict(),
    'Open (making it first if needed) the demo project (running jobs: as project.open).'),
  'project.info': request<ProjectInfo>()(z.object({}).strict(), 'What the open project holds.'),

  'dataset.import': request<JobRef>()(
    z.object({
      name,
      format: z.enum(['idx', 'digits-csv', 'npy', 'folder']),
      path,
      labels: path.optional(),
      /** A preset (as `margin import-data --class-names`) or one name per class, in label order. */
      classNames: z.union([z.literal('fashion-mnist'), z.literal('digits'), z.array(name).min(2)]).optional(),
      /** Hold out this fraction of each class as split 'test' (the rest is 'train'); for data that comes as one split. */
      testFraction: z.number().gt(0, 'must be in (0, 1)').lt(1, 'must be in (0, 1)').optional(),
      /** Seed of the stratified split (default 0). */
      seed: seed.optional(),
    }).strict(),
    'Import a data set from files on this machine; testFraction splits it (stratified by class, seeded) into train and test. The job result is {datasetId, items, splits}.',
  ),
  'dataset.items': request<ItemView[]>()(
    z.object({ dataset: name, items: z.array(z.number().int().min(0)).min(1).max(500), ...modelRef, model: name.optional() }).strict(),
    'Thumbnails and labels (and predictions, with a model) of some items.',
  ),

  'items.list': request<ItemPage>()(
    z.object({
      ...modelRef,
      filter: subset.extend({ sample: name.optional(), membership: z.enum(['any', 'members', 'non-members']).default('any') }).default({ outcome: 'all', membership: 'any' }),
      sort: z.object({ by: z.enum(['item', 'confidence', 'trueClass', 'predicted']).default('item'), dir: z.enum(['asc', 'desc']).default('asc') }).default({ by: 'item', dir: 'asc' }),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(200).default(48),
    }).strict(),
    'A page of a checkpoint\'s items with their predictions, filtered and sorted (the item grid).',
  ),
  'scores.get': request<ItemScoresResult>()(
    z.object(modelRef).strict(),
    'Per-item scores of a checkpoint (hardness, mistakenness, uniqueness, representativeness), computed once and stored; join on item id.',
  ),
  'items.detail': request<ItemDetail>()(
    z.object({ ...modelRef, item: z.number().int().min(0), neighbours: z.number().int().min(0).max(50).default(8) }).strict(),
    'One item: large image, every class probability, nearest neighbours in the latent space, samples holding it.',
  ),

  'items.export': request<{ path: string; rows: number; bytes: number }>()(
    z.object({
      ...modelRef,
      filter: subset.extend({ sample: name.optional(), membership: z.enum(['any', 'members', 'non-members']).default('any') }).default({ outcome: 'all', membership: 'any' }),
      out: path,
      format: z.enum(['csv', 'parquet']).default('csv'),
      overwrite: z.boolean().default(false),
    }).strict(),
    'Write the filtered items (a sample, a selection, …) with their predictions to a CSV or Parquet file, through the safe output path.',
  ),

  'compare.flips': request<FlipComparison>()(
    z.object({
      a: z.object(modelRef).strict(),
      b: z.object(modelRef).strict(),
      /** Compare on a sample's members (a sample of model A) instead of every common item. */
      sample: name.optional(),
      limit: z.number().int().min(0).max(10_000).default(1_000),
    }).strict(),
    'B − A confusion, per-class accuracy change and the items that flipped (right→wrong, wrong→right) between two checkpoints or models.',
  ),

  'project.export': request<{ model: string; checkpoint: string; what: string; format: string; files: string[]; rows: number }>()(
    z.object({
      ...modelRef,
      what: z.enum(['predictions', 'latent', 'activations', 'samples']),
      layer: name.optional(),
      sample: name.optional(),
      /** Default: from the extension of `out`. */
      format: z.enum(['parquet', 'csv', 'npy']).optional(),
      /** Absolute path on the machine running the workbench. */
      out: path,
      overwrite: z.boolean().default(false),
    }).strict(),
    'Export a checkpoint\'s predictions, latent vectors, a layer\'s activations or a model\'s samples (as `margin export`, which goes through this request while the workbench has the project open), through the safe output path.',
  ),
  'model.import': request<JobRef>()(
    z.object({ name, path, checkpoint: name.optional(), dataset: name.optional(), engine: z.enum(['auto', 'tfjs', 'onnxruntime']).optional() }).strict(),
    'Import a TensorFlow.js LayersModel (model.json) or an ONNX file as a model or as a new checkpoint of one. engine (TF.js models): auto translates to ONNX when every layer is supported and matches TF.js to 1e-4, tfjs never, onnxruntime or fail; default the model\'s recorded choice, else auto.',
  ),
  'model.train': request<JobRef>()(
    z.object({
      arch: z.enum(TRAINABLE_ARCHITECTURES),
      /** Data set of the project to train on. */
      data: name,
      split: name.optional(),
      /** Split validated on after each epoch; default 'test' when it exists; null = none. */
      evalSplit: name.nullable().optional(),
      epochs: z.number().int().min(1).max(1000),
      batchSize: z.number().int().min(1).max(65536).default(64),
      seed: seed.default(1),
      learningRate: z.number().gt(0, 'must be > 0').max(10).optional(),
      /** Model name (default: the architecture's). */
      name: name.optional(),
    }).strict(),
    'Train lenet5-bn or mlp on a data set of the project as a job (progress per batch, cancel keeps finished epochs), registering one checkpoint per epoch with its loss/accuracy history. The job result is a TrainOutcome.',
  ),
  'model.confusion': request<ConfusionResult>()(z.object(modelRef).strict(), 'Confusion matrix and accuracy of a checkpoint.'),
  'model.extract': request<JobRef>()(
    z.object({
      ...modelRef,
      layers: z.union([z.literal('all'), z.literal('main'), z.array(name).min(1)]).default('main'),
      sample: name.optional(),
      dtype: z.enum(['float32', 'float16']).default('float32'),
      /** Run it on a Dask cluster: `local:N` (a local cluster of N workers) or a scheduler address (tcp://host:8786). */
      cluster: clusterAddress.optional(),
      /** Items per cluster shard (a multiple of the compute batch); default chosen from the model's cost. */
      shardSize: z.number().int().min(1).max(100_000_000).optional(),
    }).strict(),
    'Extract activations (predictions and latent vectors always) as a job, here or as Dask tasks on a cluster (one per shard of items).',
  ),

  'latent.projection': request<LatentProjection>()(
    z.object({ ...modelRef, method: z.enum(['pca', 'umap']).default('pca'), sample: name.optional(), seed: seed.default(1) }).strict(),
    '2-D projection of the latent vectors.',
  ),
  'latent.tsne': request<JobRef>()(
    z.object({
      ...modelRef,
      sample: name.optional(),
      perplexity: z.number().min(2).max(100).default(30),
      iterations: z.number().int().min(50).max(5000).default(500),
    }).strict(),
    'Barnes-Hut t-SNE of the latent vectors as a job (worker thread; progress per 10 iterations; cancel stops it; PCA-initialised, so deterministic without a seed). The job result is a LatentProjection (method "tsne"), kept for the session: asking again is immediate.',
  ),

  'sample.create': request<JobRef>()(
    z.object({
      ...modelRef,
      method: z.enum(SAMPLER_METHODS),
      fraction: fraction.default(0.05),
      j: tuning.optional(),
      seed: seed.default(1),
      name: name.optional(),
      options: samplerOptionsSchema.optional(),
    }).strict(),
    'Create a sample as a job; the job result is a SampleSummary. `options`: the sampler\'s advanced settings (SAMPLER_OPTION_METHODS says which apply).',
  ),
  'sample.rename': request<SampleSummary>()(z.object({ model: name, sample: name, to: name }).strict(), 'Rename a sample of a model.'),
  'sample.delete': request<{ deleted: string; members: number }>()(z.object({ model: name, sample: name }).strict(), 'Delete a sample (its members; stored activations stay).'),
  'sample.list': request<SampleSummary[]>()(z.object({ model: name.optional() }).strict(), 'Samples of the project (of one model).'),

  'query.run': request<QueryResult>()(queryRunParams, 'Answer S1/S2/S3 for a subset, exactly or from a sample.'),
  'query.named': request<NamedQueryResult>()(queryNamedParams, 'The paper\'s Table II queries Q1–Q7 by name.'),

  'answers.save': request<SavedAnswerSummary>()(
    z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('query.run'), title: name.optional(), params: queryRunParams, result: queryResultShape, pinned: z.boolean().default(false) }).strict(),
      z.object({ kind: z.literal('query.named'), title: name.optional(), params: queryNamedParams, result: namedResultShape, pinned: z.boolean().default(false) }).strict(),
    ]),
    'Keep an answer in the project\'s history: the request as asked (query.run or query.named params) and its result as shown. Default title: the question in words.',
  ),
  'answers.list': request<SavedAnswerSummary[]>()(
    z.object({ model: name.optional(), pinned: z.boolean().optional() }).strict(),
    'The saved answers, newest first (of one model; only the pinned ones).',
  ),
  'answers.get': request<SavedAnswer>()(z.object({ id: answerId }).strict(), 'One saved answer with its request and result, to re-open it.'),
  'answers.update': request<SavedAnswerSummary>()(
    z.object({ id: answerId, pinned: z.boolean().optional(), title: name.optional() }).strict(),
    'Pin (for the report) or unpin, or rename, a saved answer.',
  ),
  'answers.delete': request<{ deleted: number }>()(z.object({ id: answerId }).strict(), 'Delete a saved answer.'),

  'query.cluster': request<JobRef>()(
    z.object({
      cluster: clusterAddress,
      /** Rows per Dask task, a multiple of the 2,048-row summation block (default 8,192). */
      shardSize: z.number().int().min(2048).max(100_000_000).multipleOf(2048, 'must be a multiple of 2,048 rows (the summation block)').optional(),
      /** An S1/S2/S3 exact answer (query.run's parameters) … */
      run: queryRunParams.optional(),
      /** … or a Table II query (query.named's parameters; one of CLUSTER_NAMED_QUERIES). */
      named: queryNamedParams.optional(),
    }).strict().superRefine((v, ctx) => {
      if ((v.run === undefined) === (v.named === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['run'], message: 'give exactly one of run (an S1/S2/S3 query) or named (a Table II query, Q1–Q7)' });
        return;
      }
      const why = clusterQueryRefusal(v.named ?? v.run!);
      if (why) ctx.addIssue({ code: 'custom', path: [v.named ? 'named' : 'run', why.argument], message: why.message });
    }),
    'An exact answer (S1/S2/S3, or Q1–Q7 without a sample) computed on a Dask cluster as a job: per-block partial sums, maxima, argmax counts (Q4: centred moments; Q6: hit counts; Q7: Gram matrices) combined here, equal to the local answer. The job result is a QueryResult (run) or a NamedQueryResult (named).',
  ),

  'neuron.inspect': request<NeuronInspection>()(
    z.object({
      ...modelRef,
      layer: name,
      neuron: z.number().int().min(0),
      granularity: z.enum(['unit', 'channel']).default('unit'),
      reduce: z.enum(['mean', 'max']).default('mean'),
      k: z.number().int().min(1).max(100).default(12),
      sample: name.optional(),
      /** Search only this subset's items (the question asked); the sample's members in it when a sample is given too. */
      subset: subset.optional(),
      saliency: z.boolean().default(true),
      /** Gradient of the neuron itself (default) or of each item's true-class logit. */
      saliencyOf: z.enum(['neuron', 'class']).default('neuron'),
      /** Side of the thumbnails and saliency maps in px. */
      imageSize: z.number().int().min(28).max(256).default(112),
    }).strict(),
    'The inputs that activate a neuron (or channel) most — of a subset when given — with saliency maps of that neuron and its receptive field.',
  ),

  'evaluate.start': request<JobRef>()(
    z.object({
      ...modelRef, experiment: z.enum(EXPERIMENTS), seeds: z.number().int().min(1).max(50).default(10),
      fractions: z.array(z.number().gt(0).max(1)).min(1).max(20).optional(),
      samplerOptions: samplerOptionsByMethodSchema.optional(),
      /** Compute the exact answers (the ground truth samples are scored against) on a Dask cluster. */
      cluster: clusterAddress.optional(),
    }).strict(),
    'Run one of the paper\'s experiments as a job. fractions: E1\'s (default 0.05, 0.1, 0.2, 0.4, 0.8); samplerOptions: options per sampler (default: Margin\'s defaults), stored with each run; cluster: compute the exact answers on a Dask cluster.',
  ),
  'evaluate.list': request<EvaluationRunSummary[]>()(z.object({ model: name.optional() }).strict(), 'Stored evaluation runs.'),

  'report.export': request<JobRef>()(
    z.object({
      ...modelRef,
      compare: name.optional(),
      out: path,
      pdf: z.boolean().default(true),
      overwrite: z.boolean().default(false),
      /** Saved answers to include (ids); default: the pinned ones (none pinned: the newest saved query answers of the model). */
      answers: z.array(answerId).max(200).optional(),
      /** Samples of the model to list, by name; default: all of them. */
      samples: z.array(name).max(200).optional(),
      /** Comparisons of two checkpoints (of one model, or of two models), each with its B − A confusion and flips. */
      comparisons: z.array(z.object({ a: z.object(modelRef).strict(), b: z.object(modelRef).strict() }).strict()).max(10).optional(),
      /** Example thumbnails per subset (answers, comparisons' flips); 0 for none. */
      thumbnails: z.number().int().min(0).max(32).default(8),
    }).strict(),
    'Export the analysis as HTML (+PDF, +CSV) as a job: the chosen saved answers (default the pinned ones) with example items of each subset, samples and comparisons. Refused inside a project\'s own files; an existing file is refused (CONFLICT, details.kind "output-exists") unless overwrite is true.',
  ),

  'jobs.list': request<JobSummary[]>()(z.object({}).strict(), 'Jobs of this session.'),
  'jobs.cancel': request<{ cancelled: boolean }>()(z.object({ jobId: z.string().min(1).max(100) }).strict(), 'Cancel a running job.'),
} as const;

export type Requests = typeof requests;
export type RequestName = keyof Requests;
export const REQUEST_NAMES = Object.keys(requests) as RequestName[];

/** What a caller passes (defaults may be omitted). */
export type ParamsIn<N extends RequestName> = z.input<Requests[N]['params']>;
/** What a handler receives (defaults applied, validated). */
export type ParamsOut<N extends RequestName> = z.output<Requests[N]['params']>;
export type Result<N extends RequestName> = NonNullable<Requests[N]['result']>;

export function isRequestName(s: unknown): s is RequestName {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(requests, s);
}

// ---------------------------------------------------------------------------------------------
// Pushed events

export interface JobProgress {
  jobId: string;
  kind: string;
  title: string;
  done: number;
  total: number;
  itemsPerSecond: number | null;
  etaSeconds: number | null;
  message?: string;
}

export interface Events {
  'job.started': { jobId: string; kind: string; title: string };
  'job.progress': JobProgress;
  'job.finished': { jobId: string; kind: string; result: unknown; seconds: number };
  'job.failed': { jobId: string; kind: string; error: ErrorPayload };
  'job.cancelled': { jobId: string; kind: string };
  'project.changed': { project: ProjectSummary | null };
}
export type EventName = keyof Events;
export interface EventMessage<E extends EventName = EventName> {
  event: E;
  payload: Events[E];
}
export const EVENT_NAMES: EventName[] = ['job.started', 'job.progress', 'job.finished', 'job.failed', 'job.cancelled', 'project.changed'];

// ---------------------------------------------------------------------------------------------
// Wire format (identical over IPC and HTTP)

export type Reply<R = unknown> = { ok: true; result: R } | { ok: false; error: ErrorPayload };

/** What the preload exposes as `window.margin` — and nothing else. */
export interface MarginBridge {
  request(name: string, params: unknown): Promise<Reply>;
  onEvent(listener: (message: EventMessage) => void): () => void;
}

/** IPC channel names: the preload's allow-list. */
export const IPC_REQUEST_CHANNEL = 'margin:request';
export const IPC_EVENT_CHANNEL = 'margin:event';

/** Turns zod issues into one readable sentence that names each argument. */
export function describeIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string; code?: string }>): string {
  return issues
    .map((i) => {
      const where = i.path.length ? i.path.map(String).join('.') : 'parameters';
      return `${where}: ${i.message}`;
    })
    .join('; ');
}
