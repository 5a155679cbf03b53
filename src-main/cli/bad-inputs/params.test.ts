/**
 * Bad parameters (out-of-range numbers, unknown names, unknown models, layers, samples, methods,
 * outputs inside the project) through the CLI and the API: refused with the argument named and
 * the accepted range or choices, the store unchanged. `--workers 1000` is clamped with a note.
 */
import path from 'node:path';
import { runCorpus, type Built, type Case } from './corpus.ts';
import { DATASET, MODEL, SAMPLE } from './fixtures.ts';

function pair(name: string, forms: Built[]): Case {
  return { name, build: () => ({ ...forms[0], ...(forms[1] ? { api: forms[1].api } : {}), re: forms[0].re }) };
}

/** A case whose CLI and API messages differ: built per side from the project folder. */
function split(name: string, cli: Built | null, api: Built | null): Case[] {
  const out: Case[] = [];
  if (cli) out.push({ name: `${name} (CLI)`, build: () => cli });
  if (api) out.push({ name: `${name} (API)`, build: () => api });
  return out;
}

const sample = (extra: string[]) => ['sample', '--model', MODEL, '--method', 'uniform', ...extra];
const sampleApi = (p: Record<string, unknown>): [string, Record<string, unknown>] => ['sample.create', { model: MODEL, method: 'uniform', ...p }];
const query = (extra: string[]) => ['query', '--model', MODEL, '--set', 'S1', '--layer', 'relu3', ...extra];
const queryApi = (p: Record<string, unknown>): [string, Record<string, unknown>] => ['query.run', { model: MODEL, set: 'S1', layer: 'relu3', ...p }];
const extract = (extra: string[]) => ['extract', '--model', MODEL, ...extra];
const extractApi = (p: Record<string, unknown>): [string, Record<string, unknown>] => ['model.extract', { model: MODEL, ...p }];

