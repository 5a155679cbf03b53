import { describe, expect, it } from 'vitest';
import type { CheckpointSummary, TrainingEpochRecord } from '../../src-main/shared/api.ts';
import { trainingChartOption, trainingCurve } from './training.ts';

const run = { source: 'workbench', arch: 'mlp', dataset: 'digits', split: 'train', evalSplit: 'test', epochs: 3, batchSize: 32, seed: 1, learningRate: 1e-3, trainItems: 150, evalItems: 50 };
function cp(ordinal: number, training: Partial<TrainingEpochRecord> | null): CheckpointSummary {
  return {
    id: ordinal, label: `epoch-${ordinal}`, ordinal, testAccuracy: null, engine: 'tfjs', engineNote: null, inputMapping: null,
    extracted: { predictions: 0, latents: 0, layers: [] },
    training: training ? { epoch: ordinal, loss: 1 / ordinal, accuracy: 0.5 + ordinal / 10, valLoss: 1.2 / ordinal, valAccuracy: 0.4 + ordinal / 10, seconds: 1, imagesPerSecond: 100, run, ...training } : null,
  };
}

describe('training curves', () => {
  it('draws the epochs up to the chosen checkpoint, marks it, and counts the later ones', () => {
    const model = { checkpoints: [cp(1, {}), cp(2, {}), cp(3, {})] };
    const c = trainingCurve(model, 'epoch-2');
    expect(c.points.map((p) => p.epoch)).toEqual([1, 2]);
    expect(c.points[1]).toMatchObject({ loss: 0.5, valLoss: 0.6 });
    expect(c.points[1].accuracy).toBeCloseTo(0.7, 12);
    expect(c.points[1].valAccuracy).toBeCloseTo(0.6, 12);
    expect(c).toMatchObject({ selectedEpoch: 2, later: 1, run: { dataset: 'digits' } });
    expect(trainingCurve(model).points).toHaveLength(3);
    const opt = trainingChartOption(c) as { series: Array<{ name: string; data: number[][] }> };
    expect(opt.series.map((s) => s.name)).toEqual(['train loss', 'train accuracy', 'validation loss', 'validation accuracy']);
    expect(opt.series[0].data).toEqual([[1, 1], [2, 0.5]]);
  });

  it('leaves out imported checkpoints and the validation lines when there was no validation split', () => {
    const model = { checkpoints: [cp(1, { valLoss: null, valAccuracy: null }), cp(2, null)] };
    const c = trainingCurve(model, 'epoch-2');
    expect(c.points.map((p) => p.label)).toEqual(['epoch-1']);
    expect(c.selectedEpoch).toBeNull();
    const opt = trainingChartOption(c) as { series: Array<{ name: string }> };
    expect(opt.series.map((s) => s.name)).toEqual(['train loss', 'train accuracy']);
    expect(trainingCurve({ checkpoints: [cp(1, null)] }).points).toEqual([]);
  });
});
