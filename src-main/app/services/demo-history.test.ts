import { describe, expect, it } from 'vitest';
import { demoTrainingRecord, readDemoManifest } from './demo.ts';

describe('the demo\'s training history', () => {
  it('comes from the manifest the demo was trained with: each checkpoint\'s epoch logs and the run settings', () => {
    const manifest = readDemoManifest();
    for (const m of manifest.models) {
      const recs = m.checkpoints.map((c) => demoTrainingRecord(manifest, m.architecture, c)!);
      expect(recs.map((r) => r.epoch)).toEqual(m.checkpoints.map((c) => c.epoch));
      recs.forEach((r, i) => {
        const c = m.checkpoints[i] as unknown as Record<string, number>;
        expect(r).toMatchObject({ loss: c.trainLoss, accuracy: c.trainAccuracy, valLoss: c.testLoss, valAccuracy: c.testAccuracy });
        expect(r.loss).toBeGreaterThan(0);
        expect(r.run).toMatchObject({ source: 'demo', arch: m.architecture, dataset: 'fashion-mnist', batchSize: 64, seed: 1, learningRate: 0.001, trainItems: 60000, evalItems: 10000 });
      });
      // training lowers the loss from the first epoch to the last
      expect(recs.at(-1)!.loss).toBeLessThan(recs[0].loss);
    }
  });
});
