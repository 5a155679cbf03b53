/** Public API of the ONNX Runtime engine (see README.md). */
export { ONNX_SALIENCY_UNSUPPORTED, describeOnnxModel, readOnnxModel, resolveInput } from './onnx-model.ts';
export type { OnnxModelDescription, DescribeOptions, InputMapping, OnnxLayout } from './onnx-model.ts';
export { createOnnxRunner, softmaxArgmax } from './onnx-runner.ts';
export type { OnnxRunner, OnnxRunnerOptions } from './onnx-runner.ts';
export { nodeOutputNames, withExposedOutputs, withNhwcOutputs, createSession, createSessionWithOutputs } from './expose-outputs.ts';
export { layersModelToOnnx, checkTranslation, translateModelFile, SUPPORTED_LAYERS } from './from-layers-model.ts';
export type { Translation, CheckResult, TranslateFileOptions } from './from-layers-model.ts';
export { nonFiniteInitializers } from './weights-check.ts';
