/**
 * Training history: for each checkpoint saved by training, the logs of the epoch it was saved at
 * (train loss and accuracy, validation loss and accuracy, time) and the settings of the run. A
 * model's learning curves are its checkpoints' rows in epoch order, so the curve "up to checkpoint
 * epoch-3" is simply the rows of the checkpoints at or before it.
 *
 * Rows are written inside the checkpoint's registration transaction (registerCheckpoint), so a
 * checkpoint is never stored without the history it was trained with, nor a row without its
 * checkpoint. Demo projects made before the history was recorded get it from the demo's manifest
 * (app/services/demo.ts), in a transaction of its own.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { badInput } from '../shared/errors.ts';
import type { TrainingEpochRecord, TrainingRunSettings } from '../shared/api.ts';
import { queryRows } from './db.ts';
import type { Store } from './project.ts';

export type { TrainingEpochRecord, TrainingRunSettings };

function finiteOrNull(where: string, v: number | null | undefined): number | null {
  if (v === null || v === undefined) return null;
  if (!Number.isFinite(v)) throw badInput(`${where} must be a finite number or null, got ${v}`);
  return v;
}

/** Inserts one checkpoint's row; call inside the transaction that registers the checkpoint. */
export async function insertTrainingEpoch(conn: DuckDBConnection, checkpointId: number, r: TrainingEpochRecord): Promise<void> {
  if (!Number.isInteger(r.epoch) || r.epoch < 1) throw badInput(`training.epoch must be an integer ≥ 1, got ${r.epoch}`);
  for (const k of ['loss', 'accuracy'] as const) {
    if (!Number.isFinite(r[k])) throw badInput(`training.${k} must be a finite number, got ${r[k]}`);
  }
  await conn.run(
    `INSERT INTO training_epochs (checkpoint_id, epoch, loss, accuracy, val_loss, val_accuracy, seconds, images_per_second, run)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [checkpointId, r.epoch, r.loss, r.accuracy, finiteOrNull('training.valLoss', r.valLoss), finiteOrNull('training.valAccuracy', r.valAccuracy),
      finiteOrNull('training.seconds', r.seconds), finiteOrNull('training.imagesPerSecond', r.imagesPerSecond), JSON.stringify(r.run)],
  );
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Every checkpoint's training row, by checkpoint id (checkpoints not saved by training are absent). */
export async function readTrainingHistory(store: Pick<Store, 'conn'>, checkpointIds?: number[]): Promise<Map<number, TrainingEpochRecord>> {
  if (checkpointIds && checkpointIds.length === 0) return new Map();
  const where = checkpointIds ? `WHERE checkpoint_id IN (${checkpointIds.map((i) => Number(i) | 0).join(',')})` : '';
  const rows = await queryRows(store.conn, `SELECT * FROM training_epochs ${where} ORDER BY epoch, checkpoint_id`);
  const out = new Map<number, TrainingEpochRecord>();
  for (const r of rows) {
    let run: TrainingRunSettings;
    try {
      run = JSON.parse(String(r.run)) as TrainingRunSettings;
    } catch {
      run = { source: 'unknown' } as TrainingRunSettings;
    }
    out.set(Number(r.checkpoint_id), {
      epoch: Number(r.epoch),
      loss: Number(r.loss),
      accuracy: Number(r.accuracy),
      valLoss: num(r.val_loss),
      valAccuracy: num(r.val_accuracy),
      seconds: num(r.seconds),
      imagesPerSecond: num(r.images_per_second),
      run,
    });
  }
  return out;
}
