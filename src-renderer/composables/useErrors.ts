import { ref, type Ref } from 'vue';
import { ApiError } from '../api/client.ts';

export interface ShownError {
  id: number;
  title: string;
  message: string;
  code: string;
  /** How many times this same error happened while shown. */
  times: number;
}

const errors = ref<ShownError[]>([]);
let nextId = 1;

/** Key of an error: the same title, code and message are one banner, however often they happen. */
export function errorKey(e: Pick<ShownError, 'title' | 'code' | 'message'>): string {
  return `${e.code}\u0000${e.title}\u0000${e.message}`;
}

/**
 * The workspace's error banner: every failed request lands here in words, with its code — one
 * banner per distinct error (a repeat counts up instead of stacking). `clear` empties it when the
 * user acts again (changes view) or the project changes.
 */
export function useErrors(): { errors: Ref<ShownError[]>; show: (err: unknown, title?: string) => void; dismiss: (id: number) => void; clear: () => void } {
  return {
    errors,
    show(err, title) {
      const e = err instanceof ApiError ? err : null;
      const message = err instanceof Error ? err.message : String(err);
      const next = { title: title ?? (e ? `${e.request} failed` : 'Something went wrong'), message, code: e?.code ?? 'INTERNAL' };
      const same = errors.value.find((x) => errorKey(x) === errorKey(next));
      if (same) {
        errors.value = errors.value.map((x) => (x === same ? { ...x, times: x.times + 1 } : x));
        return;
      }
      errors.value = [...errors.value.slice(-4), { id: nextId++, ...next, times: 1 }];
    },
    dismiss(id) {
      errors.value = errors.value.filter((e) => e.id !== id);
    },
    clear() {
      errors.value = [];
    },
  };
}
