/**
 * The boundary: every request, whatever carried it (IPC, HTTP, a test), passes through
 * `dispatch`, which checks the name against the contract, validates the parameters with the
 * request's schema and turns any failure into a structured {code, message, details} reply.
 */
import { MarginError, toErrorPayload } from '../shared/errors.ts';
import { describeIssues, isRequestName, requests, type ParamsOut, type Reply, type RequestName, type Result } from '../shared/api.ts';

export type Handlers = { [N in RequestName]: (params: ParamsOut<N>) => Promise<Result<N>> | Result<N> };

export interface Dispatcher {
  dispatch(name: unknown, params: unknown): Promise<Reply>;
}

export function createDispatcher(handlers: Handlers, opts: { onError?: (name: string, err: unknown) => void } = {}): Dispatcher {
  return {
    async dispatch(name, params) {
      if (!isRequestName(name)) {
        return { ok: false, error: { code: 'BAD_REQUEST', message: `unknown request ${JSON.stringify(String(name)).slice(0, 80)}` } };
      }
      const parsed = requests[name].params.safeParse(params ?? {});
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => ({ path: i.path, message: i.message }));
        return {
          ok: false,
          error: { code: 'BAD_REQUEST', message: `${name}: ${describeIssues(issues)}`, details: { issues: issues.map((i) => ({ path: i.path.map(String), message: i.message })) } },
        };
      }
      try {
        const handler = handlers[name] as (p: unknown) => Promise<unknown> | unknown;
        const result = await handler(parsed.data);
        return { ok: true, result };
      } catch (err) {
        const payload = toErrorPayload(err);
        if (!(err instanceof MarginError)) opts.onError?.(name, err);
        return { ok: false, error: payload };
      }
    },
  };
}
