/**
 * Electron's checklist for every web contents the app creates (the workbench window, the hidden
 * PDF printer, anything else): navigation and redirects only to the app's own pages, no new
 * windows (documentation opens in the user's browser through the allow-list), no <webview>.
 * main.ts calls it from `app.on('web-contents-created')`; the decisions are in policy.ts.
 */
import type { WebContents } from 'electron';
import { isAllowedNavigation, windowOpenDecision } from './policy.ts';

export interface GuardOptions {
  /** The dev server's origin in an unpackaged app (policy.devRendererOrigin), else null. */
  devOrigin: string | null;
  /** shell.openExternal, called only for allow-listed documentation URLs. */
  openExternal: (url: string) => void;
  /** Told of each refusal (for the terminal); optional. */
  onRefused?: (what: string, url: string) => void;
}

type Guardable = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

export function guardWebContents(contents: Guardable, opts: GuardOptions): void {
  const refuse = (what: string, e: { preventDefault(): void }, url: string) => {
    e.preventDefault();
    opts.onRefused?.(what, url);
  };
  contents.on('will-navigate', (e) => {
    if (!isAllowedNavigation(e.url, opts.devOrigin)) refuse('navigation', e, e.url);
  });
  contents.on('will-redirect', (e) => {
    if (!isAllowedNavigation(e.url, opts.devOrigin)) refuse('redirect', e, e.url);
  });
  contents.on('will-frame-navigate', (e) => {
    if (!isAllowedNavigation(e.url, opts.devOrigin)) refuse('frame navigation', e, e.url);
  });
  contents.on('will-attach-webview', (e, _prefs, params) => refuse('webview', e, params.src));
  contents.setWindowOpenHandler(({ url }) => {
    const d = windowOpenDecision(url);
    if (d.openExternal) opts.openExternal(url);
    else opts.onRefused?.('window.open', url);
    return { action: d.action };
  });
}
