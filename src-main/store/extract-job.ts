/**
 * Resumable extraction: run a checkpoint over the items of one split and store predictions and
 * the activations of the requested layers and of the model's latent layer (the latent vectors:
 * always stored, always as float32), in transactions of one or more compute batches
 * (`commitItems`).
 *
 * What is done is read back from the store itself (items with a prediction, items listed in a
 * layer's committed activation chunks), so a rerun after a crash, kill or cancel simply skips
 * them: nothing is computed twice into the store, nothing is lost. Each committed batch also
 * leaves a row in `extraction_batches` (an audit trail with timings).
 */
import { MarginError, badInput } from '../shared/errors.ts';
import { concatTyped } from '../core/typed-arrays.ts';
import type { BatchOutput, BatchRunner } from '../core/extraction-types.ts';
import { inTransaction, queryOne, queryRows } from './db.ts';
import { ActivationAppender, withCheckpointWriter, type AppendedPiece } from './activation-appender.ts';
import type { ActivationDtype } from './activation-files.ts';
import { extractedItems, invalidateActivations } from './activations.ts';
import { predictedItems, writePredictions, type PredictionRows } from './predictions.ts';
import { assertWritable } from './project.ts';
import type { Store } from './project.ts';

export interface ExtractionProgress {
  done: number;
  total: number;
  itemsPerSecond: number;
  etaSeconds: number;
}

export interface ExtractionOptions {
  store: Store;
  checkpointId: number;
  runner: BatchRunner;
  datasetId: number;
  split: string;
  /** Layers whose activations to store (predictions and the latent layer are always stored). */
  layers: string[];
  /** Only these items (e.g. a sample's members); default: the whole split. */
  itemIds?: Int32Array;
  dtype: ActivationDtype;
  /** Items per compute batch (what the runner is asked for at once). */
  batchSize: number;
  /**
   * Items per transaction (default: batchSize). Compute batches are gathered until they hold at
   * least this many items, then committed together: fewer, larger commits while the batches stay
   * small (less memory in flight, finer overlap of compute and writing). A crash or cancel loses
   * at most one such group's uncommitted work.
   */
  commitItems?: number;
  /** Runner calls issued at once per batch (the runner's worker count). Default 1. */
  parallel?: number;
  onProgress?: (p: ExtractionProgress) => void;
  signal?: AbortSignal;
  now?: () => number;
}

export interface ExtractionResult {
  total: number;
  /** Items already complete before this run. */
  skipped: number;
  /** Items computed and committed by this run. */
  computed: number;
  /** Transactions committed. */
  batches: number;
  seconds: number;
  /** Of `seconds`: waiting for the runner's outputs (compute not hidden behind writing) … */
  waitSeconds: number;
  /** … and writing + committing batches (while the next batch computes). */
  writeSeconds: number;
}

export interface WorkItem { itemId: number; index: number; label: number }

export async function runExtraction(o: ExtractionOptions): Promise<ExtractionResult> {
  const { store, checkpointId, runner, layers, dtype, batchSize } = o;
  const now = o.now ?? store.now;
  assertWritable(store, 'runExtraction');
  if (!Number.isInteger(checkpointId)) throw badInput(`runExtraction: checkpointId must be an integer, got ${checkpointId}`);
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw badInput(`runExtraction: batchSize must be a positive integer, got ${batchSize}`);
  if (o.commitItems !== undefined && !(Number.isInteger(o.commitItems) && o.commitItems > 0)) {
    throw badInput(`runExtraction: commitItems must be a positive integer, got ${o.commitItems}`);
  }
  if (dtype !== 'float32' && dtype !== 'float16') throw badInput(`runExtraction: dtype must be 'float32' or 'float16', got ${String(dtype)}`);
  if (!Array.isArray(layers) || new Set(layers).size !== layers.length) throw badInput('runExtraction: layers must be an array of distinct layer names');

  const ck = await queryOne(store.conn,
    'SELECT c.model_id, m.num_classes, m.latent_layer FROM checkpoints c JOIN models m ON m.id = c.model_id WHERE c.id = $1', [checkpointId]);
  if (!ck) throw new MarginError('NOT_FOUND', `checkpoint ${checkpointId} does not exist`);
  const numClasses = Number(ck.num_classes);
  const known = (await queryRows(store.conn, 'SELECT name FROM layers WHERE model_id = $1', [Number(ck.model_id)])).map((r) => String(r.name));
  const unknown = layers.filter((l) => known.length > 0 && !known.includes(l));
  if (unknown.length > 0) throw badInput(`runExtraction: ${unknown.join(', ')} ${unknown.length > 1 ? 'are not layers' : 'is not a layer'} of the model; known layers: ${known.join(', ')}`);

  // One job at a time writes a checkpoint's files (a lazy extraction for a query waits for a
  // running one); what is already stored is read inside that lock.
  return withCheckpointWriter(store, checkpointId, () => runLocked(o, numClasses, String(ck.latent_layer), now));
}

