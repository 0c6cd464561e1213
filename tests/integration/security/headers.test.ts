import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../support/app.js';

// Security headers on every kind of answer, errors included (ASVS V3.4, V13.4, V16.5).
let t: TestApp;
const ORIGIN = { origin: 'http://localhost' };

beforeAll(async () => {
  t = await createTestApp({ RATE_LIMIT_AUTH_PER_IP: '1' });
  // A handler that fails the way a bug would, to see what the person gets.
  t.app.get('/test-failure.txt', () => {
    throw new Error('secret internal detail at /srv/hubbub/src/secret.ts:42');
  });
});
afterAll(() => t.close());

const kinds: Array<[string, () => Response | Promise<Response>, number]> = [
  ['a page', () => t.app.request('/'), 200],
  ['JSON', () => t.app.request('/', { headers: { accept: 'application/json' } }), 200],
  ['a script', () => t.app.request('/static/js/live.js'), 200],
  ['a stylesheet', () => t.app.request('/static/css/app.css'), 200],
  ['an image', () => t.app.request('/static/rooms/game.svg'), 200],
  ['404', () => t.app.request('/no/such/page/'), 404],
  ['400 (bad JSON)', () => t.app.request('/login/', { method: 'POST', headers: { ...ORIGIN, 'content-type': 'application/json' }, body: '{"username":' }), 400],
  ['413', () => t.app.request('/login/', { method: 'POST', headers: { ...ORIGIN, 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(2 ** 20) }, body: 'a'.repeat(2 ** 20) }), 413],
  ['403 (cross-site)', () => t.app.request('/login/', { method: 'POST', headers: { origin: 'https://evil.example' } }), 403],
  ['429', async () => {
    await t.app.request('/guest/', { method: 'POST', headers: ORIGIN });
    return t.app.request('/guest/', { method: 'POST', headers: ORIGIN });
  }, 429],
  ['500', () => t.app.request('/test-failure.txt'), 500],
];

describe('every kind of response', () => {
  it.each(kinds)('carries the security headers and a charset: %s', async (_kind, send, status) => {
    const response = await send();
    expect(response.status).toBe(status);
    const csp = response.headers.get('content-security-policy') ?? '';
    for (const directive of ["default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]) expect(csp).toContain(directive);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('same-origin');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    const type = response.headers.get('content-type') ?? '';
    if (!type.startsWith('image/')) expect(type).toMatch(/; charset=utf-8$/i);
  });

  it('never shows a stack trace or an internal detail on a failure', async () => {
    for (const accept of ['text/html', 'application/json', 'text/plain']) {
      const response = await t.app.request('/test-failure.txt', { headers: { accept } });
      const body = await response.text();
      expect(body).toContain('Something went wrong on our side');
      expect(body).not.toMatch(/secret internal detail|\/srv\/|\.ts:\d+|\n\s+at /);
    }
  });

  it('sends HSTS only when served over https', async () => {
    expect((await t.app.request('/')).headers.get('strict-transport-security')).toBeNull();
    const https = await createTestApp({ PUBLIC_ORIGIN: 'https://chat.example.com' });
    try {
      expect((await https.app.request('/')).headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    } finally {
      await https.close();
    }
  });

  it('keeps dynamic answers out of every cache, and lets static files be cached', async () => {
    for (const path of ['/', '/healthz', '/no/such/page/']) expect((await t.app.request(path)).headers.get('cache-control')).toBe('no-store');
    expect((await t.app.request('/', { headers: { accept: 'application/json' } })).headers.get('cache-control')).toBe('no-store');
    expect((await t.app.request('/static/js/live.js')).headers.get('cache-control')).toBe('public, max-age=3600');
  });

  it('never echoes control characters from the address into a plain-text answer', async () => {
    const response = await t.app.request('/lobby/%1b%5b2J%0aforged/messages.txt', { headers: { accept: 'text/plain' } });
    const body = await response.text();
    expect(body).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(body.trimEnd()).not.toContain('\n');
  });
});
