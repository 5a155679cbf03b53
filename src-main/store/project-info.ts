/** A summary of everything in a project: what the workbench's project page and `margin info` show. */
import { queryRows } from './db.ts';
import { listDatasets } from './datasets.ts';
import { describeDamage, findDamage } from './activation-damage.ts';
import type { DatasetSummary } from './datasets.ts';
import type { Store } from './project.ts';

export interface LayerExtraction {
  name: string;
  className: string;
  shape: number[];
  units: number;
  /** Items whose activations of this layer are stored for the checkpoint. */
  items: number;
  bytes: number;
  dtypes: string[];
  /** Of `items`: those whose rows are lost because a file is shorter than its index (0 = intact). */
  damagedItems: number;
  /** What is damaged, in words (null = intact); `margin extract` of the checkpoint recomputes them. */
  damage: string | null;
}

export interface CheckpointExtraction {
  id: number;
  label: string;
  ordinal: number;
  testAccuracy: number | null;
  predictions: number;
  latents: number;
  layers: LayerExtraction[];
}

export interface ProjectInfo {
  dir: string;
  name: string;
  schemaVersion: number;
  datasets: DatasetSummary[];
  models: Array<{ id: number; name: string; architecture: string; checkpoints: CheckpointExtraction[] }>;
  samples: number;
  /** Activation bytes on disk over all checkpoints. */
  activationBytes: number;
}

export async function projectInfo(store: Store): Promise<ProjectInfo> {
  const { conn } = store;
  const models = await queryRows(conn, 'SELECT id, name, architecture, latent_layer FROM models ORDER BY id');
  const cps = await queryRows(conn, 'SELECT id, model_id, label, ordinal, test_accuracy FROM checkpoints ORDER BY model_id, ordinal, id');
  const layers = await queryRows(conn, 'SELECT model_id, name, class_name, shape, units FROM layers ORDER BY model_id, ordinal');
  const preds = await queryRows(conn, 'SELECT checkpoint_id, count(*)::INTEGER AS n FROM predictions GROUP BY ALL');
  // Latent vectors: the latent layer's rows in the layer files, plus rows of the legacy latents
  // table (projects extracted before they moved to the files; an item is never in both).
  const lats = await queryRows(conn,
    `SELECT c.id AS checkpoint_id,
            (coalesce((SELECT sum(a.row_count) FROM activation_chunks a WHERE a.checkpoint_id = c.id AND a.layer = m.latent_layer), 0)
             + (SELECT count(*) FROM latents l WHERE l.checkpoint_id = c.id))::INTEGER AS n
     FROM checkpoints c JOIN models m ON m.id = c.model_id`);
  const acts = await queryRows(conn,
    `SELECT checkpoint_id, layer, sum(row_count)::BIGINT AS items, sum(byte_length)::BIGINT AS bytes, list(DISTINCT dtype ORDER BY dtype) AS dtypes
     FROM activation_chunks GROUP BY ALL`);
  const samples = await queryRows(conn, 'SELECT count(*)::INTEGER AS n FROM samples');
  const damage = await findDamage(store); // a stat per activation file
  store.damage = damage;
  const countOf = (rows: Record<string, unknown>[], id: number) => Number(rows.find((r) => r.checkpoint_id === id)?.n ?? 0);
  let activationBytes = 0;
  for (const a of acts) activationBytes += Number(a.bytes);
  return {
    dir: store.dir,
    name: store.meta.name,
    schemaVersion: store.meta.schemaVersion,
    datasets: await listDatasets(store),
    models: models.map((m) => ({
      id: Number(m.id), name: String(m.name), architecture: String(m.architecture),
      checkpoints: cps.filter((c) => c.model_id === m.id).map((c) => {
        const id = Number(c.id);
        const modelLayers = layers.filter((l) => l.model_id === m.id);
        // Layers extracted but not in the stored layer list (no list registered) still show up.
        const names = [...modelLayers.map((l) => String(l.name)),
          ...acts.filter((a) => a.checkpoint_id === id && !modelLayers.some((l) => l.name === a.layer)).map((a) => String(a.layer))];
        return {
          id, label: String(c.label), ordinal: Number(c.ordinal),
          testAccuracy: c.test_accuracy == null ? null : Number(c.test_accuracy),
          // latent vectors whose rows are lost with a damaged latent-layer file do not count
          predictions: countOf(preds, id), latents: countOf(lats, id) - (damage.find((d) => d.checkpointId === id && d.layer === String(m.latent_layer))?.items ?? 0),
          layers: names.map((name) => {
            const l = modelLayers.find((x) => x.name === name);
            const a = acts.find((x) => x.checkpoint_id === id && x.layer === name);
            const d = damage.find((x) => x.checkpointId === id && x.layer === name);
            return {
              name, className: l ? String(l.class_name) : '', shape: l ? (l.shape as number[]).map(Number) : [],
              units: l ? Number(l.units) : 0, items: Number(a?.items ?? 0), bytes: Number(a?.bytes ?? 0),
              dtypes: a ? (a.dtypes as string[]) : [],
              damagedItems: d?.items ?? 0, damage: d ? describeDamage(d) : null,
            };
          }),
        };
      }),
    })),
    samples: Number(samples[0].n),
    activationBytes,
  };
}
