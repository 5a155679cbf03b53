/**
 * The renderer's typed client of the API contract. On the desktop it talks to the preload's
 * `window.margin` bridge; in a browser it talks to the browser host over HTTP (requests) and
 * a WebSocket (pushed events). The token comes from the printed URL's `?token=` once: the page
 * keeps it in sessionStorage (this tab only), removes it from its address, and sends it only as
 * `Authorization: Bearer` and as a `margin.token.<token>` WebSocket subprotocol — never in a
 * cookie, which every page of 127.0.0.1 would share (see src-main/host/request-guard.ts).
 */
import type { EventMessage, MarginBridge, ParamsIn, Reply, RequestName, Result } from '../../src-main/shared/api.ts';
import { uiMessageOf, type ErrorPayload } from '../../src-main/shared/errors.ts';

/** An error that crossed the boundary, with its structured payload. */
export class ApiError extends Error {
  readonly code: ErrorPayload['code'];
  readonly details?: unknown;
  readonly request: string;
  constructor(request: string, payload: ErrorPayload) {
    // The workbench's wording (details.ui, naming UI actions) when the error carries one.
    super(uiMessageOf(payload));
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
    try {
      socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/events`, [WS_PROTOCOL, `${WS_TOKEN_PREFIX}${token}`]);
    } catch {
      return; // a token that is no valid subprotocol name: the API calls report the 401
    }
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
        throw new ApiError(name, { code: 'INTERNAL', message: `cannot reach the Margin host (${(err as Error).message}): is the Margin window or the terminal that started the workbench still open?` });
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

const WS_PROTOCOL = 'margin.v1';
const WS_TOKEN_PREFIX = 'margin.token.';
const TOKEN_KEY = 'margin-token';

/**
 * The host's token: taken from `?token=` of the opened URL into sessionStorage, then removed from
 * the address bar (and so from history, bookmarks and screenshots); a reload reads it back.
 */
export function takeToken(loc: Pick<Location, 'href'>, storage: Pick<Storage, 'getItem' | 'setItem'>, replace: (url: string) => void): string {
  const url = new URL(loc.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    storage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    replace(`${url.pathname}${url.search}${url.hash}`);
  }
  return storage.getItem(TOKEN_KEY) ?? '';
}

let client: Client | null = null;

/** The one client of this window. */
export function getClient(): Client {
  if (client) return client;
  if (window.margin) {
    client = fromBridge(window.margin);
  } else {
    const token = takeToken(window.location, sessionStorage, (u) => history.replaceState(history.state, '', u));
    client = fromHttp(window.location.origin, token);
  }
  return client;
}
