/**
 * The desktop shell's security decisions, as pure functions (no Electron import) so that they are
 * unit-tested here and main.ts only wires them to Electron's events:
 *  - which URLs `shell.openExternal` may open (an allow-list of documentation pages);
 *  - which URLs the window may navigate or redirect to (the app's own `margin://app/` pages);
 *  - which IPC senders are the workbench (the main window's top frame, on an app URL);
 *  - the development renderer URL, honoured only in an unpackaged app.
 */

/** The custom scheme the renderer is served from (app-protocol.ts). */
export const APP_SCHEME = 'margin';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/**
 * Documentation the workbench may open in the user's browser: https, this exact host, a path
 * under this prefix. Nothing else leaves the app.
 */
export const DOC_URLS: ReadonlyArray<{ host: string; pathPrefix: string }> = [
  { host: 'onnxruntime.ai', pathPrefix: '/docs/' },
  { host: 'onnx.ai', pathPrefix: '/onnx/' },
  { host: 'www.tensorflow.org', pathPrefix: '/js/' },
  { host: 'duckdb.org', pathPrefix: '/docs/' },
  { host: 'github.com', pathPrefix: '/zalandoresearch/fashion-mnist' },
  { host: 'www.electronjs.org', pathPrefix: '/docs/' },
];

function parse(url: string): URL | null {
  if (typeof url !== 'string' || url.length > 2048) return null;
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** May `shell.openExternal(url)` be called? Only for the documentation allow-list. */
export function isAllowedExternalUrl(url: string): boolean {
  const u = parse(url);
  if (!u || u.protocol !== 'https:' || u.username || u.password || u.port) return false;
  // The path is compared after URL normalisation (dot segments resolved), so /docs/../x is /x.
  return DOC_URLS.some((d) => {
    const base = d.pathPrefix.replace(/\/$/, '');
    return u.hostname === d.host && (u.pathname === base || u.pathname.startsWith(`${base}/`));
  });
}

/**
 * The development renderer (electron-vite's dev server), honoured only when the app is not
 * packaged and the URL is plain http on the loopback interface; null otherwise.
 */
export function devRendererOrigin(envUrl: string | undefined, isPackaged: boolean): string | null {
  if (isPackaged || !envUrl) return null;
  const u = parse(envUrl);
  if (!u || u.protocol !== 'http:' || !['localhost', '127.0.0.1', '[::1]'].includes(u.hostname)) return null;
  return u.origin;
}

/** Is `url` one of the app's own pages (margin://app/…, or the dev server's origin when allowed)? */
export function isAppUrl(url: string, devOrigin: string | null = null): boolean {
  const u = parse(url);
  if (!u) return false;
  if (u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && !u.username && !u.password) return true;
  return devOrigin !== null && u.origin === devOrigin;
}

/** will-navigate / will-redirect / will-frame-navigate: only to the app's own pages. */
export function isAllowedNavigation(url: string, devOrigin: string | null = null): boolean {
  return isAppUrl(url, devOrigin);
}

/** setWindowOpenHandler: never a new Electron window; documentation opens in the user's browser. */
export function windowOpenDecision(url: string): { action: 'deny'; openExternal: boolean } {
  return { action: 'deny', openExternal: isAllowedExternalUrl(url) };
}

/** The part of Electron's WebFrameMain these checks read. */
export interface FrameLike {
  readonly url: string;
  readonly parent: FrameLike | null;
  readonly processId: number;
  readonly routingId: number;
}

/** The same frame: the same object (Electron caches WebFrameMain wrappers) or the same ids. */
function sameFrame(a: FrameLike, b: FrameLike): boolean {
  return a === b || (a.processId === b.processId && a.routingId === b.routingId);
}

/**
 * Is an IPC message from the workbench? Its sender frame must exist (null when the frame has
 * navigated or been destroyed), be the main window's top frame itself (not a subframe, not
 * another window such as the hidden PDF printer), and show an app URL.
 */
export function isTrustedIpcSender(senderFrame: FrameLike | null | undefined, mainFrame: FrameLike | null | undefined, devOrigin: string | null = null): boolean {
  if (!senderFrame || !mainFrame) return false;
  if (!sameFrame(senderFrame, mainFrame) || senderFrame.parent !== null) return false;
  return isAppUrl(senderFrame.url, devOrigin);
}