const cases: Case[] = [
  ...split('sample: fraction 0', { cli: sample(['--fraction', '0']), re: /--fraction must be a number in \(0, 1\], got 0/, code: 'BAD_REQUEST' }, { api: sampleApi({ fraction: 0 }), re: /fraction: must be in \(0, 1\]/, code: 'BAD_REQUEST' }),
  ...split('sample: fraction 1.5', { cli: sample(['--fraction', '1.5']), re: /--fraction must be a number in \(0, 1\], got 1\.5/, code: 'BAD_REQUEST' }, { api: sampleApi({ fraction: 1.5 }), re: /fraction: must be in \(0, 1\]/, code: 'BAD_REQUEST' }),
  ...split('sample: fraction NaN', { cli: sample(['--fraction', 'NaN']), re: /--fraction must be a number in \(0, 1\], got "NaN"/, code: 'BAD_REQUEST' }, { api: sampleApi({ fraction: Number.NaN }), re: /fraction: /, code: 'BAD_REQUEST' }),
  ...split('sample: negative seed', { cli: sample(['--seed=-1']), re: /--seed must be an integer from 0 to 2147483647, got -1/, code: 'BAD_REQUEST' }, { api: sampleApi({ seed: -1 }), re: /seed: /, code: 'BAD_REQUEST' }),
  ...split('sample: unknown method', { cli: sample(['--method', 'bogus']), re: /--method must be one of uniform, .*got bogus/, code: 'BAD_REQUEST' }, { api: sampleApi({ method: 'bogus' }), re: /method: /, code: 'BAD_REQUEST' }),
  ...split('sample: --j 2', { cli: sample(['--j', '2']), re: /--j must be a number in \[0, 1\], got 2/, code: 'BAD_REQUEST' }, { api: sampleApi({ j: 2 }), re: /j: /, code: 'BAD_REQUEST' }),
  pair('sample: unknown model', [{ cli: ['sample', '--model', 'nope', '--method', 'uniform'], api: sampleApi({ model: 'nope' }), re: /no model "nope" in this project: choose one of net/, code: 'NOT_FOUND' }]),
  ...split('query: k = 0', { cli: query(['--k', '0']), re: /--k must be an integer from 1 to 10000, got 0/, code: 'BAD_REQUEST' }, { api: queryApi({ k: 0 }), re: /k: /, code: 'BAD_REQUEST' }),
  ...split('query: unknown set', { cli: ['query', '--model', MODEL, '--set', 'S9', '--layer', 'relu3'], re: /--set: /, code: 'BAD_REQUEST' }, { api: queryApi({ set: 'S9' }), re: /set: /, code: 'BAD_REQUEST' }),
  ...split('query: negative class', { cli: query(['--class=-1']), re: /--class must be an integer ≥ 0, got -1/, code: 'BAD_REQUEST' }, { api: queryApi({ subset: { trueClass: -1 } }), re: /subset\.trueClass: /, code: 'BAD_REQUEST' }),
  pair('query: unknown layer', [{ cli: ['query', '--model', MODEL, '--set', 'S1', '--layer', 'nope'], api: queryApi({ layer: 'nope' }), re: /nope/, code: 'NOT_FOUND' }]),
  pair('query: unknown sample', [{ cli: query(['--sample', 'nope']), api: queryApi({ sample: 'nope' }), re: /sample.*"nope"|"nope".*sample/, code: 'NOT_FOUND' }]),
  pair('query: unknown model', [{ cli: ['query', '--model', 'nope', '--set', 'S1', '--layer', 'relu3'], api: queryApi({ model: 'nope' }), re: /no model (named )?"nope" in this project/, code: 'NOT_FOUND' }]),
  { name: 'extract: --workers 1000 is clamped to the cores, with a note', build: () => ({ cli: extract(['--workers', '1000']), re: /note: workers: 1000 asked for, \d+ used \(the cores available on this machine\)/, warns: true }) },
  { name: 'extract: --workers=-1', build: () => ({ cli: extract(['--workers=-1']), re: /--workers must be an integer ≥ 0, got -1/, code: 'BAD_REQUEST' }) },
  { name: 'extract: --workers 1.5', build: () => ({ cli: extract(['--workers', '1.5']), re: /--workers must be an integer ≥ 0, got 1\.5/, code: 'BAD_REQUEST' }) },
  pair('extract: unknown layer', [{ cli: extract(['--layers', 'nope']), api: extractApi({ layers: ['nope'] }), re: /layers: nope is not a layer of the model; choose from/, code: 'NOT_FOUND' }]),
  pair('extract: unknown model', [{ cli: ['extract', '--model', 'nope'], api: extractApi({ model: 'nope' }), re: /no model "nope" in this project/, code: 'NOT_FOUND' }]),
  pair('extract: unknown sample', [{ cli: extract(['--sample', 'nope']), api: extractApi({ sample: 'nope' }), re: /sample: model "net" has no sample "nope"/, code: 'NOT_FOUND' }]),
  pair('extract: unknown checkpoint', [{ cli: extract(['--checkpoint', 'nope']), api: extractApi({ checkpoint: 'nope' }), re: /model "net" has no checkpoint "nope": choose one of c1/, code: 'NOT_FOUND' }]),
  ...split('extract: dtype float64', { cli: extract(['--dtype', 'float64']), re: /--dtype must be float32 or float16, got float64/, code: 'BAD_REQUEST' }, { api: extractApi({ dtype: 'float64' }), re: /dtype: /, code: 'BAD_REQUEST' }),
  ...split('import-data: unknown format', { cli: ['import-data', '--name', 'x', '--format', 'hdf5', '--path', '/tmp'], re: /--format must be one of idx, digits-csv, npy, folder, got hdf5/, code: 'BAD_REQUEST' }, { api: ['dataset.import', { name: 'x', format: 'hdf5', path: '/tmp' }], re: /format: /, code: 'BAD_REQUEST' }),
  pair('import-data: duplicate class names', [{ cli: ['import-data', '--name', 'x', '--format', 'idx', '--path', '/nonexistent', '--class-names', 'a,b,a'], api: ['dataset.import', { name: 'x', format: 'idx', path: '/nonexistent', classNames: ['a', 'b', 'a'] }], re: /classNames\[2\] repeats the name "a"/, code: 'BAD_INPUT' }]),
  pair('import-data: name taken', [{ cli: ['import-data', '--name', DATASET, '--format', 'idx', '--path', '/nonexistent'], api: ['dataset.import', { name: DATASET, format: 'idx', path: '/nonexistent' }], re: /a data set named "digits8" exists already/, code: 'CONFLICT' }]),
  ...split('import-data: empty path', { cli: ['import-data', '--name', 'x', '--format', 'idx', '--path', ' '], re: /--path is required/, code: 'BAD_REQUEST' }, { api: ['dataset.import', { name: 'x', format: 'idx', path: '' }], re: /path: must not be empty/, code: 'BAD_REQUEST' }),
  ...split('import-model: unknown engine', { cli: ['import-model', '--name', 'x', '--path', '/tmp/m.json', '--engine', 'cuda'], re: /--engine must be one of auto, tfjs, onnxruntime, got "cuda"/, code: 'BAD_REQUEST' }, { api: ['model.import', { name: 'x', path: '/tmp/m.json', engine: 'cuda' }], re: /engine: /, code: 'BAD_REQUEST' }),
  ...split('evaluate: unknown experiment', { cli: ['evaluate', '--model', MODEL, '--experiment', 'e9', '--out', '/tmp/x'], re: /--experiment must be one of .*got e9/, code: 'BAD_REQUEST' }, { api: ['evaluate.start', { model: MODEL, experiment: 'e9' }], re: /experiment: /, code: 'BAD_REQUEST' }),
  { name: 'train: unknown architecture', build: () => ({ cli: ['train', '--arch', 'resnet', '--data', DATASET, '--epochs', '1'], re: /resnet/, code: 'BAD_REQUEST' }) },
  { name: 'train: 0 epochs', build: () => ({ cli: ['train', '--arch', 'mlp', '--data', DATASET, '--epochs', '0'], re: /--epochs must be an integer from 1 to 1000, got 0/, code: 'BAD_REQUEST' }) },
  { name: 'export: unknown --what', build: (d) => ({ cli: ['export', '--model', MODEL, '--what', 'weights', '--out', path.join(d, 'x.csv')], re: /what: must be one of .*got "weights"/, code: 'BAD_INPUT' }) },
  { name: 'export: --out onto the project\'s store.duckdb', build: (_d, p) => ({ cli: ['export', '--model', MODEL, '--what', 'predictions', '--format', 'parquet', '--out', path.join(p.dir, 'store.duckdb')], re: /store\.duckdb/, code: 'BAD_INPUT' }) },
  pair('report: --out inside the project\'s models/', [{ cli: ['report', '--model', MODEL, '--out', path.join('PROJECT', 'models', 'r.html')], api: ['report.export', { model: MODEL, out: path.join('PROJECT', 'models', 'r.html'), pdf: false }], re: /models/, code: 'BAD_INPUT' }]),
  { name: 'API: latent projection by an unknown method', build: () => ({ api: ['latent.projection', { model: MODEL, method: 'tsne' }], re: /method: /, code: 'BAD_REQUEST' }) },
  { name: 'API: unknown request', build: () => ({ api: ['dataset.delete', { name: DATASET }], re: /unknown request "dataset\.delete"/, code: 'BAD_REQUEST' }) },
  { name: 'API: an unknown parameter', build: () => ({ api: sampleApi({ fraction: 0.5, frac: 0.5 }), re: /frac/, code: 'BAD_REQUEST' }) },
  { name: 'API: neuron index past the layer', build: () => ({ api: ['neuron.inspect', { model: MODEL, layer: 'relu3', neuron: 1_000_000, saliency: false }], re: /1000000|neuron/ }) },
  { name: 'API: items of an empty list', build: () => ({ api: ['dataset.items', { dataset: DATASET, items: [] }], re: /items: /, code: 'BAD_REQUEST' }) },
  { name: 'API: named query Q9', build: () => ({ api: ['query.named', { query: 'Q9', model: MODEL }], re: /query: /, code: 'BAD_REQUEST' }) },
  { name: 'API: Q6 from a sample on a cluster', build: () => ({ api: ['query.cluster', { cluster: 'local:2', named: { query: 'Q6', model: MODEL, sample: SAMPLE } }], re: /named\.sample: a sample's answer is computed on this machine/, code: 'BAD_REQUEST' }) },
  { name: 'API: a sample answer on a cluster', build: () => ({ api: ['query.cluster', { cluster: 'local:2', run: { model: MODEL, set: 'S2', layer: 'relu3', sample: SAMPLE } }], re: /run\.sample: a sample's answer is computed on this machine/, code: 'BAD_REQUEST' }) },
  { name: 'API: cluster query with neither run nor named', build: () => ({ api: ['query.cluster', { cluster: 'tcp://head:8786', shardSize: 1000 }], re: /shardSize: must be a multiple of 2,048.*run: give exactly one of run/s, code: 'BAD_REQUEST' }) },
  { name: 'CLI: --named Q7 from a sample with --cluster', build: () => ({ cli: ['query', '--model', MODEL, '--named', 'Q7', '--checkpoint2', 'epoch-1', '--sample', SAMPLE, '--cluster', 'local:2'], re: /--sample: a sample's answer is computed on this machine/, code: 'BAD_REQUEST' }) },
  pair('sample: name taken', [{ cli: sample(['--fraction', '0.5', '--name', SAMPLE]), api: sampleApi({ fraction: 0.5, name: SAMPLE }), re: /s1/, code: 'CONFLICT' }]),
];

// 'PROJECT' in a path stands for the folder of the project the case runs on.
for (const c of cases) {
  const build = c.build;
  c.build = async (d, p) => {
    const b = await build(d, p);
    const fix = (s: unknown) => (typeof s === 'string' && s.startsWith('PROJECT') ? p.dir + s.slice('PROJECT'.length) : s);
    return {
      ...b,
      cli: b.cli?.map((a) => fix(a) as string),
      api: b.api ? [b.api[0], Object.fromEntries(Object.entries(b.api[1]).map(([k, v]) => [k, fix(v)]))] : undefined,
    };
  };
}

runCorpus('bad parameters (CLI and API)', cases);
