import { ref, shallowRef, type Ref, type ShallowRef } from 'vue';
import type { ParamsIn, RequestName, Result } from '../../src-main/shared/api.ts';
import { getClient } from '../api/client.ts';
import { useErrors } from './useErrors.ts';

/** Calls one request; failures go to the error banner and come back as null. */
export async function call<N extends RequestName>(name: N, params: ParamsIn<N>, errorTitle?: string): Promise<Result<N> | null> {
  try {
    return await getClient().request(name, params);
  } catch (err) {
    useErrors().show(err, errorTitle);
    return null;
  }
}

/** A request bound to refs: `run()` fills `data`, `loading` tracks it, errors go to the banner. */
export function useRequest<N extends RequestName>(name: N): {
  data: ShallowRef<Result<N> | null>;
  loading: Ref<boolean>;
  run: (params: ParamsIn<N>, errorTitle?: string) => Promise<Result<N> | null>;
} {
  const data = shallowRef<Result<N> | null>(null);
  const loading = ref(false);
  let generation = 0;
  return {
    data,
    loading,
    async run(params, errorTitle) {
      const mine = ++generation;
      loading.value = true;
      try {
        const r = await call(name, params, errorTitle);
        if (mine === generation && r !== null) data.value = r; // a newer run wins
        return r;
      } finally {
        if (mine === generation) loading.value = false;
      }
    },
  };
}
