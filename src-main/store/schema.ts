/**
 * The store's schema as an ordered list of migrations. Each runs once, in its own transaction,
 * when a project is opened; `schema_migrations` records which have been applied. Never edit a
 * released migration — append a new one. Every table and column is documented in README.md.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: [
      `CREATE SEQUENCE seq_datasets START 1`,
      `CREATE SEQUENCE seq_models START 1`,
      `CREATE SEQUENCE seq_checkpoints START 1`,
      `CREATE SEQUENCE seq_samples START 1`,
      `CREATE SEQUENCE seq_query_results START 1`,
      `CREATE SEQUENCE seq_eval_runs START 1`,
      `CREATE SEQUENCE seq_extraction_batches START 1`,
      `CREATE TABLE datasets (
        id INTEGER PRIMARY KEY, name VARCHAR NOT NULL UNIQUE, format VARCHAR NOT NULL,
        h INTEGER NOT NULL, w INTEGER NOT NULL, c INTEGER NOT NULL, pixel_scale DOUBLE NOT NULL,
        created TIMESTAMP NOT NULL)`,
      `CREATE TABLE classes (
        dataset_id INTEGER NOT NULL, label INTEGER NOT NULL, name VARCHAR NOT NULL,
        PRIMARY KEY (dataset_id, label))`,
      `CREATE TABLE items (
        item_id INTEGER PRIMARY KEY, dataset_id INTEGER NOT NULL, split VARCHAR NOT NULL,
        split_index INTEGER NOT NULL, label INTEGER NOT NULL, source VARCHAR NOT NULL)`,
      `CREATE TABLE item_pixels (
        dataset_id INTEGER NOT NULL, split VARCHAR NOT NULL, chunk_no INTEGER NOT NULL,
        first_index INTEGER NOT NULL, item_count INTEGER NOT NULL, dtype VARCHAR NOT NULL, data BLOB NOT NULL,
        PRIMARY KEY (dataset_id, split, chunk_no))`,
      `CREATE TABLE thumbnails (item_id INTEGER PRIMARY KEY, png BLOB NOT NULL)`,
      `CREATE TABLE models (
        id INTEGER PRIMARY KEY, name VARCHAR NOT NULL UNIQUE, architecture VARCHAR NOT NULL,
        source_path VARCHAR, input_shape INTEGER[] NOT NULL, num_classes INTEGER NOT NULL,
        latent_layer VARCHAR NOT NULL, engine VARCHAR NOT NULL, created TIMESTAMP NOT NULL)`,
      `CREATE TABLE checkpoints (
        id INTEGER PRIMARY KEY, model_id INTEGER NOT NULL, label VARCHAR NOT NULL, ordinal INTEGER NOT NULL,
        path VARCHAR, model_json VARCHAR, created TIMESTAMP NOT NULL, test_accuracy DOUBLE,
        UNIQUE (model_id, label))`,
      `CREATE TABLE layers (
        model_id INTEGER NOT NULL, ordinal INTEGER NOT NULL, name VARCHAR NOT NULL, class_name VARCHAR NOT NULL,
        shape INTEGER[] NOT NULL, units INTEGER NOT NULL, params BIGINT NOT NULL, flops BIGINT NOT NULL,
        PRIMARY KEY (model_id, ordinal), UNIQUE (model_id, name))`,
      `CREATE TABLE predictions (
        checkpoint_id INTEGER NOT NULL, item_id INTEGER NOT NULL, predicted INTEGER NOT NULL,
        correct BOOLEAN NOT NULL, confidence FLOAT NOT NULL, probs FLOAT[] NOT NULL, logits FLOAT[] NOT NULL,
        PRIMARY KEY (checkpoint_id, item_id))`,
      `CREATE TABLE latents (
        checkpoint_id INTEGER NOT NULL, item_id INTEGER NOT NULL, vector FLOAT[] NOT NULL,
        PRIMARY KEY (checkpoint_id, item_id))`,
      `CREATE TABLE activation_chunks (
        checkpoint_id INTEGER NOT NULL, layer VARCHAR NOT NULL, chunk_no INTEGER NOT NULL,
        file VARCHAR NOT NULL, dtype VARCHAR NOT NULL, units INTEGER NOT NULL,
        item_ids INTEGER[] NOT NULL, row_count INTEGER NOT NULL,
        byte_offset BIGINT NOT NULL, byte_length BIGINT NOT NULL, created TIMESTAMP NOT NULL,
        PRIMARY KEY (checkpoint_id, layer, chunk_no))`,
      `CREATE TABLE extraction_batches (
        id INTEGER PRIMARY KEY, checkpoint_id INTEGER NOT NULL, dataset_id INTEGER NOT NULL, split VARCHAR NOT NULL,
        item_count INTEGER NOT NULL, first_item INTEGER NOT NULL, last_item INTEGER NOT NULL,
        layers VARCHAR[] NOT NULL, dtype VARCHAR NOT NULL, engine VARCHAR NOT NULL,
        seconds DOUBLE NOT NULL, created TIMESTAMP NOT NULL)`,
      `CREATE TABLE samples (
        id INTEGER PRIMARY KEY, model_id INTEGER NOT NULL, name VARCHAR NOT NULL, method VARCHAR NOT NULL,
        params JSON NOT NULL, seed BIGINT, fraction DOUBLE, j DOUBLE, checkpoint_id INTEGER,
        size INTEGER NOT NULL, seconds DOUBLE NOT NULL, created TIMESTAMP NOT NULL,
        UNIQUE (model_id, name))`,
      `CREATE TABLE sample_members (
        sample_id INTEGER NOT NULL, position INTEGER NOT NULL, item_id INTEGER NOT NULL, weight DOUBLE,
        PRIMARY KEY (sample_id, position))`,
      `CREATE TABLE query_results (
        id INTEGER PRIMARY KEY, kind VARCHAR NOT NULL, params JSON NOT NULL, result JSON NOT NULL,
        created TIMESTAMP NOT NULL)`,
      `CREATE TABLE eval_runs (
        id INTEGER PRIMARY KEY, kind VARCHAR NOT NULL, params JSON NOT NULL, result JSON NOT NULL,
        created TIMESTAMP NOT NULL)`,
      `CREATE TABLE saliency (
        checkpoint_id INTEGER NOT NULL, item_id INTEGER NOT NULL, method VARCHAR NOT NULL,
        format VARCHAR NOT NULL, h INTEGER NOT NULL, w INTEGER NOT NULL, data BLOB NOT NULL,
        created TIMESTAMP NOT NULL, PRIMARY KEY (checkpoint_id, item_id, method))`,
    ],
  },
  {
    version: 2,
    name: 'link models to the data set and split they are analysed on',
    sql: [
      `ALTER TABLE models ADD COLUMN dataset_id INTEGER`,
      `ALTER TABLE models ADD COLUMN split VARCHAR DEFAULT 'test'`,
    ],
  },
  {
    version: 3,
    name: 'engine per checkpoint: TF.js checkpoints translated to ONNX',
    sql: [
      // What the importer asked for ('auto' | 'tfjs' | 'onnxruntime'); later checkpoints follow it.
      `ALTER TABLE models ADD COLUMN engine_choice VARCHAR`,
      // The checkpoint's translated model.onnx (relative to the project) when it runs on ONNX Runtime.
      `ALTER TABLE checkpoints ADD COLUMN onnx_path VARCHAR`,
      // Why the checkpoint runs where it runs (the translation check, or why it stays on TF.js).
      `ALTER TABLE checkpoints ADD COLUMN engine_note VARCHAR`,
      // Models imported before v3 were never translated: say so, and keep later checkpoints on TF.js too.
      `UPDATE models SET engine_choice = 'tfjs' WHERE engine = 'tfjs'`,
      `UPDATE checkpoints SET engine_note = 'stays on TF.js: imported before Margin translated TF.js models to ONNX (import it again under a new name to translate)'
        WHERE model_id IN (SELECT id FROM models WHERE engine = 'tfjs')`,
    ],
  },
  {
    version: 4,
    name: 'shards of cluster extractions committed (a shard delivered twice is committed once)',
    sql: [
      `CREATE TABLE extraction_shards (
        job VARCHAR NOT NULL, shard INTEGER NOT NULL, checkpoint_id INTEGER NOT NULL,
        first_item INTEGER NOT NULL, last_item INTEGER NOT NULL, item_count INTEGER NOT NULL,
        worker VARCHAR, seconds DOUBLE, committed TIMESTAMP NOT NULL,
        PRIMARY KEY (job, shard))`,
    ],
  },
  {
    version: 5,
    name: 'per-item scores of a checkpoint (hardness, mistakenness, uniqueness, representativeness)',
    sql: [
      // Computed once per checkpoint from its predictions and latent vectors (src-main/scores/item-scores.ts);
      // all four in [0, 1]; k = neighbours used for uniqueness.
      `CREATE TABLE item_scores (
        checkpoint_id INTEGER NOT NULL, item_id INTEGER NOT NULL,
        hardness DOUBLE NOT NULL, mistakenness DOUBLE NOT NULL, uniqueness DOUBLE NOT NULL, representativeness DOUBLE NOT NULL,
        k INTEGER NOT NULL, PRIMARY KEY (checkpoint_id, item_id))`,
    ],
  },
  {
    version: 6,
    name: 'training history: the epoch logs a checkpoint was saved at',
    sql: [
      // One row per checkpoint saved by training (margin train, the workbench's Train panel, the
      // demo's recorded training): the epoch's train loss/accuracy, validation loss/accuracy
      // (null without a validation split), and the run's settings as JSON (store/training-history.ts).
      `CREATE TABLE training_epochs (
        checkpoint_id INTEGER PRIMARY KEY, epoch INTEGER NOT NULL,
        loss DOUBLE NOT NULL, accuracy DOUBLE NOT NULL, val_loss DOUBLE, val_accuracy DOUBLE,
        seconds DOUBLE, images_per_second DOUBLE, run VARCHAR NOT NULL)`,
    ],
  },
  {
    version: 7,
    name: 'saved answers: the history of answers the user kept, pinned ones go in the report',
    sql: [
      `CREATE SEQUENCE seq_saved_answers START 1`,
      // kind: 'query.run' | 'query.named'; params: the request as asked (validated by the API's schema
      // for that request), result: its answer as shown; model/checkpoint copied out for listing.
      `CREATE TABLE saved_answers (
        id INTEGER PRIMARY KEY, kind VARCHAR NOT NULL, title VARCHAR NOT NULL,
        model VARCHAR NOT NULL, checkpoint VARCHAR, params JSON NOT NULL, result JSON NOT NULL,
        pinned BOOLEAN NOT NULL DEFAULT false, created TIMESTAMP NOT NULL)`,
    ],
  },
];

/** The newest schema this build understands. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
