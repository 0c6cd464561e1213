import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Person } from '../../support/person.js';
import { startTestServers, type TestServers } from '../../support/server.js';
import { until } from '../../support/signal.js';

// The heartbeat: every WS_PING_INTERVAL each socket gets a ping; a room page's socket also gets a
// frame the page can see (browsers hide pings, live.js watches for silence); a socket that has
// not answered the previous ping is dropped.
const OLD_ORIGIN = 'http://old-client.example';
const BEAT = '<!-- beat -->';

let running: TestServers;
let url: string;
let person: Person;
let slug: string;
const opened: WebSocket[] = [];

beforeAll(async () => {
  running = await startTestServers(1, { env: { WS_PING_INTERVAL: '0.2' } });
  url = running.servers[0]!.url;
  person = await Person.signUp(url, 'heartbeat_ada', 'Ada');
  slug = await person.createRoom('Heartbeat');
});
afterAll(async () => {
  for (const ws of opened) ws.terminate();
  await running?.close();
});

interface Watched {
  ws: WebSocket;
  pings: number;
  frames: string[];
  closed: Promise<number>;
}

async function connect(path: string, headers: Record<string, string>, autoPong = true): Promise<Watched> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}${path}`, { headers, autoPong });
  opened.push(ws);
  const watched: Watched = { ws, pings: 0, frames: [], closed: new Promise((resolve) => ws.once('close', resolve)) };
  ws.on('ping', () => watched.pings++);
  // Pages take text frames only: a binary frame is recorded as such, so it never counts as a beat.
  ws.on('message', (data, isBinary) => watched.frames.push(isBinary ? '(binary)' : String(data)));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return watched;
}

describe('the heartbeat', () => {
  it('pings a room page and sends it a beat it can see each round, and keeps it while it answers', async () => {
    const page = await connect(`/lobby/${slug}/ws/`, { cookie: person.cookie, origin: url });
    await until('three pings', () => page.pings >= 3);
    const beats = page.frames.filter((frame) => frame === BEAT).length;
    // The beat goes out with its ping: at most one round apart when counted.
    expect(beats).toBeGreaterThanOrEqual(page.pings - 1);
    expect(beats).toBeLessThanOrEqual(page.pings + 1);
    expect(page.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('pings the old protocol’s socket without any beat frame (its client parses every frame as JSON)', async () => {
    const password = 'heartbeat password';
    const api = (path: string, body: unknown) =>
      fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: OLD_ORIGIN }, body: JSON.stringify(body) });
    expect((await api('/api/signup/', { username: 'heartbeat_old', password, first_name: 'Old', last_name: 'Client' })).status).toBe(200);
    const { access } = (await (await api('/api/token/', { username: 'heartbeat_old', password })).json()) as { access: string };
    const old = await connect(`/ws/chat/${slug}/?token=${encodeURIComponent(access)}`, { origin: OLD_ORIGIN });
    await until('three pings', () => old.pings >= 3);
    expect(old.frames.filter((frame) => frame === BEAT)).toEqual([]);
    for (const frame of old.frames) expect(() => JSON.parse(frame)).not.toThrow();
    expect(old.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('drops a socket that stops answering pings', async () => {
    const silent = await connect(`/lobby/${slug}/ws/`, { cookie: person.cookie, origin: url }, false);
    // Terminated, not closed politely: the peer is taken to be gone, so no close frame is sent.
    expect(await silent.closed).toBe(1006);
    expect(silent.pings).toBeGreaterThanOrEqual(1);
  });
});