async function runLocked(o: ExtractionOptions, numClasses: number, latentLayer: string, now: () => number): Promise<ExtractionResult> {
  const { store, checkpointId, runner, layers, dtype, batchSize } = o;
  const work = await workList(store, o.datasetId, o.split, o.itemIds);
  const predicted = await predictedItems(store, checkpointId);
  // What is stored: the requested layers and the latent layer (from the runner's latent output
  // when it was not requested).
  const stored = layers.includes(latentLayer) ? layers : [...layers, latentLayer];
  const hasLayer = new Map<string, Set<number>>();
  for (const l of stored) hasLayer.set(l, new Set(await extractedItems(store, checkpointId, l)));
  const complete = (id: number) => predicted.has(id) && stored.every((l) => hasLayer.get(l)!.has(id));
  // Projects extracted before latents moved to the layer files keep them in the latents table;
  // an item whose latent layer is written here loses its old row in the same transaction.
  const legacyLatents = Number((await queryOne(store.conn, 'SELECT count(*) AS n FROM latents WHERE checkpoint_id = $1', [checkpointId]))?.n ?? 0) > 0;
  const pending = work.filter((w) => !complete(w.itemId));
  const total = work.length;
  const skipped = total - pending.length;
  const t0 = now();
  let computed = 0;
  let batches = 0;
  let waitMs = 0;
  const report = () => {
    const secs = (now() - t0) / 1000;
    const ips = secs > 0 ? computed / secs : 0;
    const left = total - skipped - computed;
    o.onProgress?.({ done: skipped + computed, total, itemsPerSecond: ips, etaSeconds: ips > 0 ? left / ips : left === 0 ? 0 : Infinity });
  };
  report();
  if (pending.length === 0) {
    if (o.split === 'test') await updateTestAccuracy(store, checkpointId, o.datasetId);
    return { total, skipped, computed, batches, seconds: 0, waitSeconds: 0, writeSeconds: 0 };
  }

  const appender = await store.lock.run(() => ActivationAppender.open(store, checkpointId, dtype));
  // The latent vectors stay exact (samplers and the latent view use them): float32 even when the
  // other layers are stored as float16.
  const latentAppender = dtype === 'float32' ? appender : await store.lock.run(() => ActivationAppender.open(store, checkpointId, 'float32'));
  const appenderOf = (layer: string) => (layer === latentLayer ? latentAppender : appender);
  const commitItems = o.commitItems ?? batchSize;
  // A three-stage pipeline: batch b+1 computes (runner) while batch b's layer rows are written to
  // their files (thread pool) and the previous group's index rows, predictions and latents
  // commit (DuckDB). At most one group commits behind the one being gathered.
  const launch = (b: number) => (b < pending.length ? runBatch(runner, pending.slice(b, b + batchSize), layers, numClasses, o.parallel ?? 1) : null);
  let inFlight = launch(0);
  inFlight?.catch(() => undefined); // awaited below; never left unhandled when we stop early
  let committing: Promise<void> = Promise.resolve();
  let writeMs = 0;
  let group = emptyGroup();

  /** Commits the gathered group after the previous one: its rows, then (bytes durable) COMMIT. */
  const commitGroup = (g: Group): Promise<void> => {
    const previous = committing;
    const commit = previous.then(() => store.lock.run(() => inTransaction(store.conn, async () => {
      const tc = now();
      if (g.predictions.length > 0) await writePredictions(store, checkpointId, joinPredictions(g.predictions, numClasses));
      const own = g.pieces.filter((p) => p.layer !== latentLayer);
      const latent = g.pieces.filter((p) => p.layer === latentLayer);
      if (latentAppender === appender) await appender.insertIndex(g.pieces);
      else { await appender.insertIndex(own); await latentAppender.insertIndex(latent); }
      if (legacyLatents && latent.length > 0) {
        await store.conn.run(`DELETE FROM latents WHERE checkpoint_id = $1 AND item_id IN (SELECT unnest($2::INTEGER[]))`,
          [checkpointId, JSON.stringify(latent.flatMap((p) => Array.from(p.itemIds)))]);
      }
      await store.conn.run(`INSERT INTO extraction_batches VALUES (nextval('seq_extraction_batches'), $1, $2, $3, $4, $5, $6, $7::VARCHAR[], $8, $9, $10, epoch_ms($11))`,
        [checkpointId, o.datasetId, o.split, g.items, g.firstItem, g.lastItem, JSON.stringify(layers), dtype,
          runner.engine, (now() - g.started) / 1000, Math.round(now())]);
      // The bytes are on disk before the index rows commit.
      await (latentAppender === appender ? appender.sync(g.pieces) : Promise.all([appender.sync(own), latentAppender.sync(latent)]));
      writeMs += now() - tc;
    })).finally(() => invalidateActivations(store, checkpointId)));
    committing = commit.then(() => {
      computed += g.items;
      batches++;
      report();
    });
    committing.catch(() => undefined); // awaited at the next group or below
    return previous;
  };

  try {
    for (let b = 0; b < pending.length; b += batchSize) {
      if (o.signal?.aborted) {
        if (group.items > 0) await commitGroup(group); // what is computed is kept
        group = emptyGroup();
        await committing;
        throw new MarginError('CANCELLED', `extraction of checkpoint ${checkpointId} cancelled after ${skipped + computed} of ${total} items; run it again to resume`,
          { done: skipped + computed, total });
      }
      const batch = pending.slice(b, b + batchSize);
      const tb = now();
      const parts = await inFlight!;
      waitMs += now() - tb;
      inFlight = launch(b + batchSize);
      inFlight?.catch(() => undefined);
      // Start writing this batch's layer rows now: only what each item is missing.
      const pieces: AppendedPiece[] = [];
      try {
        for (const { items, out } of parts) {
          const ids = Int32Array.from(items, (w) => w.itemId);
          const outputs = out.layers.some((l) => l.name === latentLayer) ? out.layers
            : [...out.layers, { name: latentLayer, units: out.latentDim, data: out.latent }];
          for (const l of outputs) {
            const have = hasLayer.get(l.name)!;
            const sel = Int32Array.from(items.map((w, i) => (have.has(w.itemId) ? -1 : i)).filter((i) => i >= 0));
            if (sel.length > 0) pieces.push(appenderOf(l.name).append({ layer: l.name, units: l.units, itemIds: pick(ids, sel, 1) as Int32Array, data: pick(l.data, sel, l.units) as Float32Array }));
          }
          const needPred = items.map((w, i) => (predicted.has(w.itemId) ? -1 : i)).filter((i) => i >= 0);
          if (needPred.length > 0) {
            // Copied now (small: ~0.1 KB per item), so the runner's arrays can go back to it as
            // soon as the layer rows are written, without waiting for the group's commit.
            const sel = Int32Array.from(needPred);
            group.predictions.push({
              itemIds: pick(ids, sel, 1).slice() as Int32Array,
              trueLabels: Int32Array.from(needPred, (i) => items[i].label),
              predicted: pick(out.predicted, sel, 1).slice() as Int32Array,
              probs: pick(out.probs, sel, numClasses).slice() as Float32Array,
              logits: pick(out.logits, sel, numClasses).slice() as Float32Array,
              numClasses,
            });
          }
        }
      } catch (err) {
        // Writes already started read from the runner's arrays: let them finish before handing the arrays back.
        await Promise.allSettled(pieces.map((c) => c.written));
        for (const p of parts) p.out.release?.();
        throw err;
      }
      for (const w of batch) predicted.add(w.itemId);
      for (const l of stored) for (const w of batch) hasLayer.get(l)!.add(w.itemId);
      // The runner may reuse its arrays once the layer rows are written (predictions were copied).
      void Promise.allSettled(pieces.map((c) => c.written)).then(() => { for (const p of parts) p.out.release?.(); });
      group.pieces.push(...pieces);
      group.items += batch.length;
      if (group.firstItem < 0) group.firstItem = batch[0].itemId;
      group.lastItem = batch[batch.length - 1].itemId;
      if (group.started < 0) group.started = tb;
      if (group.items >= commitItems || b + batchSize >= pending.length) {
        const previous = commitGroup(group);
        group = emptyGroup();
        await previous; // keep at most one group committing behind the one being gathered
      }
    }
    await committing;
  } finally {
    await committing.catch(() => undefined);
    await inFlight?.then((parts) => { for (const p of parts) p.out.release?.(); }, () => undefined);
    await appender.close();
    if (latentAppender !== appender) await latentAppender.close();
  }
  if (o.split === 'test') await updateTestAccuracy(store, checkpointId, o.datasetId);
  return { total, skipped, computed, batches, seconds: (now() - t0) / 1000, waitSeconds: waitMs / 1000, writeSeconds: writeMs / 1000 };
}

