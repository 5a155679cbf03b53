/**
 * Learning curves from the training history stored with each checkpoint (CheckpointSummary.training):
 * per epoch, train and validation loss (left) and accuracy (right), up to the chosen checkpoint,
 * which is marked. Checkpoints not saved by training (imported ones) have no point.
 */
import type { EChartsOption } from 'echarts';
import type { ModelSummary, TrainingRunSettings } from '../../src-main/shared/api.ts';
import { CLASS_COLORS } from './palette.ts';

export interface CurvePoint {
  epoch: number;
  label: string;
  loss: number;
  accuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
}

export interface TrainingCurve {
  points: CurvePoint[];
  /** The run settings of the chosen checkpoint (else of the last point). */
  run: TrainingRunSettings | null;
  /** Epoch of the chosen checkpoint, when it has a training row. */
  selectedEpoch: number | null;
  /** Checkpoints of the model after the chosen one that have history (not drawn). */
  later: number;
}

/** The model's history up to (and including) checkpoint `upTo` (default: every checkpoint), in epoch order. */
export function trainingCurve(model: Pick<ModelSummary, 'checkpoints'>, upTo?: string | null): TrainingCurve {
  const chosen = model.checkpoints.find((c) => c.label === upTo) ?? null;
  const trained = model.checkpoints.filter((c) => c.training !== null && c.training !== undefined);
  const limit = chosen ? chosen.ordinal : Infinity;
  const shown = trained.filter((c) => c.ordinal <= limit).sort((a, b) => a.training!.epoch - b.training!.epoch || a.ordinal - b.ordinal);
  const points = shown.map((c) => ({
    epoch: c.training!.epoch, label: c.label, loss: c.training!.loss, accuracy: c.training!.accuracy,
    valLoss: c.training!.valLoss, valAccuracy: c.training!.valAccuracy,
  }));
  const runOf = chosen?.training ?? shown.at(-1)?.training ?? null;
  return { points, run: runOf?.run ?? null, selectedEpoch: chosen?.training?.epoch ?? null, later: trained.length - shown.length };
}

const BLUE = CLASS_COLORS[0];
const ORANGE = CLASS_COLORS[1];

export function trainingChartOption(curve: TrainingCurve): EChartsOption {
  const epochs = curve.points.map((p) => p.epoch);
  const hasVal = curve.points.some((p) => p.valLoss !== null || p.valAccuracy !== null);
  const line = (name: string, data: Array<number | null>, xAxisIndex: number, color: string, dashed: boolean) => ({
    type: 'line' as const, name, data: data.map((v, i) => [epochs[i], v]), xAxisIndex, yAxisIndex: xAxisIndex, showSymbol: true, symbolSize: 7,
    lineStyle: { color, type: dashed ? ('dashed' as const) : ('solid' as const) }, itemStyle: { color }, connectNulls: false,
    markLine: curve.selectedEpoch !== null && name.startsWith('train') ? {
      symbol: 'none', silent: true, label: { formatter: 'this checkpoint', fontSize: 10, position: 'insideEndTop' as const }, lineStyle: { color: '#888', type: 'dotted' as const }, data: [{ xAxis: curve.selectedEpoch }],
    } : undefined,
  });
  const series = [
    line('train loss', curve.points.map((p) => p.loss), 0, BLUE, false),
    line('train accuracy', curve.points.map((p) => p.accuracy), 1, BLUE, false),
  ];
  if (hasVal) {
    series.push(line('validation loss', curve.points.map((p) => p.valLoss), 0, ORANGE, true));
    series.push(line('validation accuracy', curve.points.map((p) => p.valAccuracy), 1, ORANGE, true));
  }
  const minEpoch = Math.min(...epochs, 1);
  const maxEpoch = Math.max(...epochs, 1);
  const xAxis = (gridIndex: number) => ({ type: 'value' as const, gridIndex, name: 'epoch', nameLocation: 'middle' as const, nameGap: 24, min: minEpoch, max: maxEpoch, minInterval: 1 });
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0, data: series.map((s) => s.name) },
    title: [
      { text: 'Loss', left: '4%', top: 24, textStyle: { fontSize: 12 } },
      { text: 'Accuracy', left: '54%', top: 24, textStyle: { fontSize: 12 } },
    ],
    grid: [
      { left: '6%', right: '54%', top: 56, bottom: 40, containLabel: true },
      { left: '56%', right: '3%', top: 56, bottom: 40, containLabel: true },
    ],
    xAxis: [xAxis(0), xAxis(1)],
    yAxis: [
      { type: 'value', gridIndex: 0, scale: true },
      { type: 'value', gridIndex: 1, min: (v: { min: number }) => Math.max(0, Math.floor(v.min * 20) / 20), max: 1 },
    ],
    series,
  };
}
