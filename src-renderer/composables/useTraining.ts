/**
 * The Train panel's state, kept beside the panel rather than in it: the panel is shown in two
 * places of the Model view (no model yet / a model chosen) and the view swaps them as soon as the
 * first epoch registers a model, so the form, the running job and its outcome must outlive a panel.
 */
import { ref } from 'vue';
import type { TrainableArchitecture } from '../../src-main/shared/architecture-fit.ts';

export interface TrainForm {
  data: string;
  arch: TrainableArchitecture;
  epochs: number;
  batchSize: number;
  seed: number;
  name: string;
  split: string;
  evalSplit: string;
}

const form = ref<TrainForm>({ data: '', arch: 'mlp', epochs: 5, batchSize: 64, seed: 1, name: '', split: '', evalSplit: '' });
/** The data set the split defaults were last chosen for (a remount keeps the user's choice). */
const defaultedFor = ref<string | null>(null);
const jobId = ref<string | null>(null);
/** Name of the model being (or last) trained. */
const training = ref<string | null>(null);
const outcome = ref<string | null>(null);

export function useTraining() {
  return { form, defaultedFor, jobId, training, outcome };
}
