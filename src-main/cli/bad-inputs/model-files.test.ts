/**
 * Bad model files (TF.js model.json + shards, ONNX) through `margin import-model` and the
 * `model.import` request: refused with a message naming the file and the problem, without
 * quoting it, the store unchanged — and a model whose weights are all NaN imports with a warning.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runCorpus, MARK, type Built, type Case } from './corpus.ts';
import { mkfifo, put, savedModel, sparse } from './fixtures.ts';
import type { ErrorCode } from '../../shared/errors.ts';

interface Manifest {
  modelTopology: unknown;
  weightsManifest: Array<{ paths: string[]; weights: Array<{ name: string; shape: number[]; dtype: string }> }>;
}

/** A copy of the project's source model in d/m, model.json edited by `edit`; returns the model.json path. */
function copyModel(d: string, modelJson: string, edit?: (j: Manifest, dir: string) => void): string {
  const dir = path.join(d, 'm');
  fs.cpSync(path.dirname(modelJson), dir, { recursive: true });
  const file = path.join(dir, 'model.json');
  if (edit) {
    const j = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
    edit(j, dir);
    fs.writeFileSync(file, JSON.stringify(j));
  }
  return file;
}

function imp(file: string, re: RegExp, opts: { code?: ErrorCode; name?: string; extra?: string[]; params?: Record<string, unknown> } = {}): Built {
  const name = opts.name ?? 'bad';
  return {
    cli: ['import-model', '--name', name, '--path', file, '--engine', 'tfjs', ...(opts.extra ?? [])],
    api: ['model.import', { name, path: file, engine: 'tfjs', ...(opts.params ?? {}) }],
    re,
    code: opts.code,
  };
}

