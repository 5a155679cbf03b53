/**
 * The preload exposes exactly the API contract's bridge (`window.margin`) and nothing else:
 * two IPC channels, request names checked against the contract's allow-list.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_EVENT_CHANNEL, IPC_REQUEST_CHANNEL, REQUEST_NAMES, type EventMessage, type MarginBridge, type Reply } from '../shared/api.ts';

const allowed = new Set<string>(REQUEST_NAMES);

const bridge: MarginBridge = {
  async request(name: string, params: unknown): Promise<Reply> {
    if (typeof name !== 'string' || !allowed.has(name)) {
      return { ok: false, error: { code: 'BAD_REQUEST', message: `unknown request ${JSON.stringify(String(name))}` } };
    }
    return ipcRenderer.invoke(IPC_REQUEST_CHANNEL, name, params) as Promise<Reply>;
  },
  onEvent(listener: (m: EventMessage) => void): () => void {
    const handler = (_e: IpcRendererEvent, m: EventMessage) => listener(m);
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
    return () => ipcRenderer.removeListener(IPC_EVENT_CHANNEL, handler);
  },
};

contextBridge.exposeInMainWorld('margin', bridge);
