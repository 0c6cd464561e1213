import { sign } from 'hono/jwt';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Person } from '../../support/person.js';
import { startTestServers, type TestServers } from '../../support/server.js';
import { hasItem, LiveClient } from '../../support/socket.js';

// The old React client's socket, driven exactly as it did: sign up and get a token over the JSON API
// (from its own origin, no cookie), connect to /ws/chat/<room>/?token=<access>, read the history,
// send, see its own message come back, see others join and leave.
const SECRET = 'legacy-socket-test-secret-0123456789abcdef';
const FRAME_KEYS = ['firstname', 'message', 'message_type', 'timestamp', 'username'];
const OLD_ORIGIN = 'http://old-client.example';

let running: TestServers;
let url: string;
const sockets: OldClient[] = [];

beforeAll(async () => {
  running = await startTestServers(1, { env: { SECRET } });
  url = running.servers[0]!.url;
});
afterAll(async () => {
  for (const socket of sockets) socket.ws.terminate();
  await running?.close();
});

async function api(path: string, body: unknown) {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: OLD_ORIGIN }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

/** Signs up and signs in through the old API; answers the token pair. */
async function oldAccount(username: string, firstName: string) {
  const password = 'old client password';
  expect((await api('/api/signup/', { username, password, first_name: firstName, last_name: 'Old' })).status).toBe(200);
  const tokens = await api('/api/token/', { username, password });
  expect(tokens.status).toBe(200);
  return tokens.body as { access: string; refresh: string };
}

interface Frame {
  message_type: string;
  message: unknown;
  firstname: string;
  username: string;
  timestamp: string;
}

