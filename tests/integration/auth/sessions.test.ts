import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessions } from '../../../src/db/schema.js';
import { Browser, validSignup } from '../../support/browser.js';
import { createTestApp, type TestApp } from '../../support/app.js';

const DAY = 24 * 3600 * 1000;
let t: TestApp;
let https: TestApp;

beforeAll(async () => {
  [t, https] = await Promise.all([createTestApp(), createTestApp({ PUBLIC_ORIGIN: 'https://chat.example.com' })]);
});
afterAll(() => Promise.all([t.close(), https.close()]));

async function signedIn(app: TestApp, username: string, origin?: string) {
  const browser = new Browser(app.app, origin);
  const response = await browser.post('/signup/', validSignup({ username }));
  expect(response.status).toBe(303);
  return { browser, setCookie: response.headers.getSetCookie()[0] ?? '' };
}

async function onlySession(app: TestApp) {
  const rows = await app.db.select().from(sessions);
  return rows[rows.length - 1]!;
}

describe('session cookie', () => {
  it('is HttpOnly, SameSite=Lax, path /, and not Secure on http://localhost', async () => {
    const { setCookie } = await signedIn(t, 'cookie_plain');
    expect(setCookie).toMatch(/^hubbub_session=[a-z2-7]{32};/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toMatch(/Secure/);
  });

  it('is Secure with the __Host- prefix when the public origin is https, with HSTS', async () => {
    const { browser, setCookie } = await signedIn(https, 'cookie_secure', 'https://chat.example.com');
    expect(setCookie).toMatch(/^__Host-hubbub_session=/);
    expect(setCookie).toMatch(/Secure/);
    const lobby = await browser.get('/lobby/');
    expect(lobby.status).toBe(200);
    expect(lobby.headers.get('strict-transport-security')).toContain('max-age=');
  });

  it('stores only a hash of the token', async () => {
    const { browser } = await signedIn(t, 'cookie_hash');
    const token = browser.cookies.get('hubbub_session')!;
    const rows = await t.db.select().from(sessions);
    expect(rows.some((row) => row.id === token)).toBe(false);
    expect(rows.every((row) => /^[0-9a-f]{64}$/.test(row.id))).toBe(true);
  });
});

describe('session expiry', () => {
  it('ends a session left idle past its expiry and clears the cookie', async () => {
    const { browser } = await signedIn(t, 'idle_user');
    const session = await onlySession(t);
    await t.db.update(sessions).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(sessions.id, session.id));
    const response = await browser.get('/lobby/');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/');
    expect(response.headers.getSetCookie()[0]).toMatch(/hubbub_session=;/);
    expect(await t.db.select().from(sessions).where(eq(sessions.id, session.id))).toEqual([]);
  });

  it('pushes the idle expiry forward when the session is used', async () => {
    const { browser } = await signedIn(t, 'busy_user');
    const session = await onlySession(t);
    const soon = new Date(Date.now() + 10 * 60 * 1000);
    await t.db.update(sessions).set({ expiresAt: soon }).where(eq(sessions.id, session.id));
    const response = await browser.get('/lobby/');
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie()[0]).toMatch(/Expires=/);
    const [row] = await t.db.select().from(sessions).where(eq(sessions.id, session.id));
    expect(row!.expiresAt.getTime()).toBeGreaterThan(Date.now() + 6 * DAY);
  });

  it('ends a session at its absolute lifetime however active it is', async () => {
    const { browser } = await signedIn(t, 'old_session');
    const session = await onlySession(t);
    await t.db
      .update(sessions)
      .set({ createdAt: new Date(Date.now() - 31 * DAY), expiresAt: new Date(Date.now() + DAY) })
      .where(eq(sessions.id, session.id));
    expect((await browser.get('/lobby/')).status).toBe(303);
  });

  it('never extends a session past its absolute lifetime', async () => {
    const { browser } = await signedIn(t, 'nearly_old');
    const session = await onlySession(t);
    const createdAt = new Date(Date.now() - 29.5 * DAY);
    await t.db.update(sessions).set({ createdAt, expiresAt: new Date(Date.now() + 60_000) }).where(eq(sessions.id, session.id));
    expect((await browser.get('/lobby/')).status).toBe(200);
    const [row] = await t.db.select().from(sessions).where(eq(sessions.id, session.id));
    expect(row!.expiresAt.getTime()).toBe(createdAt.getTime() + 30 * DAY);
  });
});
