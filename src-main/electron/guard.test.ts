import { describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import type { WebContents } from 'electron';
import { guardWebContents } from './guard.ts';

/** A stand-in web contents: an emitter plus the window-open handler slot. */
function fakeContents() {
  const emitter = new EventEmitter() as EventEmitter & { openHandler?: (d: { url: string }) => { action: string } };
  const contents = Object.assign(emitter, {
    setWindowOpenHandler(h: (d: { url: string }) => { action: string }) {
      emitter.openHandler = h;
    },
  });
  return contents;
}

function navEvent(url: string) {
  const e = { url, prevented: false, preventDefault() { e.prevented = true; } };
  return e;
}

describe('guardWebContents', () => {
  const setup = (devOrigin: string | null = null) => {
    const c = fakeContents();
    const opened: string[] = [];
    const refused: string[] = [];
    guardWebContents(c as unknown as WebContents, { devOrigin, openExternal: (u) => opened.push(u), onRefused: (w, u) => refused.push(`${w} ${u}`) });
    return { c, opened, refused };
  };

  it('blocks navigation, redirects and frame navigation away from the app', () => {
    const { c, refused } = setup();
    for (const event of ['will-navigate', 'will-redirect', 'will-frame-navigate']) {
      const away = navEvent('https://evil.example/');
      c.emit(event, away);
      expect(away.prevented, event).toBe(true);
      const home = navEvent('margin://app/index.html');
      c.emit(event, home);
      expect(home.prevented, event).toBe(false);
      const file = navEvent('file:///etc/passwd');
      c.emit(event, file);
      expect(file.prevented, event).toBe(true);
    }
    expect(refused).toHaveLength(6);
  });

  it('never attaches a webview', () => {
    const { c } = setup();
    const e = navEvent('');
    c.emit('will-attach-webview', e, {}, { src: 'margin://app/index.html' });
    expect(e.prevented).toBe(true);
  });

  it('denies every new window and opens only allow-listed documentation outside', () => {
    const { c, opened } = setup();
    expect(c.openHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(c.openHandler!({ url: 'margin://app/index.html' })).toEqual({ action: 'deny' });
    expect(c.openHandler!({ url: 'https://onnxruntime.ai/docs/' })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://onnxruntime.ai/docs/']);
  });

  it('lets the dev server through only when it was allowed', () => {
    const dev = navEvent('http://localhost:5173/');
    setup(null).c.emit('will-navigate', dev);
    expect(dev.prevented).toBe(true);
    const dev2 = navEvent('http://localhost:5173/');
    setup('http://localhost:5173').c.emit('will-navigate', dev2);
    expect(dev2.prevented).toBe(false);
  });
});
