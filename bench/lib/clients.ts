import http from 'node:http';
import { sign } from 'hono/jwt';
import pg from 'pg';
import WebSocket from 'ws';
import type { SocketSpec } from './receivers.js';
import { BENCH_SECRET } from './servers.js';

/**
 * The people of a run, set up over HTTP as browsers would (guests, rooms), and the two ways they
 * talk: the room page's protocol (an HTML socket, sends as HTTP POSTs) and the old app's protocol
 * (a JSON socket with a bearer token, sends as socket frames). The ceiling server answers the
 * same URLs without accounts, so the same code drives it.
 */

export type Protocol = 'page' | 'legacy';

export interface Person {
  cookie: string;
  /** The old protocol's access token (scaled Hubbub only: minted for the guest's user id). */
  token?: string;
}

// Setup requests go over their own keep-alive connections; the measured sends use `Sender`s.
const setupAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function request(url: string, options: { method?: string; headers?: Record<string, string>; body?: string; agent?: http.Agent } = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? setupAgent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** `POST /guest/`: a signed-in guest (no password, so no slow hashing). */
export async function signInGuest(baseUrl: string): Promise<Person> {
  const answer = await request(`${baseUrl}/guest/`, { method: 'POST', headers: { origin: baseUrl } });
  const cookie = ([] as string[]).concat(answer.headers['set-cookie'] ?? []).find((line) => line.startsWith('hubbub_session='));
  if (answer.status !== 303 || !cookie) throw new Error(`guest sign-in failed: ${answer.status} ${answer.body.slice(0, 200)}`);
  return { cookie: cookie.split(';')[0]! };
}

/** `count` guests, a few requests at a time. */
export async function signInGuests(baseUrl: string, count: number, concurrency = 16): Promise<Person[]> {
  const people: Person[] = new Array(count);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) people[i] = await signInGuest(baseUrl);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return people;
}

const pageHeaders = (baseUrl: string, person: Person): Record<string, string> => ({
  cookie: person.cookie,
  origin: baseUrl,
  accept: 'application/json',
  'content-type': 'application/json',
});

/** `POST /lobby/`: a new room; answers its slug. */
export async function createRoom(baseUrl: string, person: Person, name: string): Promise<string> {
  const answer = await request(`${baseUrl}/lobby/`, { method: 'POST', headers: pageHeaders(baseUrl, person), body: JSON.stringify({ name, image: 'chat' }) });
  const slug = answer.status === 201 ? (JSON.parse(answer.body) as { slug?: string }).slug : undefined;
  if (!slug) throw new Error(`could not create room ${name}: ${answer.status} ${answer.body.slice(0, 200)}`);
  return slug;
}

/** Posts `count` ordinary messages (history for the room page and for catch-up). */
export async function postHistory(baseUrl: string, person: Person, slug: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const answer = await request(`${baseUrl}/lobby/${slug}/messages/`, {
      method: 'POST',
      headers: pageHeaders(baseUrl, person),
      body: JSON.stringify({ body: `History line ${i + 1}: the quick brown fox jumps over the lazy dog.` }),
    });
    if (answer.status !== 201) throw new Error(`history message: ${answer.status} ${answer.body.slice(0, 200)}`);
  }
}

/**
 * Old-protocol access tokens for guests, signed as /api/token/ signs them (guests have no password
 * to trade for one). Reads the guests' user ids from the database.
 */
export async function mintTokens(baseUrl: string, databaseUrl: string, people: Person[]): Promise<void> {
  const usernames = await Promise.all(
    people.map(async (person) => {
      const answer = await request(`${baseUrl}/`, { headers: { cookie: person.cookie, accept: 'application/json' } });
      return (JSON.parse(answer.body) as { user: { username: string } }).user.username;
    }),
  );
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: number; username: string }>('select id, username from users where username = any($1)', [usernames]);
    const ids = new Map(rows.map((row) => [row.username, row.id]));
    const now = Math.floor(Date.now() / 1000);
    for (const [i, person] of people.entries()) {
      const userId = ids.get(usernames[i]!);
      if (userId === undefined) throw new Error(`no user ${usernames[i]}`);
      person.token = await sign({ user_id: userId, username: usernames[i], token_type: 'access', iat: now, exp: now + 3600 }, BENCH_SECRET, 'HS256');
    }
  } finally {
    await client.end();
  }
}