/** Items to process, in split order, validated against the split. */
async function workList(store: Store, datasetId: number, split: string, itemIds?: Int32Array): Promise<WorkItem[]> {
  if (!Number.isInteger(datasetId)) throw badInput(`runExtraction: datasetId must be an integer, got ${datasetId}`);
  const rows = await store.conn.runAndReadAll(
    'SELECT item_id, split_index, label FROM items WHERE dataset_id = $1 AND split = $2 ORDER BY split_index', [datasetId, split]);
  const cols = rows.getColumnsJS();
  const all: WorkItem[] = (cols[0] ?? []).map((id, i) => ({ itemId: Number(id), index: Number(cols[1][i]), label: Number(cols[2][i]) }));
  if (all.length === 0) throw new MarginError('NOT_FOUND', `data set ${datasetId} has no items in split "${split}"`);
  if (!itemIds) return all;
  if (!(itemIds instanceof Int32Array)) throw badInput('runExtraction: itemIds must be an Int32Array of item ids');
  const byId = new Map(all.map((w) => [w.itemId, w]));
  const outside = Array.from(itemIds).filter((id) => !byId.has(id));
  if (outside.length > 0) {
    throw badInput(`runExtraction: ${outside.length} item ids are not in split "${split}" of data set ${datasetId} (e.g. ${outside.slice(0, 5).join(', ')})`);
  }
  return [...new Set(itemIds)].map((id) => byId.get(id)!).sort((a, b) => a.index - b.index);
}

