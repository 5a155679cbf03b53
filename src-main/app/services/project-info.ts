/** The contract's ProjectInfo (what the workbench shows of a project), built from the store. */
import type { ProjectInfo, SampleSummary, SamplerMethodName, ModelSummary } from '../../shared/api.ts';
import { samplerSettings } from '../../shared/sampler-params.ts';
import { projectInfo } from '../../store/project-info.ts';
import { getDataset } from '../../store/datasets.ts';
import { getCheckpoint, getModel } from '../../store/models.ts';
import { queryRows, toIso } from '../../store/db.ts';
import { activeBackend } from '../../engine/backend.ts';
import { checkpointEngineLabel, checkpointInputMapping, modelEngineLabel } from './model-engine.ts';
import type { Store } from '../../store/project.ts';
import { readTrainingHistory } from '../../store/training-history.ts';

export async function buildProjectInfo(store: Store, isDemo: boolean): Promise<ProjectInfo> {
  const info = await projectInfo(store);
  const datasets = await Promise.all(
    info.datasets.map(async (d) => ({
      id: d.id,
      name: d.name,
      format: d.format,
      height: d.height,
      width: d.width,
      channels: d.channels,
      classNames: (await getDataset(store, d.id)).classNames,
      splits: Object.entries(d.splits).map(([split, items]) => ({ split, items })),
    })),
  );
  const backend = activeBackend();
  const history = await readTrainingHistory(store);
  const models: ModelSummary[] = await Promise.all(
    info.models.map(async (m) => {
      const detail = await getModel(store, m.id);
      const engine = modelEngineLabel(detail.engine, detail.checkpoints, backend);
      const cpOf = (id: number) => detail.checkpoints.find((c) => c.id === id);
      const mappings = new Map(detail.engine === 'onnxruntime'
        ? await Promise.all(detail.checkpoints.map(async (c) => [c.id, checkpointInputMapping((await getCheckpoint(store, c.id)).modelJson)] as const))
        : []);
      return {
        id: m.id,
        name: m.name,
        architecture: m.architecture,
        datasetId: detail.datasetId ?? null,
        engine: engine.engine,
        engineNote: engine.engineNote,
        latentLayer: detail.latentLayer,
        totalParams: detail.layers.reduce((a, l) => a + l.params, 0),
        flopsPerItem: detail.layers.reduce((a, l) => a + l.flops, 0),
        layers: detail.layers.map((l) => ({ name: l.name, className: l.className, shape: l.shape, units: l.units, params: l.params, flops: l.flops })),
        checkpoints: m.checkpoints.map((c) => ({
          id: c.id,
          label: c.label,
          ordinal: c.ordinal,
          testAccuracy: c.testAccuracy,
          training: history.get(c.id) ?? null,
          engine: cpOf(c.id) ? checkpointEngineLabel(detail.engine, cpOf(c.id)!, backend) : detail.engine,
          engineNote: cpOf(c.id)?.engineNote ?? null,
          inputMapping: mappings.get(c.id) ?? null,
          extracted: {
            predictions: c.predictions,
            latents: c.latents,
            layers: c.layers.filter((l) => l.items > 0).map((l) => ({
              layer: l.name, items: l.items, bytes: l.bytes, dtype: l.dtypes.join('+'), damagedItems: l.damagedItems, damage: l.damage,
            })),
          },
        })),
      };
    }),
  );
  const dbBytes = await queryRows(store.conn, 'SELECT sum(total_blocks * block_size)::BIGINT AS b FROM pragma_database_size()').catch(() => []);
  return {
    project: { dir: store.dir, name: store.meta.name, isDemo },
    datasets,
    models,
    samples: await sampleSummaries(store),
    bytesStored: info.activationBytes + Number(dbBytes[0]?.b ?? 0),
  };
}

/** Samples with their model, checkpoint and correct/incorrect counts (from the checkpoint's predictions). */
export async function sampleSummaries(store: Store, modelName?: string): Promise<SampleSummary[]> {
  const rows = await queryRows(
    store.conn,
    `SELECT s.id, s.name, m.name AS model, coalesce(c.label, '') AS checkpoint, s.method, s.fraction, s.j, s.seed, s.size, s.seconds, s.created, s.params,
            count(p.item_id) FILTER (WHERE p.correct)::INTEGER AS correct,
            count(p.item_id) FILTER (WHERE NOT p.correct)::INTEGER AS incorrect
     FROM samples s JOIN models m ON m.id = s.model_id
     LEFT JOIN checkpoints c ON c.id = s.checkpoint_id
     LEFT JOIN sample_members sm ON sm.sample_id = s.id
     LEFT JOIN predictions p ON p.checkpoint_id = s.checkpoint_id AND p.item_id = sm.item_id
     ${modelName === undefined ? '' : 'WHERE m.name = $1'}
     GROUP BY ALL ORDER BY s.id`,
    modelName === undefined ? [] : [modelName],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    name: String(r.name),
    model: String(r.model),
    checkpoint: String(r.checkpoint),
    method: String(r.method) as SamplerMethodName,
    fraction: r.fraction == null ? null : Number(r.fraction),
    j: r.j == null ? null : Number(r.j),
    seed: Number(r.seed ?? 0),
    size: Number(r.size),
    correct: Number(r.correct),
    incorrect: Number(r.incorrect),
    seconds: Number(r.seconds),
    created: toIso(r.created),
    params: samplerSettings(parseParams(r.params)),
  }));
}

function parseParams(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try { return JSON.parse(v); } catch { return null; }
}