class OldClient {
  readonly frames: Frame[] = [];
  closeCode: number | undefined;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.frames.push(JSON.parse(String(data)) as Frame));
    ws.on('close', (code) => (this.closeCode = code));
  }

  static async connect(room: string, token: string): Promise<OldClient> {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws/chat/${room}/?token=${encodeURIComponent(token)}`, { headers: { origin: OLD_ORIGIN } });
    const client = new OldClient(ws);
    sockets.push(client);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  send(value: unknown) {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value));
  }

  async waitFor(what: string, match: (frame: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms; got ${JSON.stringify(this.frames)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** The HTTP status a handshake from the old client's origin gets (101 when it opens). */
const handshake = (path: string) => LiveClient.refusal(`${url}${path}`, { origin: OLD_ORIGIN });

describe('the old socket protocol, /ws/chat/<room>/', () => {
  it('history on connect, one’s own message back, others joining and leaving — frames exactly as before', async () => {
    const { access } = await oldAccount('old_ada', 'Ada');
    const ada = await OldClient.connect('music', access);
    const history = await ada.waitFor('old_data', (frame) => frame.message_type === 'old_data');
    expect(Object.keys(history).sort()).toEqual(FRAME_KEYS);
    expect(Array.isArray(history.message)).toBe(true);
    // Only to this socket, before anything else.
    expect(ada.frames[0]!.message_type).toBe('old_data');

    ada.send({ type: 'new_message', message: 'hello from the old client' });
    const own = await ada.waitFor('her own chat frame', (frame) => frame.message_type === 'chat' && frame.message === 'hello from the old client');
    expect(Object.keys(own).sort()).toEqual(FRAME_KEYS);
    expect(own).toMatchObject({ firstname: 'Ada', username: 'old_ada' });
    expect(own.timestamp).toMatch(/Z$/);
    expect(Number.isNaN(new Date(own.timestamp).getTime())).toBe(false);

    // A second client connects: history includes Ada's message, each item with the four keys.
    const { access: bobsAccess } = await oldAccount('old_bob', 'Bob');
    const bob = await OldClient.connect('music', bobsAccess);
    const bobsHistory = await bob.waitFor('old_data', (frame) => frame.message_type === 'old_data');
    const items = bobsHistory.message as Array<Record<string, string>>;
    const adas = items.find((entry) => entry.message === 'hello from the old client');
    expect(adas).toBeDefined();
    expect(Object.keys(adas!).sort()).toEqual(['firstname', 'message', 'timestamp', 'username']);
    expect(adas).toMatchObject({ firstname: 'Ada', username: 'old_ada', timestamp: own.timestamp });

    const joined = await ada.waitFor('Bob joining', (frame) => frame.message_type === 'joined_chat' && frame.username === 'old_bob');
    expect(Object.keys(joined).sort()).toEqual(FRAME_KEYS);
    expect(joined.message).toBe('Bob joined the chat');

    bob.send({ type: 'new_message', message: 'hi Ada' });
    await ada.waitFor("Bob's message", (frame) => frame.message_type === 'chat' && frame.message === 'hi Ada' && frame.firstname === 'Bob');
    bob.ws.close();
    const left = await ada.waitFor('Bob leaving', (frame) => frame.message_type === 'joined_chat' && frame.message === 'Bob left the chat');
    expect(left.username).toBe('old_bob');
  });

  it('is the same room the pages see: messages cross both ways, once each', async () => {
    const { access } = await oldAccount('old_cy', 'Cy');
    const old = await OldClient.connect('study', access);
    await old.waitFor('old_data', (frame) => frame.message_type === 'old_data');
    const dee = await Person.signUp(url, 'new_dee', 'Dee');
    const page = await dee.enter('study', []);
    old.send({ type: 'new_message', message: 'from the old client' });
    const seqFrame = await page.waitFor('the old client’s message', (frame) => frame.includes('from the old client'));
    expect(seqFrame).toContain('data-seq=');
    const seq = await dee.say('study', 'from a page');
    await page.waitFor('the page’s message', hasItem(seq, 'from a page'));
    await old.waitFor('the page’s message', (frame) => frame.message_type === 'chat' && frame.message === 'from a page');
    expect(old.frames.filter((frame) => frame.message_type === 'chat' && frame.message === 'from a page')).toHaveLength(1);
    await page.close();
  });

  it('answers a frame it cannot take with an error frame, and stays usable', async () => {
    const { access } = await oldAccount('old_eve', 'Eve');
    const eve = await OldClient.connect('movie', access);
    await eve.waitFor('old_data', (frame) => frame.message_type === 'old_data');
    eve.send('this is not json');
    eve.send({ type: 'dance', message: 'x' });
    eve.send({ type: 'new_message', message: '   ' });
    eve.send({ type: 'new_message', message: 'x'.repeat(4001) });
    await eve.waitFor('four errors', () => eve.frames.filter((frame) => frame.message_type === 'error').length === 4);
    const errors = eve.frames.filter((frame) => frame.message_type === 'error');
    for (const error of errors) expect(Object.keys(error).sort()).toEqual(FRAME_KEYS);
    expect(errors.map((error) => error.message)).toEqual([
      expect.stringMatching(/not JSON/),
      expect.stringMatching(/Unknown frame/),
      'Write something before sending.',
      expect.stringMatching(/at most 4,000 characters/),
    ]);
    eve.send({ type: 'new_message', message: 'still here' });
    await eve.waitFor('her message', (frame) => frame.message_type === 'chat' && frame.message === 'still here');
    expect(eve.closeCode).toBeUndefined();
  });

  it('refuses a missing, bad or refresh token at the handshake, and an unknown room', async () => {
    const { access, refresh } = await oldAccount('old_fay', 'Fay');
    expect(await handshake('/ws/chat/game/')).toBe(401);
    expect(await handshake('/ws/chat/game/?token=not-a-token')).toBe(401);
    expect(await handshake(`/ws/chat/game/?token=${refresh}`)).toBe(401);
    expect(await handshake(`/ws/chat/no-such-room/?token=${access}`)).toBe(404);
    expect(await handshake(`/ws/chat/game/?token=${access}`)).toBe(101);
  });

  it('closes the socket when its access token expires', async () => {
    await oldAccount('old_gus', 'Gus');
    const userId = (await (await fetch(`${url}/api/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'old_gus', password: 'old client password' }),
    })).json()) as { access: string };
    // A token that lives for two seconds, signed with the server's key, as the server would.
    const claims = JSON.parse(Buffer.from(userId.access.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    const now = Math.floor(Date.now() / 1000);
    const shortLived = await sign({ ...claims, iat: now, exp: now + 2 }, SECRET, 'HS256');
    const gus = await OldClient.connect('game', shortLived);
    await gus.waitFor('old_data', (frame) => frame.message_type === 'old_data');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(gus.closeCode).toBe(4001);
  });

  it('closes a page socket opened with a bearer token (no cookie) when that token expires, too', async () => {
    await oldAccount('old_hal', 'Hal');
    const { access } = (await (await fetch(`${url}/api/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'old_hal', password: 'old client password' }),
    })).json()) as { access: string };
    const claims = JSON.parse(Buffer.from(access.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    const now = Math.floor(Date.now() / 1000);
    const shortLived = await sign({ ...claims, iat: now, exp: now + 2 }, SECRET, 'HS256');
    const room = await LiveClient.open(`${url}/lobby/game/ws/`, { authorization: `Bearer ${shortLived}` });
    const lobby = await LiveClient.open(`${url}/lobby/ws/`, { authorization: `Bearer ${shortLived}` });
    expect(await room.waitForClose(5000)).toBe(4001);
    expect(await lobby.waitForClose(5000)).toBe(4001);
  });
});