/**
 * Run the network over a batch, cut into `parallel` pieces that run at once (the runner spreads
 * them over its workers). A piece of contiguous split indices is one run(); scattered items (a
 * sample's members) go as one runItems() call when the runner has it, else one run() per
 * contiguous range. Returns the pieces with their items, in batch order.
 */
export async function runBatch(runner: BatchRunner, batch: WorkItem[], layers: string[], numClasses: number, parallel: number): Promise<Array<{ items: WorkItem[]; out: BatchOutput }>> {
  const pieceSize = Math.ceil(batch.length / Math.max(1, parallel));
  const calls: Array<{ items: WorkItem[]; call: () => Promise<BatchOutput> }> = [];
  for (let p = 0; p < batch.length; p += pieceSize) {
    const piece = batch.slice(p, p + pieceSize);
    const contiguous = piece.every((w, i) => i === 0 || w.index === piece[i - 1].index + 1);
    if (contiguous) {
      calls.push({ items: piece, call: () => runner.run(piece[0].index, piece.length, layers) });
    } else if (runner.runItems) {
      const rows = Int32Array.from(piece, (w) => w.index);
      calls.push({ items: piece, call: () => runner.runItems!(rows, layers) });
    } else {
      let s = 0;
      while (s < piece.length) {
        let e = s + 1;
        while (e < piece.length && piece[e].index === piece[e - 1].index + 1) e++;
        const range = piece.slice(s, e);
        calls.push({ items: range, call: () => runner.run(range[0].index, range.length, layers) });
        s = e;
      }
    }
  }
  const settled = await Promise.allSettled(calls.map(async ({ items, call }) => {
    const out = await call();
    try {
      checkOutput(out, items.length, layers, numClasses);
    } catch (err) {
      out.release?.();
      throw err;
    }
    return { items, out };
  }));
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) {
    for (const r of settled) if (r.status === 'fulfilled') r.value.out.release?.();
    throw (failed as PromiseRejectedResult).reason;
  }
  return settled.map((r) => (r as PromiseFulfilledResult<{ items: WorkItem[]; out: BatchOutput }>).value);
}

