/**
 * The renderer's typed client of the API contract. On the desktop it talks to the preload's
 * `window.margin` bridge; in a browser it talks to the browser host over HTTP (requests) and
 * a WebSocket (pushed events), with the token from the page URL.
 */
import type { EventMessage, MarginBridge, ParamsIn, Reply, RequestName, Result } from '../../src-main/shared/api.ts';
import type { ErrorPayload } from '../../src-main/shared/errors.ts';

/** An error that crossed the boundary, with its structured payload. */
export class ApiError extends Error {
  readonly code: ErrorPayload['code'];
  readonly details?: unknown;
  readonly request: string;
  constructor(request: string, payload: ErrorPayload) {
    super(payload.message);
    this.name = 'ApiError';
    this.code = payload.code;
    this.details = payload.details;
    this.request = request;
  }
}

export interface Client {
  request<N extends RequestName>(name: N, params: ParamsIn<N>): Promise<Result<N>>;
  onEvent(listener: (m: EventMessage) => void): () => void;
  readonly transport: 'electron' | 'browser';
}

declare global {
  interface Window {
    margin?: MarginBridge;
  }
}

function fromBridge(bridge: MarginBridge): Client {
  return {
    transport: 'electron',
    async request(name, params) {
      const reply = await bridge.request(name, params);
      if (!reply.ok) throw new ApiError(name, reply.error);
      return reply.result as never;
    },
    onEvent: (l) => bridge.onEvent(l),
  };
}

function fromHttp(baseUrl: string, token: string): Client {
  const listeners = new Set<(m: EventMessage) => void>();
  let socket: WebSocket | null = null;
  let retry = 500;
  const connect = () => {
    const wsUrl = `${baseUrl.replace(/^http/, 'ws')}/events?token=${encodeURIComponent(token)}`;
    socket = new WebSocket(wsUrl);
    socket.onopen = () => (retry = 500);
    socket.onmessage = (e) => {
      const m = JSON.parse(String(e.data)) as EventMessage;
      for (const l of listeners) l(m);
    };
    socket.onclose = () => {
      socket = null;
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10_000);
    };
  };
  connect();
  return {
    transport: 'browser',
    async request(name, params) {
      let reply: Reply;
      try {
        const res = await fetch(`${baseUrl}/api/${encodeURIComponent(name)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(params ?? {}),
        });
        reply = (await res.json()) as Reply;
      } catch (err) {
        throw new ApiError(name, { code: 'INTERNAL', message: `cannot reach the Margin host (${(err as Error).message}): is \`margin serve\` still running?` });
      }
      if (!reply.ok) throw new ApiError(name, reply.error);
      return reply.result as never;
    },
    onEvent(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

let client: Client | null = null;

/** The one client of this window. */
export function getClient(): Client {
  if (client) return client;
  if (window.margin) {
    client = fromBridge(window.margin);
  } else {
    const url = new URL(window.location.href);
    const token = url.searchParams.get('token') ?? sessionStorage.getItem('margin-token') ?? '';
    if (token) sessionStorage.setItem('margin-token', token);
    client = fromHttp(url.origin, token);
  }
  return client;
}
