/** A new project store per call in a temporary folder, each closed after the test that opened it. */
import { afterEach } from 'vitest';
import { createProject, type Store } from '../project.ts';
import { fakeClock, tmpDir } from './tmp.ts';

const open: Store[] = [];
// Registered on the importing test file's root suite, like tmp.ts's clean-up.
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

export async function freshStore(): Promise<Store> {
  return closeAfterTest(await createProject(tmpDir(), { now: fakeClock() }));
}

/** Closes `store` after the current test (closing twice is harmless: Store.close is idempotent). */
export function closeAfterTest(store: Store): Store {
  open.push(store);
  return store;
}