function checkOutput(out: BatchOutput, count: number, layers: string[], numClasses: number): void {
  const bad = (what: string) => new MarginError('INTERNAL', `the model runner returned ${what}`);
  if (out.count !== count) throw bad(`${out.count} items for a batch of ${count}`);
  if (out.numClasses !== numClasses) throw bad(`${out.numClasses} classes, the model has ${numClasses}`);
  if (out.probs.length !== count * numClasses || out.logits.length !== count * numClasses) throw bad('probs/logits of the wrong size');
  if (out.predicted.length !== count || out.latent.length !== count * out.latentDim) throw bad('predicted/latent of the wrong size');
  if (out.layers.length !== layers.length || out.layers.some((l, i) => l.name !== layers[i] || l.data.length !== count * l.units)) {
    throw bad(`layers ${out.layers.map((l) => l.name).join(', ')} for ${layers.join(', ')} (or of the wrong size)`);
  }
}

/** Rows `sel` of a row-major array with `width` values per row. */
function pick(src: Float32Array | Int32Array, sel: Int32Array, width: number): Float32Array | Int32Array {
  if (sel.length * width === src.length && sel.every((v, i) => v === i)) return src; // every row, in order: no copy
  const out = src instanceof Int32Array ? new Int32Array(sel.length * width) : new Float32Array(sel.length * width);
  for (let i = 0; i < sel.length; i++) out.set(src.subarray(sel[i] * width, (sel[i] + 1) * width), i * width);
  return out;
}

/** When a checkpoint has predictions for the whole test split, record its accuracy. */
export async function updateTestAccuracy(store: Store, checkpointId: number, datasetId: number): Promise<void> {
  await store.lock.run(async () => {
    const r = await queryOne(store.conn,
      `SELECT (SELECT count(*) FROM items WHERE dataset_id = $2 AND split = 'test')::INTEGER AS n,
              count(*)::INTEGER AS m, avg(p.correct::INTEGER) AS acc
       FROM predictions p JOIN items i USING (item_id) WHERE p.checkpoint_id = $1 AND i.dataset_id = $2 AND i.split = 'test'`,
      [checkpointId, datasetId]);
    if (r && Number(r.n) > 0 && Number(r.n) === Number(r.m)) {
      await store.conn.run('UPDATE checkpoints SET test_accuracy = $1 WHERE id = $2', [Number(r.acc), checkpointId]);
    }
  });
}

/** Compute batches gathered into one transaction. */
interface Group {
  items: number;
  firstItem: number;
  lastItem: number;
  started: number;
  pieces: AppendedPiece[];
  predictions: PredictionRows[];
}

function emptyGroup(): Group {
  return { items: 0, firstItem: -1, lastItem: -1, started: -1, pieces: [], predictions: [] };
}

function joinPredictions(parts: PredictionRows[], numClasses: number): PredictionRows {
  if (parts.length === 1) return parts[0];
  return {
    itemIds: concatTyped(parts.map((p) => p.itemIds)),
    trueLabels: concatTyped(parts.map((p) => p.trueLabels)),
    predicted: concatTyped(parts.map((p) => p.predicted)),
    probs: concatTyped(parts.map((p) => p.probs)),
    logits: concatTyped(parts.map((p) => p.logits)),
    numClasses,
  };
}
