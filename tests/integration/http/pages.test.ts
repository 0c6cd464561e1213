import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, validSignup } from '../../support/browser.js';
import { createTestApp, type TestApp } from '../../support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('every response', () => {
  it.each(['/', '/signup/', '/healthz', '/static/css/app.css', '/no/such/page/', '/lobby/'])(
    'carries the security headers: %s',
    async (path) => {
      const response = await t.app.request(path);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("base-uri 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('same-origin');
    },
  );

  it('declares the charset of HTML and JSON', async () => {
    expect((await t.app.request('/')).headers.get('content-type')).toMatch(/text\/html; charset=utf-8/i);
    expect((await t.app.request('/healthz')).headers.get('content-type')).toMatch(/application\/json/);
  });
});

describe('addresses', () => {
  it('redirects a page address without its trailing slash to the canonical one, keeping the query', async () => {
    const response = await t.app.request('/signup?from=mail');
    expect(response.status).toBe(308);
    expect(response.headers.get('location')).toBe('/signup/?from=mail');
  });

  it('accepts a form posted to either spelling', async () => {
    const response = await new Browser(t.app).post('/guest');
    expect(response.status).toBe(303);
  });

  it('never redirects to another host', async () => {
    const response = await t.app.request('//evil.example');
    expect(response.headers.get('location') ?? '').not.toContain('evil.example');
  });

  it('shows a friendly 404 page, or JSON to API clients', async () => {
    const page = await t.app.request('/nothing-here/');
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('There is nothing at this address.');
    const json = await t.app.request('/nothing-here/', { headers: { accept: 'application/json' } });
    expect(await json.json()).toMatchObject({ error: 'There is nothing at this address.' });
  });

  it('sends someone who is not signed in from the lobby to the sign-in page', async () => {
    const response = await t.app.request('/lobby/');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/');
  });
});

describe('static files', () => {
  it('serves the stylesheet, the icons and the four room images', async () => {
    for (const path of ['/static/css/app.css', '/static/icons/owl.svg', '/static/favicon.svg',
      '/static/rooms/game.svg', '/static/rooms/study.svg', '/static/rooms/movie.svg', '/static/rooms/music.svg']) {
      const response = await t.app.request(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('cache-control')).toContain('max-age');
    }
  });

  it('does not serve files outside public/', async () => {
    for (const path of ['/static/../package.json', '/static/%2e%2e/package.json', '/static/..%2fpackage.json']) {
      const response = await t.app.request(path);
      expect(response.status, path).not.toBe(200);
    }
  });
});

describe('the lobby (placeholder)', () => {
  it('lists the four rooms with their images, as HTML and as JSON', async () => {
    const browser = new Browser(t.app);
    await browser.post('/signup/', validSignup({ username: 'lobby_visitor' }));
    const html = await (await browser.get('/lobby/')).text();
    for (const name of ['Game', 'Study', 'Movie', 'Music']) expect(html).toContain(`<h2>${name}</h2>`);
    const response = await browser.get('/lobby/', { accept: 'application/json' });
    expect(response.headers.get('vary')).toContain('Accept');
    const body = await response.json();
    expect(body.rooms.map((room: { slug: string }) => room.slug)).toEqual(['game', 'study', 'movie', 'music']);
    expect(body.rooms[0].image_url).toBe('/static/rooms/game.svg');
  });
});

describe('bad input', () => {
  const bodies: Array<[string, string]> = [
    ['application/x-www-form-urlencoded', '%%%garbage%%%'],
    ['application/x-www-form-urlencoded', 'username[]=a&username[]=b&password=x'],
    ['multipart/form-data; boundary=zzz', '--zzz\r\nbroken'],
    ['application/json', '{"username": {"$gt": ""}}'],
    ['text/plain', '\u0000\u0001\u0002'],
  ];
  it.each(['/login/', '/signup/', '/guest/', '/logout/', '/api/signup/', '/api/token/', '/api/token/refresh/'])(
    'never answers 500 at %s',
    async (path) => {
      for (const [type, body] of bodies) {
        const response = await t.app.request(path, { method: 'POST', headers: { 'content-type': type, origin: 'http://localhost' }, body });
        expect(response.status, `${type} ${body}`).toBeLessThan(500);
      }
    },
  );

  it('refuses a body over 64 KiB with 413 before reading it', async () => {
    const response = await new Browser(t.app).post('/signup/', validSignup({ first_name: 'x'.repeat(70_000) }));
    expect(response.status).toBe(413);
  });
});

describe('health', () => {
  it('/healthz answers 200 while the process serves, whatever the database does (liveness)', async () => {
    const response = await t.app.request('/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    const broken = await createTestApp();
    await broken.close();
    expect((await broken.app.request('/healthz')).status).toBe(200);
  });

  it('/readyz answers 200 with each check while the database answers and is migrated', async () => {
    const response = await t.app.request('/readyz');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(await response.json()).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok', redis: 'not configured' } });
  });

  it('/readyz answers 503 with the reason when the database does not answer', async () => {
    const broken = await createTestApp();
    await broken.close();
    const response = await broken.app.request('/readyz');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      status: 'unavailable',
      checks: { database: 'unreachable', migrations: 'unknown', redis: 'not configured' },
      error: 'Not ready: the database does not answer.',
    });
  });

  it('/readyz answers 503 when the database lacks a migration of this version', async () => {
    const behind = await createTestApp();
    try {
      await behind.db.execute(sql`delete from drizzle.__drizzle_migrations where created_at = (select max(created_at) from drizzle.__drizzle_migrations)`);
      const response = await behind.app.request('/readyz');
      expect(response.status).toBe(503);
      const body = (await response.json()) as { checks: unknown; error: string };
      expect(body.checks).toEqual({ database: 'ok', migrations: 'behind', redis: 'not configured' });
      expect(body.error).toContain('the database lacks migrations this version needs');
    } finally {
      await behind.close();
    }
  });
});
