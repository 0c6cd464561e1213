import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Person } from '../../support/person.js';
import { startTestServers, type TestServers } from '../../support/server.js';
import { LiveClient } from '../../support/socket.js';

// Cookie-authenticated sockets and writes: the app's own origin and ALLOWED_ORIGINS only.
let servers: TestServers;
let ada: Person;
const url = () => servers.servers[0]!.url;

beforeAll(async () => {
  servers = await startTestServers(1, { env: { ALLOWED_ORIGINS: 'https://partner.example, http://localhost:5173' } });
  ada = await Person.signUp(url(), 'origin_ada', 'Ada');
});
afterAll(() => servers.close());

describe('origins allowed to use the session cookie', () => {
  it('opens sockets for the own origin and the listed ones, and refuses any other with 403', async () => {
    const handshake = (origin: string) => LiveClient.refusal(`${url()}/lobby/game/ws/`, { cookie: ada.cookie, origin });
    expect(await handshake(url())).toBe(101);
    expect(await handshake('https://partner.example')).toBe(101);
    expect(await handshake('http://localhost:5173')).toBe(101);
    expect(await handshake('https://evil.example')).toBe(403);
    expect(await handshake('https://partner.example.evil.example')).toBe(403);
    expect(await handshake('null')).toBe(403);
    expect(await LiveClient.refusal(`${url()}/lobby/ws/`, { cookie: ada.cookie, origin: 'https://evil.example' })).toBe(403);
  });

  it('takes writes from a listed origin and refuses them from others', async () => {
    const post = (origin: string) =>
      fetch(`${url()}/lobby/game/messages/`, {
        method: 'POST',
        headers: { cookie: ada.cookie, origin, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ body: `from ${origin}` }),
      });
    expect((await post('https://partner.example')).status).toBe(201);
    const refused = await post('https://evil.example');
    expect(refused.status).toBe(403);
    expect((await refused.json()).error).toContain('another site');
  });

  it('answers CORS only for the token API, with a wildcard and never with credentials', async () => {
    const preflight = await fetch(`${url()}/api/token/`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
    const page = await fetch(`${url()}/lobby/game/`, { headers: { cookie: ada.cookie, origin: 'https://evil.example', accept: 'application/json' } });
    expect(page.headers.get('access-control-allow-origin')).toBeNull();
  });
});
