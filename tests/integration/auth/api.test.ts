import { decode, sign } from 'hono/jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../support/app.js';

let t: TestApp;
// The old React client calls these from its own origin, with JSON bodies and no cookie.
const OLD_CLIENT = { 'content-type': 'application/json', origin: 'http://old-client.example' };

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const post = async (path: string, body: unknown, headers: Record<string, string> = OLD_CLIENT) =>
  t.app.request(path, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

async function tokensFor(username: string, password = 'old client password') {
  await post('/api/signup/', { username, password, first_name: 'Old', last_name: 'Client' });
  const response = await post('/api/token/', { username, password });
  expect(response.status).toBe(200);
  return (await response.json()) as { access: string; refresh: string };
}

const lobbyAs = (access: string) =>
  t.app.request('/lobby/', { headers: { authorization: `Bearer ${access}`, accept: 'application/json' } });

describe('POST /api/signup/', () => {
  it('answers 200 with the new user, as the old API did', async () => {
    const response = await post('/api/signup/', { username: 'api_ada', password: 'difference engine', first_name: 'Ada', last_name: 'L' });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ username: 'api_ada', first_name: 'Ada', last_name: 'L', is_guest: false });
    expect(body).not.toHaveProperty('password');
    expect(body).not.toHaveProperty('password_hash');
  });

  it('answers 400 with the field and the reason', async () => {
    const response = await post('/api/signup/', { username: 'x', password: '123', first_name: '' });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error).toBeTruthy();
    expect(Object.keys(body.fields).sort()).toEqual(['first_name', 'password', 'username']);
    expect(body.fields.password).toContain('at least 8 characters');
  });

  it('answers 409 for a name taken in any letter case', async () => {
    await post('/api/signup/', { username: 'taken_name', password: 'first to the name', first_name: 'A' });
    const response = await post('/api/signup/', { username: 'TAKEN_NAME', password: 'second to the name', first_name: 'B' });
    expect(response.status).toBe(409);
    expect((await response.json()).fields.username).toContain('taken');
  });

  it.each([
    ['no JSON content type', 'username=a&password=b', { ...OLD_CLIENT, 'content-type': 'application/x-www-form-urlencoded' }, 415],
    ['broken JSON', '{"username":', OLD_CLIENT, 400],
    ['a JSON array', '[1,2,3]', OLD_CLIENT, 400],
    ['JSON null', 'null', OLD_CLIENT, 400],
    ['numbers for strings', '{"username":1,"password":2,"first_name":3}', OLD_CLIENT, 400],
  ])('refuses %s with a clear 4xx, never a 500', async (_name, body, headers, status) => {
    const response = await post('/api/signup/', body, headers);
    expect(response.status).toBe(status);
    expect((await response.json()).error).toBeTruthy();
  });
});

describe('POST /api/token/ and /api/token/refresh/', () => {
  it('gives a signed 5-minute access JWT the old client can read, and a refresh token', async () => {
    const { access, refresh } = await tokensFor('jwt_reader');
    const { header, payload } = decode(access);
    expect(header.alg).toBe('HS256');
    expect(payload).toMatchObject({ username: 'jwt_reader', first_name: 'Old', last_name: 'Client', token_type: 'access' });
    expect(typeof payload.user_id).toBe('number');
    expect(typeof payload.jti).toBe('string');
    expect(Number(payload.exp) - Number(payload.iat)).toBe(300);
    expect(refresh).not.toBe(access);
    expect((await lobbyAs(access)).status).toBe(200);
  });

  it('answers 401 for wrong credentials', async () => {
    await tokensFor('token_user');
    const response = await post('/api/token/', { username: 'token_user', password: 'wrong password!' });
    expect(response.status).toBe(401);
    expect((await response.json()).detail).toBeTruthy();
  });

  it('rotates: the refresh gives both tokens anew, and a used refresh token never works again', async () => {
    const first = await tokensFor('rotator');
    const refreshed = await post('/api/token/refresh/', { refresh: first.refresh });
    expect(refreshed.status).toBe(200);
    const second = (await refreshed.json()) as { access: string; refresh: string };
    expect(second.access).toBeTruthy();
    expect(second.refresh).not.toBe(first.refresh);
    expect((await lobbyAs(second.access)).status).toBe(200);

    expect((await post('/api/token/refresh/', { refresh: first.refresh })).status).toBe(401);
    // Replaying a used token means it leaked: the whole chain is revoked, including the newest.
    expect((await post('/api/token/refresh/', { refresh: second.refresh })).status).toBe(401);
  });

  it('lets only one of two simultaneous refreshes with the same token succeed', async () => {
    const { refresh } = await tokensFor('double_refresh');
    const statuses = await Promise.all([1, 2, 3].map(() => post('/api/token/refresh/', { refresh }).then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
  });

  it('never accepts a refresh token, an expired token or a forged token as access', async () => {
    const { refresh } = await tokensFor('bearer_checks');
    expect((await lobbyAs(refresh)).status).toBe(401);
    const now = Math.floor(Date.now() / 1000);
    const claims = { user_id: 1, username: 'bearer_checks', token_type: 'access', iat: now - 600, exp: now - 300 };
    expect((await lobbyAs(await sign(claims, t.secret, 'HS256'))).status).toBe(401);
    const forged = await sign({ ...claims, exp: now + 300 }, 'not the server secret at all, no', 'HS256');
    expect((await lobbyAs(forged)).status).toBe(401);
    const refreshTyped = await sign({ ...claims, exp: now + 300, token_type: 'refresh' }, t.secret, 'HS256');
    expect((await lobbyAs(refreshTyped)).status).toBe(401);
    const body = await (await lobbyAs(refresh)).json();
    expect(body.error).toContain('access token');
  });

  it('refuses a refresh with no token, a garbage token or a non-JSON body', async () => {
    expect((await post('/api/token/refresh/', {})).status).toBe(400);
    expect((await post('/api/token/refresh/', { refresh: 'garbage' })).status).toBe(401);
    expect((await post('/api/token/refresh/', 'refresh=x', { 'content-type': 'text/plain' })).status).toBe(415);
  });
});

describe('the API from the old client’s own origin', () => {
  it('answers the browser’s preflight and the call itself for any origin, never with credentials', async () => {
    const preflight = await t.app.request('/api/token/', {
      method: 'OPTIONS',
      headers: { origin: OLD_CLIENT.origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
    const tokens = await post('/api/token/', { username: 'nobody_here', password: 'whatever it is' });
    expect(tokens.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('takes the bearer token even beside a stale session cookie', async () => {
    const { access } = await tokensFor('api_stale_cookie');
    const response = await t.app.request('/lobby/', {
      headers: { authorization: `Bearer ${access}`, accept: 'application/json', cookie: 'hubbub_session=long-gone-session-token' },
    });
    expect(response.status).toBe(200);
  });

  it('gives pages and the rest no CORS headers at all (no reflection)', async () => {
    const lobby = await t.app.request('/lobby/', { headers: { origin: 'http://evil.example', accept: 'application/json' } });
    expect(lobby.headers.get('access-control-allow-origin')).toBeNull();
  });
});
