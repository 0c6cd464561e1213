import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Person } from '../../support/person.js';
import { startTestServers, type TestServers } from '../../support/server.js';
import { LiveClient } from '../../support/socket.js';

// What an operator reads: one JSON line per request (id, method, route, path, status, duration,
// user, address), every socket's opening and close code, and the same id in the answer's
// X-Request-Id so a complaint can be matched to its line.
const lines: string[] = [];
const logTo = { write: (chunk: string) => void lines.push(...chunk.split('\n').filter(Boolean)) };
type Entry = Record<string, unknown>;
const entries = () => lines.map((line) => JSON.parse(line) as Entry);
const withId = (id: string | null) => entries().filter((entry) => entry.requestId === id);

let running: TestServers;
let url: string;
let ada: Person;

beforeAll(async () => {
  running = await startTestServers(1, { env: { LOG_LEVEL: 'info', TRUSTED_PROXIES: '127.0.0.1' }, logTo });
  url = running.servers[0]!.url;
  ada = await Person.signUp(url, 'ada_logged', 'Ada');
});
afterAll(() => running?.close());

async function settle() {
  // The line is written once the answer is; give the log stream its turn.
  await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('each request', () => {
  it('is one line with its id (sent back as X-Request-Id), route, status, duration and the signed-in user', async () => {
    const response = await fetch(`${url}/lobby/game/messages/?before=9`, { headers: { cookie: ada.cookie } });
    expect(response.status).toBe(200);
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await settle();
    const [line, ...more] = withId(id);
    expect(more).toEqual([]);
    expect(line).toMatchObject({ level: 30, event: 'request', method: 'GET', route: '/lobby/:room/messages', path: '/lobby/game/messages/', status: 200, address: '127.0.0.1' });
    expect(line!.userId).toEqual(expect.any(Number));
    expect(line!.ms).toEqual(expect.any(Number));
    // The query string is never logged (the old protocol's socket carries its token there).
    expect(JSON.stringify(line)).not.toContain('before=9');
  });

  it('without a session has no user, and one no route answers is "unmatched"', async () => {
    const response = await fetch(`${url}/no/such/page/`);
    expect(response.status).toBe(404);
    await settle();
    const [line] = withId(response.headers.get('x-request-id'));
    expect(line).toMatchObject({ route: 'unmatched', status: 404 });
    expect(line).not.toHaveProperty('userId');
  });

  it('keeps the request id a trusted proxy sends, and makes its own for anyone else', async () => {
    // The test's connection comes from 127.0.0.1, which this server trusts as its proxy.
    const fromProxy = await fetch(`${url}/`, { headers: { 'x-request-id': 'edge-4f2a.7' } });
    expect(fromProxy.headers.get('x-request-id')).toBe('edge-4f2a.7');
    const forged = await fetch(`${url}/`, { headers: { 'x-request-id': 'two words' } });
    expect(forged.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    await settle();
    expect(withId('edge-4f2a.7')).toHaveLength(1);
  });

  it('from health probes is left to the debug level', async () => {
    const response = await fetch(`${url}/healthz`);
    await settle();
    expect(withId(response.headers.get('x-request-id'))).toEqual([]);
  });
});

describe('each socket', () => {
  it('logs its opening and its close code, with the handshake’s request id, the route and the user', async () => {
    const slug = await ada.createRoom('Logged Room');
    const socket = await ada.enter(slug, []);
    await socket.close();
    await settle();
    const opened = entries().filter((entry) => entry.event === 'socket-open' && entry.route === '/lobby/:room/ws');
    const closed = entries().filter((entry) => entry.event === 'socket-closed' && entry.route === '/lobby/:room/ws');
    expect(opened).toHaveLength(1);
    expect(closed).toHaveLength(1);
    expect(opened[0]).toMatchObject({ kind: 'room', userId: expect.any(Number), requestId: expect.any(String) });
    expect(closed[0]).toMatchObject({ kind: 'room', code: 1005, requestId: opened[0]!.requestId, userId: opened[0]!.userId });
    expect(closed[0]!.seconds).toEqual(expect.any(Number));
    // The handshake itself is not logged a second time as a request.
    expect(withId(opened[0]!.requestId as string)).toHaveLength(2);
  });

  it('refused at the handshake is logged as a request with its status', async () => {
    const status = await LiveClient.refusal(`${url}/lobby/study/ws/`, { origin: url });
    expect(status).toBe(401);
    await settle();
    const lines = entries().filter((entry) => entry.path === '/lobby/study/ws/');
    expect(lines).toMatchObject([{ event: 'request', status: 401 }]);
  });
});
