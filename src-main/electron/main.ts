/**
 * The Electron shell: one window over the same core as the browser host. It only wires Electron
 * to plain Node modules that hold the decisions (and their tests):
 *  - policy.ts: openExternal allow-list, allowed navigations, trusted IPC senders, dev URL;
 *  - guard.ts: the `web-contents-created` guard (navigation, redirects, frames, windows, webviews);
 *  - app-protocol.ts: the renderer served from `margin://app/` (not file://) with its CSP.
 * Permissions are denied (request and check handlers); the renderer is sandboxed, context-isolated,
 * without Node, and reaches the core only through the preload's bridge, from its top frame.
 */
import { app as electronApp, BrowserWindow, ipcMain, protocol, session, shell } from 'electron';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { REPO_ROOT } from '../system/info.ts';
import { createApp, type App } from '../app/app.ts';
import { IPC_EVENT_CHANNEL, IPC_REQUEST_CHANNEL } from '../shared/api.ts';
import { contentSecurityPolicy } from '../host/csp.ts';
import { countPdfPages } from '../reports/pdf.ts';
import { APP_INDEX_URL, APP_SCHEME, devRendererOrigin, isTrustedIpcSender } from './policy.ts';
import { guardWebContents } from './guard.ts';
import { serveAppRequest } from './app-protocol.ts';
import { startHost, type Host } from '../host/server.ts';
import { advertiseWorkbench } from '../app/workbench-record.ts';

const RENDERER_DIR = join(REPO_ROOT, 'out', 'renderer');
/** The electron-vite dev server, only in an unpackaged app; production ignores the variable. */
const devOrigin = devRendererOrigin(process.env.ELECTRON_RENDERER_URL, electronApp.isPackaged);

// Before `ready`: margin:// behaves like https (standard, secure origin, fetch), nothing more. The
// page's module scripts are same-origin; corsEnabled stays unset so no other origin can read it.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
electronApp.enableSandbox();

electronApp.on('web-contents-created', (_event, contents) => {
  guardWebContents(contents, {
    devOrigin,
    openExternal: (url) => void shell.openExternal(url),
    onRefused: (what, url) => console.warn(`margin: refused ${what} to ${url.slice(0, 200)}`),
  });
});

let core: App | null = null;
let mainWindow: BrowserWindow | null = null;
/** The loopback host that lets `margin` commands on the open project go through this window's core. */
let cliHost: Host | null = null;
let stopAdvertising: (() => void) | null = null;

async function createWindow(): Promise<void> {
  core = await createApp({ host: 'electron', printPdf: printToPdf });
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 1024,
    minHeight: 640,
    title: 'Margin',
    backgroundColor: '#f6f7f9',
    show: false,
    webPreferences: {
      preload: join(REPO_ROOT, 'out', 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  mainWindow = win;
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });

  const unsubscribe = core.jobs.subscribe((m) => {
    if (!win.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, m);
  });
  win.on('closed', unsubscribe);

  // While this window holds a project's DuckDB file, a `margin` command on that project cannot open
  // it. As with `margin serve`, the core is also reachable on 127.0.0.1 behind a random token, which
  // only the project's .margin-workbench.json (mode 0600) tells; the CLI reads it and goes through here.
  try {
    const app = core;
    cliHost = await startHost({ dispatcher: app.dispatcher, subscribe: (l) => app.jobs.subscribe(l), staticDir: RENDERER_DIR, port: 0 });
    stopAdvertising = advertiseWorkbench(app.workspace, { origin: new URL(cliHost.url).origin, token: cliHost.token, kind: 'electron' });
  } catch (err) {
    console.warn(`margin: commands on the open project will not reach this window (${(err as Error).message})`);
  }

  await win.loadURL(devOrigin ? process.env.ELECTRON_RENDERER_URL! : APP_INDEX_URL);
}

/**
 * Reports on the desktop print with Electron's own Chromium: a hidden, sandboxed window without
 * JavaScript loads the self-contained HTML file and printToPDF writes A4 pages (the browser host
 * uses headless Chromium). It has no preload, and its frame is not the main window's, so it
 * cannot reach the IPC bridge.
 */
async function printToPdf(htmlPath: string, pdfPath: string): Promise<{ pages: number; bytes: number }> {
  const win = new BrowserWindow({ show: false, webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, javascript: false, webviewTag: false } });
  try {
    await win.loadFile(htmlPath);
    const pdf = await win.webContents.printToPDF({ pageSize: 'A4', printBackground: true });
    await writeFile(pdfPath, pdf);
    return { pages: countPdfPages(pdf), bytes: pdf.byteLength };
  } finally {
    win.destroy();
  }
}

electronApp.whenReady().then(async () => {
  protocol.handle(APP_SCHEME, (request) => serveAppRequest(request, RENDERER_DIR));
  // The dev server's responses (and any other) get the same CSP; margin:// responses carry it already.
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy('')] } });
  });
  // The workbench needs no permission (camera, notifications, clipboard, …): all denied, asked or checked.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);

  // Only the main window's top frame, on the app's own page, may call; the dispatcher validates the rest.
  ipcMain.handle(IPC_REQUEST_CHANNEL, async (event, name: unknown, params: unknown) => {
    if (!isTrustedIpcSender(event.senderFrame, mainWindow?.webContents.mainFrame, devOrigin)) {
      return { ok: false, error: { code: 'UNAUTHORIZED', message: 'requests are accepted from the workbench window only' } };
    }
    if (!core) return { ok: false, error: { code: 'INTERNAL', message: 'Margin is still starting' } };
    return core.dispatcher.dispatch(name, params);
  });

  await createWindow();
});

electronApp.on('window-all-closed', async () => {
  stopAdvertising?.();
  await cliHost?.close();
  await core?.close();
  electronApp.quit();
});
