import { describe, expect, it } from 'vitest';
import { insertDataset } from '../../store/datasets.ts';
import { insertCheckpoint, insertModel } from '../../store/models.ts';
import { openProject } from '../../store/project.ts';
import { FAKE_CLASSES, FAKE_LAYERS, fakeDataset } from '../../store/test-support/fake-runner.ts';
import { closeAfterTest, freshStore } from '../../store/test-support/fresh-store.ts';
import { queryOne } from '../../store/db.ts';
import { requests, type ParamsIn } from '../../shared/api.ts';
import { answerTitle, deleteAnswer, getAnswer, listAnswers, saveAnswer, updateAnswer } from './answers.ts';

async function project() {
  const store = await freshStore();
  const ds = await insertDataset(store, 'toy', fakeDataset({ test: 8 }), null);
  const model = await insertModel(store, { name: 'fake', architecture: 'fake-net', inputShape: [4, 4, 1], numClasses: FAKE_CLASSES,
    latentLayer: 'latent', engine: 'cpu', layers: FAKE_LAYERS, datasetId: ds, split: 'test' });
  await insertCheckpoint(store, model, { label: 'epoch-1', ordinal: 1 });
  await insertCheckpoint(store, model, { label: 'epoch-2', ordinal: 2 });
  return store;
}

const s1Result = { answer: { set: 'S1', layer: 'latent', granularity: 'unit', subset: { outcome: 'incorrect', trueClass: 1 }, items: 3, topK: [{ neuron: 2, score: 0.5 }], shape: [4] }, computed: { items: 0, bytes: 0, seconds: 0 }, seconds: 0.01 };
const save = (p: unknown) => requests['answers.save'].params.parse(p);

describe('saved answers (issue 15, point 7)', () => {
  it('saves an answer with its request, titled by the question, on the resolved checkpoint; lists newest first', async () => {
    const store = await project();
    const a = await saveAnswer(store, save({ kind: 'query.run', params: { model: 'fake', set: 'S1', layer: 'latent', subset: { outcome: 'incorrect', trueClass: 1 }, k: 5 }, result: s1Result }));
    expect(a).toMatchObject({ kind: 'query.run', model: 'fake', checkpoint: 'epoch-2', pinned: false });
    expect(a.title).toBe(`S1 top-5 neurons of latent · class ${fakeDataset({ test: 1 }).classNames![1]}, incorrectly classified · fake@epoch-2`);
    const b = await saveAnswer(store, save({ kind: 'query.named', title: 'my Q1', params: { model: 'fake', checkpoint: 'epoch-1', query: 'Q1', layer: 'latent' }, result: { query: 'Q1', title: 'Per-class', data: { matrix: [[1]], counts: [1] }, seconds: 0 }, pinned: true }));
    expect(b).toMatchObject({ title: 'my Q1', checkpoint: 'epoch-1', pinned: true });
    expect((await listAnswers(store, {})).map((x) => x.id)).toEqual([b.id, a.id]);
    expect((await listAnswers(store, { pinned: true })).map((x) => x.id)).toEqual([b.id]);
    expect(await listAnswers(store, { model: 'other' })).toEqual([]);
    const full = await getAnswer(store, a.id);
    expect(full.params).toMatchObject({ set: 'S1', k: 5, checkpoint: 'epoch-2' });
    expect(full.result).toEqual(s1Result);
  });

  it('pins, renames and deletes; a missing id is NOT_FOUND naming it', async () => {
    const store = await project();
    const a = await saveAnswer(store, save({ kind: 'query.run', params: { model: 'fake', set: 'S2', layer: 'latent' }, result: { ...s1Result, answer: { ...s1Result.answer, set: 'S2' } } }));
    expect(await updateAnswer(store, requests['answers.update'].params.parse({ id: a.id, pinned: true, title: ' kept ' }))).toMatchObject({ pinned: true, title: 'kept' });
    expect((await listAnswers(store, { pinned: true })).map((x) => x.title)).toEqual(['kept']);
    expect(await deleteAnswer(store, a.id)).toEqual({ deleted: a.id });
    expect(await listAnswers(store, {})).toEqual([]);
    await expect(getAnswer(store, a.id)).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(`id: there is no saved answer ${a.id}`) });
    await expect(deleteAnswer(store, a.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(updateAnswer(store, { id: 999, pinned: true })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses an unknown model or a malformed request before writing anything', async () => {
    const store = await project();
    await expect(saveAnswer(store, save({ kind: 'query.run', params: { model: 'nope', set: 'S1', layer: 'latent' }, result: s1Result }))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(() => save({ kind: 'query.run', params: { model: 'fake', set: 'S9', layer: 'latent' }, result: s1Result })).toThrow();
    expect(() => save({ kind: 'query.run', params: { model: 'fake', set: 'S1', layer: 'latent' }, result: { answer: {} } })).toThrow();
    expect(() => save({ kind: 'sql', params: {}, result: {} })).toThrow();
    expect(Number((await queryOne(store.conn, 'SELECT count(*)::INTEGER AS n FROM saved_answers'))!.n)).toBe(0);
  });

  it('a read-only project refuses to save', async () => {
    const store = await project();
    const dir = store.dir;
    await store.close();
    const ro = closeAfterTest(await openProject(dir, { readOnly: true }));
    await expect(saveAnswer(ro, save({ kind: 'query.run', params: { model: 'fake', set: 'S1', layer: 'latent' }, result: s1Result }))).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('titles named queries with their arguments in words', () => {
    const p = requests['query.named'].params.parse({ model: 'm', query: 'Q5', layer: 'relu2', classA: 0, classB: 1 } satisfies ParamsIn<'query.named'>);
    expect(answerTitle({ kind: 'query.named', params: p }, ['cat', 'dog'], 'e5')).toBe('Q5 (relu2, a = cat, b = dog) · m@e5');
  });
});