const wsUrl = (baseUrl: string) => baseUrl.replace(/^http/, 'ws');

/** A member's socket: the room page's (HTML frames) or the old protocol's (JSON frames). */
export function memberSocket(baseUrl: string, slug: string, protocol: Protocol, person: Person | null, options: { after?: number; localAddress?: string; ceiling?: boolean } = {}): SocketSpec {
  const base = wsUrl(baseUrl);
  const localAddress = options.localAddress;
  if (protocol === 'legacy') {
    return { url: `${base}/ws/chat/${slug}/?token=${person?.token ?? ''}`, protocol: 'legacy', localAddress };
  }
  return {
    url: `${base}/lobby/${slug}/ws/?after=${options.after ?? 0}`,
    headers: person ? { cookie: person.cookie, origin: baseUrl } : undefined,
    protocol: options.ceiling ? 'ceiling-page' : 'page',
    localAddress,
  };
}

/** What a sender's sends came to: answered (stored), refused or failed, and the first reasons why. */
class SendTally {
  accepted = 0;
  failed = 0;
  readonly errors: string[] = [];

  fail(reason: string) {
    this.failed++;
    if (this.errors.length < 10) this.errors.push(reason);
  }
}

export interface Sender {
  /** Sends without waiting: the schedule never waits on answers (open loop). */
  send(body: string, clientId: string): void;
  /** Sends answered (stored) and refused or failed. */
  readonly accepted: number;
  readonly failed: number;
  readonly errors: string[];
  /** Waits for the answers still outstanding (bounded). */
  settle(maxMs?: number): Promise<void>;
  close(): void;
}

/** The page protocol's send: `POST /lobby/<slug>/messages/` with JSON, over keep-alive connections. */
export function httpSender(baseUrl: string, slug: string, person: Person | null): Sender {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const url = new URL(`${baseUrl}/lobby/${slug}/messages/`);
  const headers = person ? pageHeaders(baseUrl, person) : { accept: 'application/json', 'content-type': 'application/json' };
  let outstanding = 0;
  const state = new SendTally();
  return Object.assign(state, {
    send(body: string, clientId: string) {
      outstanding++;
      const req = http.request(url, { method: 'POST', headers, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          outstanding--;
          if (res.statusCode === 201) state.accepted++;
          else state.fail(`HTTP ${res.statusCode}`);
        });
      });
      req.on('error', (error) => {
        outstanding--;
        state.fail(error.message);
      });
      req.end(JSON.stringify({ body, client_id: clientId }));
    },
    async settle(maxMs = 10_000) {
      const deadline = Date.now() + maxMs;
      while (outstanding > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    },
    close() {
      agent.destroy();
    },
  });
}

/** The old protocol's send: a `new_message` frame on the sender's own socket (no answer comes back but the chat frame). */
export async function socketSender(baseUrl: string, slug: string, person: Person | null): Promise<Sender> {
  const ws = new WebSocket(`${wsUrl(baseUrl)}/ws/chat/${slug}/?token=${person?.token ?? ''}`, { perMessageDeflate: false });
  const state = new SendTally();
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`old socket refused: ${res.statusCode}`)));
  });
  ws.on('message', (data) => {
    const frame = data.toString();
    if (frame.includes('"message_type":"error"')) state.fail(frame.slice(0, 200));
  });
  ws.on('error', () => {});
  return Object.assign(state, {
    send(body: string) {
      if (ws.readyState !== WebSocket.OPEN) {
        state.fail('socket closed');
        return;
      }
      ws.send(JSON.stringify({ type: 'new_message', message: body }));
      state.accepted++;
    },
    async settle() {},
    close() {
      ws.terminate();
    },
  });
}
