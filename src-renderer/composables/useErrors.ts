import { ref, type Ref } from 'vue';
import { ApiError } from '../api/client.ts';

export interface ShownError {
  id: number;
  title: string;
  message: string;
  code: string;
}

const errors = ref<ShownError[]>([]);
let nextId = 1;

/** The workspace's error banner: every failed request lands here in words, with its code. */
export function useErrors(): { errors: Ref<ShownError[]>; show: (err: unknown, title?: string) => void; dismiss: (id: number) => void } {
  return {
    errors,
    show(err, title) {
      const e = err instanceof ApiError ? err : null;
      const message = err instanceof Error ? err.message : String(err);
      errors.value = [...errors.value.slice(-4), { id: nextId++, title: title ?? (e ? `${e.request} failed` : 'Something went wrong'), message, code: e?.code ?? 'INTERNAL' }];
    },
    dismiss(id) {
      errors.value = errors.value.filter((e) => e.id !== id);
    },
  };
}
