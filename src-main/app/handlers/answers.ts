/** answers.*: the history of saved answers (save, list, re-open, pin for the report, rename, delete). */
import type { HandlerModule } from '../context.ts';
import { deleteAnswer, getAnswer, listAnswers, saveAnswer, updateAnswer } from '../services/answers.ts';

export const answerHandlers: HandlerModule = (ctx) => ({
  'answers.save': (params) => saveAnswer(ctx.workspace.requireStore(), params),
  'answers.list': (params) => listAnswers(ctx.workspace.requireStore(), params),
  'answers.get': (params) => getAnswer(ctx.workspace.requireStore(), params.id),
  'answers.update': (params) => updateAnswer(ctx.workspace.requireStore(), params),
  'answers.delete': (params) => deleteAnswer(ctx.workspace.requireStore(), params.id),
});
