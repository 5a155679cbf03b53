/**
 * The Electron shell: one window over the same core as the browser host. It only creates the
 * window, wires the IPC bridge to the dispatcher and forwards pushed events. All real work is
 * in plain Node modules (../app, ../store, ../engine …).
 */
import { app as electronApp, BrowserWindow, ipcMain, session, shell } from 'electron';
import { join } from 'node:path';
import { REPO_ROOT } from '../system/info.ts';
import { createApp, type App } from '../app/app.ts';
import { IPC_EVENT_CHANNEL, IPC_REQUEST_CHANNEL } from '../shared/api.ts';
import { contentSecurityPolicy } from '../host/server.ts';
import { countPdfPages } from '../reports/pdf.ts';
import { writeFile } from 'node:fs/promises';

let core: App | null = null;

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
      webSecurity: true,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());

  // The renderer may only talk through the bridge; it never navigates away or opens windows.
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (e) => e.preventDefault());

  const unsubscribe = core.jobs.subscribe((m) => {
    if (!win.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, m);
  });
  win.on('closed', unsubscribe);

  if (process.env.ELECTRON_RENDERER_URL) await win.loadURL(process.env.ELECTRON_RENDERER_URL);
  else await win.loadFile(join(REPO_ROOT, 'out', 'renderer', 'index.html'));
}

/**
 * Reports on the desktop print with Electron's own Chromium: a hidden, sandboxed window loads the
 * self-contained HTML file and printToPDF writes A4 pages (the browser host uses headless Chromium).
 */
async function printToPdf(htmlPath: string, pdfPath: string): Promise<{ pages: number; bytes: number }> {
  const win = new BrowserWindow({ show: false, webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, javascript: false } });
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
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy('')] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));

  // Validation happens in the dispatcher, exactly as for HTTP requests.
  ipcMain.handle(IPC_REQUEST_CHANNEL, async (event, name: unknown, params: unknown) => {
    if (!core) return { ok: false, error: { code: 'INTERNAL', message: 'Margin is still starting' } };
    if (event.senderFrame && !event.senderFrame.url.startsWith('file://') && !process.env.ELECTRON_RENDERER_URL) {
      return { ok: false, error: { code: 'UNAUTHORIZED', message: 'requests are accepted from the workbench window only' } };
    }
    return core.dispatcher.dispatch(name, params);
  });

  await createWindow();
});

electronApp.on('window-all-closed', async () => {
  await core?.close();
  electronApp.quit();
});
