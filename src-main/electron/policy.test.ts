import { describe, expect, it } from 'vitest';
import { APP_INDEX_URL, devRendererOrigin, isAllowedExternalUrl, isAllowedNavigation, isTrustedIpcSender, windowOpenDecision, type FrameLike } from './policy.ts';

describe('openExternal allow-list', () => {
  it('opens documentation pages over https', () => {
    expect(isAllowedExternalUrl('https://onnxruntime.ai/docs/get-started/')).toBe(true);
    expect(isAllowedExternalUrl('https://www.tensorflow.org/js/guide')).toBe(true);
    expect(isAllowedExternalUrl('https://github.com/zalandoresearch/fashion-mnist')).toBe(true);
    expect(isAllowedExternalUrl('https://github.com/zalandoresearch/fashion-mnist/blob/master/README.md')).toBe(true);
  });
  it('refuses everything else', () => {
    for (const url of [
      'http://onnxruntime.ai/docs/', // not https
      'https://onnxruntime.ai/', // outside the docs
      'https://onnxruntime.ai/docs/../downloads', // normalised to /downloads
      'https://onnxruntime.ai.evil.example/docs/',
      'https://evil.example/onnxruntime.ai/docs/',
      'https://user:pw@onnxruntime.ai/docs/',
      'https://onnxruntime.ai:8443/docs/',
      'https://github.com/zalandoresearch/fashion-mnist-evil',
      'https://github.com/evil/repo',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://host/share',
      'ms-msdt:/id',
      'margin://app/index.html',
      'not a url',
      '',
    ]) expect(isAllowedExternalUrl(url), url).toBe(false);
  });
  it('never lets window.open create a window', () => {
    expect(windowOpenDecision('https://onnxruntime.ai/docs/')).toEqual({ action: 'deny', openExternal: true });
    expect(windowOpenDecision('https://evil.example/')).toEqual({ action: 'deny', openExternal: false });
  });
});

describe('navigation', () => {
  it('stays on the app\'s own pages', () => {
    expect(isAllowedNavigation(APP_INDEX_URL)).toBe(true);
    expect(isAllowedNavigation('margin://app/index.html#/latent')).toBe(true);
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'margin://other/index.html', 'margin://user@app/', 'http://localhost:5173/', 'data:text/html,<script>1</script>', 'about:blank']) {
      expect(isAllowedNavigation(url), url).toBe(false);
    }
  });
  it('honours the dev server only in an unpackaged app, only on loopback http', () => {
    expect(devRendererOrigin('http://localhost:5173/', false)).toBe('http://localhost:5173');
    expect(devRendererOrigin('http://localhost:5173/', true)).toBeNull();
    expect(devRendererOrigin('https://evil.example/', false)).toBeNull();
    expect(devRendererOrigin('file:///tmp/x.html', false)).toBeNull();
    expect(devRendererOrigin(undefined, false)).toBeNull();
    expect(isAllowedNavigation('http://localhost:5173/#/x', 'http://localhost:5173')).toBe(true);
    expect(isAllowedNavigation('http://localhost:5174/', 'http://localhost:5173')).toBe(false);
  });
});

describe('IPC sender', () => {
  const main: FrameLike = { url: APP_INDEX_URL, parent: null, processId: 4, routingId: 1 };
  it('accepts the main window\'s top frame on an app URL', () => {
    expect(isTrustedIpcSender(main, main)).toBe(true);
    expect(isTrustedIpcSender({ ...main }, main)).toBe(true); // another wrapper of the same frame
  });
  it('refuses null frames, subframes, other windows and foreign pages', () => {
    expect(isTrustedIpcSender(null, main)).toBe(false);
    expect(isTrustedIpcSender(undefined, main)).toBe(false);
    expect(isTrustedIpcSender(main, null)).toBe(false);
    const sub: FrameLike = { url: APP_INDEX_URL, parent: main, processId: 4, routingId: 2 };
    expect(isTrustedIpcSender(sub, main)).toBe(false);
    const otherWindow: FrameLike = { url: APP_INDEX_URL, parent: null, processId: 5, routingId: 1 };
    expect(isTrustedIpcSender(otherWindow, main)).toBe(false); // same URL, another frame (e.g. the PDF printer)
    const navigatedAway: FrameLike = { url: 'https://evil.example/', parent: null, processId: 4, routingId: 1 };
    expect(isTrustedIpcSender(navigatedAway, navigatedAway)).toBe(false);
    const fileFrame: FrameLike = { url: 'file:///tmp/report.html', parent: null, processId: 6, routingId: 1 };
    expect(isTrustedIpcSender(fileFrame, fileFrame)).toBe(false);
  });
});
