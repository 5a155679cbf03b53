import type { Command } from '../command.ts';
import { appVersion, duckdbVersion, electronStatus } from '../../system/info.ts';
import { withProject } from '../project.ts';

function bytes(n: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${u[i]}`;
}

export const infoCommand: Command = {
  name: 'info',
  summary: 'Version, TensorFlow.js backend, DuckDB version, Electron binary; with --project what the project holds',
  usage: 'margin info [--json] [--project DIR]',
  options: { json: { type: 'boolean' }, project: { type: 'string' } },
  async run({ values }) {
    const { initBackend } = await import('../../engine/backend.ts');
    const backend = await initBackend();
    const electron = electronStatus();
    const info: Record<string, unknown> = {
      name: 'Margin',
      version: appVersion(),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      backend: { name: backend.name, ...(backend.reason ? { reason: backend.reason } : {}) },
      duckdb: await duckdbVersion(),
      electron: { present: electron.present, version: electron.version, ...(electron.reason ? { reason: electron.reason } : {}) },
    };
    if (typeof values.project === 'string') {
      const { buildProjectInfo } = await import('../../app/services/project-info.ts');
      info.project = await withProject(values, this.usage, (store) => buildProjectInfo(store, false), {
        readOnly: true,
        viaWorkbench: (call) => call('project.info', {}),
      });
    }
    if (values.json) {
      console.log(JSON.stringify(info, null, 2));
      return 0;
    }
    console.log(`Margin ${info.version} (Node ${process.version}, ${info.platform})`);
    console.log(`TensorFlow.js backend: ${backend.name}${backend.reason ? ` — ${backend.reason}` : ''}`);
    console.log(`DuckDB: ${info.duckdb}`);
    console.log(`Electron: ${electron.present ? `present (${electron.version})` : `absent — ${electron.reason}`}`);
    const p = info.project as Awaited<ReturnType<typeof import('../../app/services/project-info.ts').buildProjectInfo>> | undefined;
    if (p) {
      console.log(`\nProject "${p.project.name}" in ${p.project.dir} — ${bytes(p.bytesStored)} stored, ${p.samples.length} samples`);
      for (const d of p.datasets) {
        console.log(`  data set ${d.name}: ${d.height}×${d.width}×${d.channels}, ${d.classNames.length} classes, ${d.splits.map((s) => `${s.split} ${s.items.toLocaleString()}`).join(', ')}`);
      }
      for (const m of p.models) {
        console.log(`  model ${m.name} (${m.architecture}): ${m.layers.length} layers, ${m.totalParams.toLocaleString()} parameters, ${(m.flopsPerItem / 1e6).toFixed(2)} MFLOPs/item, latent ${m.latentLayer}`);
        console.log(`    engine: ${m.engine}${m.engineNote ? ` — ${m.engineNote}` : ''}`);
        const mapping = m.checkpoints.at(-1)?.inputMapping;
        if (mapping) console.log(`    ${mapping}`);
        for (const c of m.checkpoints) {
          const acts = c.extracted.layers.map((l) => `${l.layer} ${l.items.toLocaleString()} (${bytes(l.bytes)})`).join(', ');
          console.log(`    ${c.label}: test accuracy ${c.testAccuracy == null ? '—' : c.testAccuracy.toFixed(4)}, predictions ${c.extracted.predictions.toLocaleString()}, latents ${c.extracted.latents.toLocaleString()}${acts ? `, activations ${acts}` : ''}`);
          if (c.training) {
            const t = c.training;
            const val = t.valAccuracy !== null ? `, validation loss ${t.valLoss?.toFixed(4) ?? '—'} accuracy ${t.valAccuracy.toFixed(4)}` : '';
            console.log(`      trained: epoch ${t.epoch}, loss ${t.loss.toFixed(4)}, accuracy ${t.accuracy.toFixed(4)}${val} (${t.run.arch} on ${t.run.dataset}/${t.run.split}, batch ${t.run.batchSize}, seed ${t.run.seed}; by ${t.run.source})`);
          }
          for (const l of c.extracted.layers.filter((x) => x.damagedItems > 0)) {
            console.log(`      DAMAGED layer ${l.layer}: ${l.damage}; recompute with: margin extract --project ${JSON.stringify(p.project.dir)} --model ${JSON.stringify(m.name)} --checkpoint ${JSON.stringify(c.label)}`);
          }
        }
      }
    }
    return 0;
  },
};
