/** The activation store's public API. */
export { createProject, openProject, migrate, PROJECT_FORMAT, META_FILE, DB_FILE } from './project.ts';
export type { Store, ProjectMeta, OpenOptions } from './project.ts';
export { MIGRATIONS, SCHEMA_VERSION } from './schema.ts';
export { insertDataset, listDatasets, getDataset, getSplit, getThumbnail } from './datasets.ts';
export type { ThumbEncoder, DatasetSummary, DatasetDetail, SplitData } from './datasets.ts';
export { insertModel, insertCheckpoint, listModels, getModel, getCheckpoint } from './models.ts';
export type { NewModel, NewCheckpoint, ModelSummary, ModelDetail, CheckpointInfo } from './models.ts';
export { getPredictions, getLatent } from './predictions.ts';
export type { Predictions, ItemFilter } from './predictions.ts';
export { readActivations, activationView, extractedItems, invalidateActivations } from './activations.ts';
export type { ActivationMatrix, ActivationView } from './activations.ts';
export type { ActivationDtype } from './activation-files.ts';
export {
  insertSample, listSamples, getSample, saveQueryResult, saveEvalRun, listQueryResults, listEvalRuns, saveSaliency, getSaliency,
} from './samples.ts';
export type { NewSample, SampleSummary, SampleDetail, SavedRun, Saliency } from './samples.ts';
export { projectInfo } from './project-info.ts';
export type { ProjectInfo, CheckpointExtraction, LayerExtraction } from './project-info.ts';
export { runExtraction } from './extract-job.ts';
export type { ExtractionOptions, ExtractionProgress, ExtractionResult } from './extract-job.ts';
export { exportData } from './export.ts';
export type { ExportOptions, ExportResult, ExportWhat, ExportFormat } from './export.ts';
export { encodeFloat16, decodeFloat16 } from './float16.ts';
export { writeNpy, parseNpyHeader, npyHeader } from './npy.ts';
export {
  insertSavedAnswer, listSavedAnswers, getSavedAnswer, updateSavedAnswer, deleteSavedAnswer,
} from './saved-answers.ts';
export type { SavedAnswerRow, SavedAnswerFull, NewSavedAnswer } from './saved-answers.ts';
