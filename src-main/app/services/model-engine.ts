/**
 * Which engine runs a model, in words for `margin info` and the workbench. Pure: the model's stored
 * engine, its checkpoints' translation state and the active TF.js backend in, labels out.
 *
 * A TF.js model (engine 'tfjs') whose checkpoint was translated at import runs that checkpoint on
 * ONNX Runtime; its TF.js files stay for saliency (gradients). A native ONNX model (engine
 * 'onnxruntime') has no gradients, so no saliency.
 */

import { mappingText, type MappingForText } from '../../onnx/layout.ts';

export type EngineChoice = 'auto' | 'tfjs' | 'onnxruntime';

/** A translation check's note (model-import.ts): text before the difference, the difference, text after. */
const CHECK_DIFF = /^(.*)max \|ONNX − TF\.js\| ([\d.]+(?:e[+-]?\d+)?)(.*)$/;
export const ENGINE_CHOICES: readonly EngineChoice[] = ['auto', 'tfjs', 'onnxruntime'];

export interface CheckpointEngineState {
  label: string;
  onnxPath: string | null;
  engineNote: string | null;
}

/** 'tfjs (wasm)' when the backend is known, else the stored engine name. */
function tfjsLabel(engine: string, backend: string | null): string {
  return engine === 'tfjs' && backend ? `tfjs (${backend})` : engine;
}

/** The engine one checkpoint runs on. */
export function checkpointEngineLabel(modelEngine: string, cp: CheckpointEngineState, backend: string | null): string {
  if (modelEngine === 'onnxruntime') return 'onnxruntime';
  if (cp.onnxPath) return `onnxruntime (translated from TF.js; ${backend ?? 'TF.js'} for saliency)`;
  return tfjsLabel(modelEngine, backend);
}

/**
 * The engine of a model over its checkpoints: one label when they agree, else "mixed: …" naming the
 * checkpoints on each; the note says why (identical notes once, different ones per checkpoint).
 */
export function modelEngineLabel(
  modelEngine: string, checkpoints: CheckpointEngineState[], backend: string | null,
): { engine: string; engineNote: string | null } {
  if (modelEngine === 'onnxruntime') {
    return { engine: 'onnxruntime', engineNote: 'native ONNX model: saliency is unavailable (ONNX Runtime gives no gradients)' };
  }
  if (checkpoints.length === 0) return { engine: tfjsLabel(modelEngine, backend), engineNote: null };
  const translated = checkpoints.filter((c) => c.onnxPath);
  const onTfjs = checkpoints.filter((c) => !c.onnxPath);
  const notes = (cps: CheckpointEngineState[]): string | null => {
    const withNote = cps.filter((c) => c.engineNote);
    const distinct = [...new Set(withNote.map((c) => c.engineNote!))];
    if (distinct.length === 0) return null;
    if (distinct.length === 1 && withNote.length === cps.length) return distinct[0];
    // Translation notes that differ only in the measured difference: one line with the largest.
    const diffs = withNote.map((c) => CHECK_DIFF.exec(c.engineNote!));
    if (withNote.length === cps.length && diffs.every((m) => m) && new Set(diffs.map((m) => m![1] + m![3])).size === 1) {
      const largest = Math.max(...diffs.map((m) => Number(m![2])));
      return `all ${cps.length} checkpoints ${diffs[0]![1]}max |ONNX − TF.js| ≤ ${largest.toExponential(1)}${diffs[0]![3]}`;
    }
    return withNote.map((c) => `${c.label}: ${c.engineNote}`).join('; ');
  };
  if (onTfjs.length === 0) return { engine: checkpointEngineLabel(modelEngine, translated[0], backend), engineNote: notes(translated) };
  if (translated.length === 0) return { engine: tfjsLabel(modelEngine, backend), engineNote: notes(onTfjs) };
  const names = (cps: CheckpointEngineState[]) => cps.map((c) => c.label).join(', ');
  return {
    engine: `mixed: onnxruntime (translated from TF.js) for ${names(translated)}; ${tfjsLabel(modelEngine, backend)} for ${names(onTfjs)}`,
    engineNote: onTfjs.filter((c) => c.engineNote).map((c) => `${c.label}: ${c.engineNote}`).join('; ') || null,
  };
}

/**
 * How the data set's images map onto an ONNX checkpoint's input, in words, from the record made at
 * import (checkpoints.model_json of a native ONNX import); null for TF.js checkpoints (NHWC,
 * pixels × 1/pixelScale, as stored) and for records without a mapping.
 */
export function checkpointInputMapping(modelJson: string | null): string | null {
  if (!modelJson) return null;
  let rec: { format?: unknown; mapping?: MappingForText; inputName?: unknown };
  try {
    rec = JSON.parse(modelJson) as typeof rec;
  } catch {
    return null;
  }
  if (rec.format !== 'onnx' || !rec.mapping || typeof rec.inputName !== 'string') return null;
  return mappingText(rec.mapping, rec.inputName);
}
