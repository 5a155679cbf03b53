/**
 * The history of saved answers (issue 15, point 7): `answers.save` keeps a query.run or
 * query.named answer as the user saw it, with the request that produced it (both validated by
 * the contract), under a title that says the question in words; list, get (to re-open), pin for
 * the report, rename and delete. Rows live in the store's `saved_answers` (schema v6).
 */
import type { ParamsOut, SavedAnswer, SavedAnswerSummary } from '../../shared/api.ts';
import { getDataset } from '../../store/datasets.ts';
import {
  deleteSavedAnswer, getSavedAnswer, insertSavedAnswer, listSavedAnswers, updateSavedAnswer, type SavedAnswerRow,
} from '../../store/saved-answers.ts';
import type { Store } from '../../store/project.ts';
import { subsetInWords } from '../../reports/saved-runs.ts';
import { resolveCheckpoint } from './models.ts';

type SaveParams = ParamsOut<'answers.save'>;
/** A request as asked: which one, with its params. */
export type AskedRequest = { kind: 'query.run'; params: ParamsOut<'query.run'> } | { kind: 'query.named'; params: ParamsOut<'query.named'> };

const SET_WORDS = { S1: 'top-K neurons', S2: 'mean activations', S3: 'argmax distribution' } as const;

/** The question of a saved answer in words, e.g. "S1 top-10 neurons of relu2 · class Shirt, incorrectly classified · sample s5 · lenet5-bn@epoch-5". */
export function answerTitle(a: AskedRequest, classNames: readonly string[], checkpoint: string): string {
  const cls = (c: number | undefined) => (c === undefined ? undefined : classNames[c] ?? `class ${c}`);
  const parts: string[] = [];
  if (a.kind === 'query.run') {
    const p = a.params;
    parts.push(`${p.set} ${p.set === 'S1' ? `top-${p.k} ${p.granularity === 'channel' ? 'channels' : 'neurons'}` : SET_WORDS[p.set]} of ${p.layer}`);
    parts.push(subsetInWords(p.subset, classNames));
    if (p.sample) parts.push(`sample ${p.sample}`);
  } else {
    const p = a.params;
    const what = [p.layer, p.classA !== undefined ? `a = ${cls(p.classA)}` : undefined, p.classB !== undefined ? `b = ${cls(p.classB)}` : undefined,
      p.model2 ? `vs ${p.model2}` : undefined, p.checkpoint2 ? `vs ${p.checkpoint2}` : undefined].filter(Boolean).join(', ');
    parts.push(`${p.query}${what ? ` (${what})` : ''}`);
    if (p.sample) parts.push(`sample ${p.sample}`);
  }
  parts.push(`${a.params.model}@${checkpoint}`);
  return parts.join(' · ').slice(0, 200);
}

const summary = (r: SavedAnswerRow): SavedAnswerSummary => ({ ...r, kind: r.kind as SavedAnswerSummary['kind'] });

export async function saveAnswer(store: Store, a: SaveParams): Promise<SavedAnswerSummary> {
  // The model and checkpoint must exist (the answer names them); the checkpoint is stored resolved.
  const { model, checkpoint } = await resolveCheckpoint(store, a.params.model, a.params.checkpoint);
  const classNames = model.datasetId != null ? (await getDataset(store, model.datasetId)).classNames : [];
  const title = a.title ?? answerTitle(a, classNames, checkpoint.label);
  return summary(await insertSavedAnswer(store, {
    kind: a.kind, title, model: model.name, checkpoint: checkpoint.label,
    params: { ...a.params, checkpoint: checkpoint.label }, result: a.result, pinned: a.pinned,
  }));
}

export async function listAnswers(store: Store, p: ParamsOut<'answers.list'>): Promise<SavedAnswerSummary[]> {
  return (await listSavedAnswers(store, p)).map(summary);
}

export async function getAnswer(store: Store, id: number): Promise<SavedAnswer> {
  return (await getSavedAnswer(store, id)) as SavedAnswer;
}

export async function updateAnswer(store: Store, p: ParamsOut<'answers.update'>): Promise<SavedAnswerSummary> {
  return summary(await updateSavedAnswer(store, p.id, { pinned: p.pinned, title: p.title }));
}

export async function deleteAnswer(store: Store, id: number): Promise<{ deleted: number }> {
  await deleteSavedAnswer(store, id);
  return { deleted: id };
}
