import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, validSignup } from '../../support/browser.js';
import { createTestApp, type TestApp } from '../../support/app.js';

let t: TestApp;
const credentials = { username: 'linus', password: 'penguins all the way down' };

beforeAll(async () => {
  t = await createTestApp();
  await new Browser(t.app).post('/signup/', validSignup({ ...credentials, first_name: 'Linus' }));
});
afterAll(() => t.close());

describe('sign in and out', () => {
  it('signs in with the right password, in any letter case of the username', async () => {
    const browser = new Browser(t.app);
    const response = await browser.post('/login/', { ...credentials, username: 'LINUS' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/lobby/');
    expect(await (await browser.get('/lobby/')).text()).toContain('Welcome, Linus');
    // Signed in, the sign-in page sends the person on to the lobby.
    expect((await browser.get('/')).headers.get('location')).toBe('/lobby/');
  });

  it('answers a wrong password and an unknown name alike, keeping the username', async () => {
    const wrong = await new Browser(t.app).post('/login/', { username: 'linus', password: 'not the password' });
    const unknown = await new Browser(t.app).post('/login/', { username: 'nobody_at_all', password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const [wrongHtml, unknownHtml] = [await wrong.text(), await unknown.text()];
    expect(wrongHtml).toContain('That username and password do not match');
    expect(wrongHtml).toContain('value="linus"');
    expect(wrongHtml).not.toContain('not the password');
    expect(unknownHtml.replace('nobody_at_all', 'linus')).toBe(wrongHtml);
    expect(wrong.headers.getSetCookie()).toEqual([]);
  });

  it('asks for both fields when one is missing', async () => {
    const response = await new Browser(t.app).post('/login/', { username: 'linus' });
    expect(response.status).toBe(422);
    expect(await response.text()).toContain('Enter your password.');
  });

  it('ends the session on the server at sign-out, so a copied cookie no longer works', async () => {
    const browser = new Browser(t.app);
    await browser.post('/login/', credentials);
    const copied = new Browser(t.app);
    for (const [name, value] of browser.cookies) copied.cookies.set(name, value);

    const out = await browser.post('/logout/');
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/');
    expect(browser.cookies.size).toBe(0);
    const lobby = await copied.get('/lobby/');
    expect(lobby.status).toBe(303);
    expect(lobby.headers.get('location')).toBe('/');
  });

  it('issues a new session at sign-in and never adopts the one the browser already had', async () => {
    const browser = new Browser(t.app);
    await browser.post('/login/', credentials);
    const before = [...browser.cookies.values()][0];
    const old = new Browser(t.app);
    for (const [name, value] of browser.cookies) old.cookies.set(name, value);

    await browser.post('/login/', credentials);
    const after = [...browser.cookies.values()][0];
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    expect((await browser.get('/lobby/')).status).toBe(200);
    expect((await old.get('/lobby/')).status).toBe(303);
  });

  it('ignores a session cookie an attacker planted', async () => {
    const browser = new Browser(t.app);
    browser.cookies.set('hubbub_session', 'planted-by-someone-else');
    expect((await browser.get('/lobby/')).status).toBe(303);
    await browser.post('/login/', credentials);
    expect(browser.cookies.get('hubbub_session')).not.toBe('planted-by-someone-else');
  });

  it('lets anyone try it as a fresh guest with a readable name, a random icon and no password', async () => {
    const first = new Browser(t.app);
    const second = new Browser(t.app);
    expect((await first.post('/guest/')).headers.get('location')).toBe('/lobby/');
    await second.post('/guest/');
    const [a, b] = [await (await first.get('/lobby/', { accept: 'application/json' })).json(), await (await second.get('/lobby/', { accept: 'application/json' })).json()];
    expect(a.user.is_guest).toBe(true);
    expect(a.user.username).toMatch(/^guest_[a-z]+_[a-z]+_\d{4}$/);
    expect(a.user.first_name).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
    expect(a.user.username).not.toBe(b.user.username);
    expect(await (await first.get('/lobby/')).text()).toContain('guest</span>');
    // A guest has no password, so nobody can sign in as one.
    for (const password of ['', 'password', 'guest guest guest']) {
      expect((await new Browser(t.app).post('/login/', { username: a.user.username, password })).status).not.toBe(303);
    }
  });
});
