import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../support/app.js';
import { Browser, validSignup } from '../../support/browser.js';

// The account URLs speak JSON to clients that ask (Accept: application/json), with JSON or form
// bodies, and keep the session in the same cookie a browser gets.
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const JSON_HEADERS = { accept: 'application/json', 'content-type': 'application/json' };
const postJson = (client: Browser, path: string, body: unknown) =>
  client.send(path, { method: 'POST', headers: { ...JSON_HEADERS, origin: client.origin }, body: JSON.stringify(body) });

describe('accounts over JSON', () => {
  it('signs up (201 with the user and a session cookie), says who is signed in, signs out', async () => {
    const client = new Browser(t.app);
    const rules = await client.get('/signup/', { accept: 'application/json' });
    expect(rules.status).toBe(200);
    expect(rules.headers.get('vary')).toContain('Accept');
    const { icons, fields } = await rules.json();
    expect(icons).toContain('owl');
    expect(Object.keys(fields)).toEqual(['username', 'first_name', 'last_name', 'password', 'icon']);

    const created = await postJson(client, '/signup/', validSignup({ username: 'json_ada' }));
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ user: { username: 'json_ada', first_name: 'Ada', is_guest: false } });
    expect(client.cookies.has('hubbub_session')).toBe(true);

    const me = await client.get('/', { accept: 'application/json' });
    expect(await me.json()).toMatchObject({ user: { username: 'json_ada' } });
    const lobby = await client.get('/lobby/', { accept: 'application/json' });
    expect(lobby.status).toBe(200);

    const out = await postJson(client, '/logout/', {});
    expect(out.status).toBe(200);
    expect(await out.json()).toEqual({ signed_out: true });
    expect(await (await client.get('/', { accept: 'application/json' })).json()).toEqual({ user: null });
  });

  it('signs in with JSON, and answers refusals with the field and the reason', async () => {
    const client = new Browser(t.app);
    await postJson(client, '/signup/', validSignup({ username: 'json_bob' }));
    const signedIn = await postJson(new Browser(t.app), '/login/', { username: 'json_bob', password: validSignup().password });
    expect(signedIn.status).toBe(200);
    expect(await signedIn.json()).toMatchObject({ user: { username: 'json_bob' } });

    const wrong = await postJson(new Browser(t.app), '/login/', { username: 'json_bob', password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).error).toMatch(/do not match/);
    const empty = await postJson(new Browser(t.app), '/login/', { username: '', password: '' });
    expect(empty.status).toBe(422);
    expect((await empty.json()).fields).toMatchObject({ username: 'Enter your username.' });
    const taken = await postJson(new Browser(t.app), '/signup/', validSignup({ username: 'JSON_BOB' }));
    expect(taken.status).toBe(409);
    expect((await taken.json()).fields.username).toMatch(/taken/);
    const bad = await postJson(new Browser(t.app), '/signup/', validSignup({ username: 'x', password: 'short' }));
    expect(bad.status).toBe(422);
    expect(Object.keys((await bad.json()).fields)).toEqual(expect.arrayContaining(['username', 'password']));
  });

  it('makes a guest', async () => {
    const guest = await postJson(new Browser(t.app), '/guest/', {});
    expect(guest.status).toBe(201);
    expect(await guest.json()).toMatchObject({ user: { is_guest: true } });
  });
});
