import type { Command } from '../command.ts';
import { requireOption } from '../command.ts';
import { progressPrinter } from '../project.ts';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Make a ready demo project (Fashion-MNIST test set, two models with every checkpoint, predictions, latents, activations)',
  usage: 'margin demo --dir DIR [--float16]',
  options: { dir: { type: 'string' }, float16: { type: 'boolean' } },
  async run({ values }) {
    const dir = requireOption(values, 'dir', this.usage);
    const { buildDemo } = await import('../../app/services/demo.ts');
    const t0 = performance.now();
    let step = '';
    let print = progressPrinter('demo');
    const store = await buildDemo(dir, {
      activationDtype: values.float16 ? 'float16' : 'float32',
      onProgress: (p) => {
        if (p.step !== step) {
          step = p.step;
          print = progressPrinter(p.step);
        }
        print(p.done, p.total);
      },
    });
    console.log(`Demo project ready in ${store.dir} (${((performance.now() - t0) / 1000).toFixed(1)} s): margin info --project ${dir}`);
    await store.close();
    return 0;
  },
};
