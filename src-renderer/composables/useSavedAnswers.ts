/**
 * The history of saved answers (issue 15, point 7), shared by the Queries view (save, browse,
 * re-open, pin, delete) and the Reports view (choose what goes in; pinned by default).
 */
import { shallowRef, type ShallowRef } from 'vue';
import type { ParamsIn, SavedAnswer, SavedAnswerSummary } from '../../src-main/shared/api.ts';
import { call } from './useApi.ts';

const list = shallowRef<SavedAnswerSummary[]>([]);
let listedFor: string | undefined;

async function refresh(model?: string): Promise<void> {
  listedFor = model;
  const r = await call('answers.list', model ? { model } : {}, 'Could not list the saved answers');
  if (r && listedFor === model) list.value = r;
}

export function useSavedAnswers(): {
  answers: ShallowRef<SavedAnswerSummary[]>;
  refresh: (model?: string) => Promise<void>;
  save: (p: ParamsIn<'answers.save'>) => Promise<SavedAnswerSummary | null>;
  pin: (id: number, pinned: boolean) => Promise<void>;
  remove: (id: number) => Promise<void>;
  get: (id: number) => Promise<SavedAnswer | null>;
} {
  return {
    answers: list,
    refresh,
    async save(p) {
      const r = await call('answers.save', p, 'The answer was not saved');
      if (r) await refresh(listedFor);
      return r;
    },
    async pin(id, pinned) {
      if (await call('answers.update', { id, pinned }, pinned ? 'The answer was not pinned' : 'The answer was not unpinned')) await refresh(listedFor);
    },
    async remove(id) {
      if (await call('answers.delete', { id }, 'The answer was not deleted')) await refresh(listedFor);
    },
    get: (id) => call('answers.get', { id }, 'Could not open the saved answer'),
  };
}
