/**
 * Child process for the kill-and-resume test: opens the project given on the command line and
 * extracts with a slow fake runner until it is killed. Prints "batch" after each commit.
 * Usage: node --import tsx extract-child.ts DIR CHECKPOINT_ID DATASET_ID
 */
import { openProject } from '../project.ts';
import { runExtraction } from '../extract-job.ts';
import { FakeRunner } from './fake-runner.ts';

const [dir, ck, ds] = process.argv.slice(2);
const store = await openProject(dir);
await runExtraction({
  store, checkpointId: Number(ck), runner: new FakeRunner(40), datasetId: Number(ds), split: 'test',
  layers: ['conv1', 'dense/1'], dtype: 'float16', batchSize: 16,
  onProgress: (p) => { if (p.done > 0) process.stdout.write(`batch ${p.done}\n`); },
});
await store.close();
process.stdout.write('finished\n');