const cases: Case[] = [
  { name: 'TF.js: model.json is not JSON', build: (d) => imp(put(d, 'model.json', `{"modelTopology": ${MARK}`), /model file .*model\.json is not JSON/) },
  { name: 'TF.js: model.json without modelTopology', build: (d) => imp(put(d, 'model.json', JSON.stringify({ weightsManifest: [], note: MARK })), /model\.json has no modelTopology/) },
  { name: 'TF.js: missing weight shard', build: (d, p) => { const f = copyModel(d, p.modelJson); fs.rmSync(path.join(d, 'm', 'weights.bin')); return imp(f, /weight file .*m\/weights\.bin listed in .*model\.json is missing/); } },
  { name: 'TF.js: shard larger than the manifest says', build: (d, p) => { const f = copyModel(d, p.modelJson); fs.appendFileSync(path.join(d, 'm', 'weights.bin'), Buffer.alloc(64)); return imp(f, /weight files of .*model\.json hold \d+ bytes but its weightsManifest lists \d+/); } },
  { name: 'TF.js: truncated shard', build: (d, p) => { const f = copyModel(d, p.modelJson); const w = path.join(d, 'm', 'weights.bin'); fs.truncateSync(w, fs.statSync(w).size - 100); return imp(f, /weight file .*weights\.bin is truncated: .* lists \d+ bytes of weights but the shards hold \d+/); } },
  { name: 'TF.js: manifest claims 10^12 weights (no allocation)', build: (d, p) => imp(copyModel(d, p.modelJson, (j) => { j.weightsManifest[0].weights[0].shape = [1_000_000, 1_000_000]; }), /weight file .*weights\.bin is truncated: .* lists \d+ bytes of weights/) },
  { name: 'TF.js: unknown weight dtype', build: (d, p) => imp(copyModel(d, p.modelJson, (j) => { j.weightsManifest[0].weights[0].dtype = 'string'; }), /weightsManifest entry .* has an unsupported dtype/) },
  { name: 'TF.js: negative dimension in the manifest', build: (d, p) => imp(copyModel(d, p.modelJson, (j) => { j.weightsManifest[0].weights[1].shape = [-4]; }), /weightsManifest entry .* has a shape that is not a list of non-negative integers/) },
  { name: 'TF.js: shard path leaving the folder', build: (d, p) => imp(copyModel(d, p.modelJson, (j) => { j.weightsManifest[0].paths = ['../../../../etc/passwd']; }), /weight path \.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd leaves the model folder/) },
  { name: 'TF.js: absolute shard path', build: (d, p) => imp(copyModel(d, p.modelJson, (j) => { j.weightsManifest[0].paths = ['/etc/hostname']; }), /weight path \/etc\/hostname leaves the model folder/) },
  { name: 'TF.js: shard is a FIFO (must not hang)', build: (d, p) => { const f = copyModel(d, p.modelJson); fs.rmSync(path.join(d, 'm', 'weights.bin')); mkfifo(path.join(d, 'm'), 'weights.bin'); return imp(f, /weights\.bin: weight file listed in .*model\.json must be a regular file, but this is a FIFO/); } },
  { name: 'TF.js: model.json is a link to /dev/zero', build: (d) => { const f = path.join(d, 'model.json'); fs.symlinkSync('/dev/zero', f); return imp(f, /model\.json: TF\.js model\.json must be a regular file, but this is a character device/); } },
  { name: 'TF.js: model.json is a directory', build: (d) => { const f = path.join(d, 'model.json'); fs.mkdirSync(f); return imp(f, /model\.json: TF\.js model\.json must be a regular file, but this is a directory/); } },
  { name: 'TF.js: model.json of 100 MB (sparse)', build: (d) => imp(sparse(d, 'model.json', 100 * 2 ** 20), /model\.json: TF\.js model\.json is 100 MB, more than the 64 MB/) },
  { name: 'TF.js: model.json that does not exist', build: (d) => imp(path.join(d, 'nowhere', 'model.json'), /nowhere\/model\.json: TF\.js model\.json not found/) },
  { name: 'TF.js: 3 classes for a 10-class data set', build: async (d) => imp(await savedModel(path.join(d, 'three'), 2, 3), /predicts 3 classes but data set "digits8" has 10/) },
  { name: 'TF.js: 28×28 input for 8×8 images', build: async (d) => imp(await savedModel(path.join(d, 'big'), 2, 10, 28), /expects input of shape \[batch, 28, 28, 1\] but the data set has images of 8×8×1/) },
  { name: 'TF.js: unknown data set', build: (d, p) => imp(copyModel(d, p.modelJson), /dataset: no data set "nope"/, { code: 'NOT_FOUND', extra: ['--dataset', 'nope'], params: { dataset: 'nope' } }) },
  { name: 'TF.js: checkpoint label taken', build: (d, p) => imp(copyModel(d, p.modelJson), /model "net" has a checkpoint "c1" already/, { code: 'CONFLICT', name: 'net', extra: ['--checkpoint', 'c1'], params: { checkpoint: 'c1' } }) },
  { name: 'TF.js: all weights NaN (imports, with a warning)', build: (d, p) => { const f = copyModel(d, p.modelJson); const w = path.join(d, 'm', 'weights.bin'); fs.writeFileSync(w, Buffer.from(new Float32Array(fs.statSync(w).size / 4).fill(Number.NaN).buffer)); return { ...imp(f, /weight value\(s\) are NaN or infinite.*accuracy at chance/, { name: 'nan-net' }), warns: true, changesStore: true }; } },
  { name: 'ONNX: garbage bytes', build: (d) => imp(put(d, 'm.onnx', Buffer.concat([Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]), Buffer.from(MARK)])), /model file .*m\.onnx is not an ONNX model/) },
  { name: 'ONNX: empty file', build: (d) => imp(put(d, 'm.onnx', ''), /m\.onnx is not an ONNX model \(no graph nodes or opset import\)/) },
  { name: 'ONNX: 3 GB file (sparse)', build: (d) => imp(sparse(d, 'm.onnx', 3 * 2 ** 30), /m\.onnx: ONNX model file is 3\.0 GB, more than the 2\.0 GB/) },
  { name: 'ONNX: a FIFO named .onnx', build: (d) => imp(mkfifo(d, 'm.onnx'), /m\.onnx: ONNX model file must be a regular file, but this is a FIFO/) },
];

// ONNX files run on ONNX Runtime only: their cases import without --engine tfjs.
for (const c of cases.filter((x) => x.name.startsWith('ONNX'))) {
  const build = c.build;
  c.build = async (d, p) => {
    const b = await build(d, p);
    return { ...b, cli: b.cli?.filter((a, i, all) => a !== '--engine' && all[i - 1] !== '--engine'), api: b.api ? [b.api[0], Object.fromEntries(Object.entries(b.api[1]).filter(([k]) => k !== 'engine'))] : undefined };
  };
}

runCorpus('bad model files (CLI import-model and API model.import)', cases);
