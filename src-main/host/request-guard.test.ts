import { describe, expect, it } from 'vitest';
import { bearerToken, checkHost, checkJsonContentType, checkOrigin, isRefusal, parseTarget, tokenMatches, webSocketToken } from './request-guard.ts';

describe('request guard', () => {
  it('accepts only this host\'s own origins, and same-origin/none fetch sites', () => {
    expect(checkOrigin(undefined, undefined, 4000)).toBeNull(); // a non-browser client
    expect(checkOrigin('http://127.0.0.1:4000', 'same-origin', 4000)).toBeNull();
    expect(checkOrigin('http://localhost:4000', 'none', 4000)).toBeNull();
    for (const o of ['http://127.0.0.1:4001', 'http://127.0.0.1:4000/', 'http://127.0.0.1', 'null', '', 'HTTP://127.0.0.1:4000']) {
      expect(checkOrigin(o, undefined, 4000)?.status, o).toBe(403);
    }
    for (const s of ['same-site', 'cross-site', '']) expect(checkOrigin(undefined, s, 4000)?.status, s).toBe(403);
    expect(checkHost('127.0.0.1:4000', 4000)).toBeNull();
    expect(checkHost('evil.example:4000', 4000)?.status).toBe(403);
    expect(checkHost(undefined, 4000)?.status).toBe(403);
  });

  it('reads the token only from Bearer and the WebSocket subprotocol list', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken('Bearer a b')).toBeNull();
    expect(webSocketToken('margin.v1, margin.token.abc')).toBe('abc');
    expect(webSocketToken('margin.v1')).toBeNull();
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abd', 'abc')).toBe(false);
    expect(tokenMatches('ab', 'abc')).toBe(false);
    expect(tokenMatches(null, 'abc')).toBe(false);
  });

  it('wants application/json bodies', () => {
    expect(checkJsonContentType('application/json')).toBeNull();
    expect(checkJsonContentType('Application/JSON; charset=utf-8')).toBeNull();
    for (const t of ['text/plain', 'application/json-patch+json', 'application/x-www-form-urlencoded', undefined]) expect(checkJsonContentType(t)?.status, String(t)).toBe(415);
  });

  it('decodes request targets or refuses them with 400', () => {
    expect(parseTarget('/api/app.echo?x=1')).toMatchObject({ path: '/api/app.echo' });
    expect(parseTarget('/assets/a%20b.js')).toMatchObject({ path: '/assets/a b.js' });
    for (const raw of [undefined, '', 'http://evil/x', '//evil/x', '/%E0%A4%A', '/..%2f', '/%2e%2e/x', '/a/./b', '/a%5cb', '/a%00b', '/?q=%E0%A4%A', `/${'a'.repeat(5000)}`]) {
      const r = parseTarget(raw);
      expect(isRefusal(r) && r.status, String(raw).slice(0, 40)).toBe(400);
    }
  });
});
