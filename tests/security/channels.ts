/**
 * Every way text goes into Hubbub and comes back out, against a real server: forms, JSON with a
 * bearer token, htmx, the old socket; and history (JSON and HTML), the event stream, the transcript,
 * the old socket's history and the page socket. Shared by tests/integration/security/*.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { EventStreamClient } from '../support/events.js';
import { LiveClient } from '../support/socket.js';
import { OldSocket } from './old-socket.js';

export { type OldFrame, OldSocket } from './old-socket.js';

/** The test servers' limits already stay out of the way; passed explicitly all the same, as a corpus run sends thousands of requests. */
export { GENEROUS_LIMITS } from '../support/limits.js';

export const MAX_BODY_BYTES = 64 * 1024;
export const PASSWORD = 'hostile input corpus 2024';

export interface Answer {
  status: number;
  type: string;
  text: string;
  location: string | null;
  /** The JSON, when the answer is JSON. */
  json: any;
}

async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  let json: unknown;
  if (type.includes('application/json')) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  return { status: response.status, type, text, location: response.headers.get('location'), json };
}

/**
 * A raw request: `body` may be a string or bytes, sent exactly as given. A body over 64 KiB (which
 * the server refuses with 413 before reading it, then closes the connection) goes on a connection of
 * its own, so no later request is sent on a connection the server is closing.
 */
export async function request(url: string, init: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array | AsyncIterable<Uint8Array> }): Promise<Answer> {
  const { body } = init;
  if (body !== undefined && (typeof body !== 'string' && !(body instanceof Uint8Array) || Buffer.byteLength(body) > MAX_BODY_BYTES)) {
    return requestAlone(url, { ...init, body });
  }
  const response = await fetch(url, { method: init.method ?? 'GET', headers: init.headers, body: body as BodyInit | undefined, redirect: 'manual' });
  return answer(response);
}

/** One request on a fresh connection (closed after it); an iterable body goes chunked, without Content-Length. */
function requestAlone(url: string, init: { method?: string; headers?: Record<string, string>; body: string | Uint8Array | AsyncIterable<Uint8Array> }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const outgoing = httpRequest(url, { method: init.method ?? 'POST', headers: { ...init.headers, connection: 'close' }, agent: false }, (incoming) => {
      answered = true;
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        const type = String(incoming.headers['content-type'] ?? '');
        let json: unknown;
        try {
          json = type.includes('application/json') ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: incoming.statusCode ?? 0, type, text, location: (incoming.headers.location as string | undefined) ?? null, json });
      });
    });
    // The server may answer 413 and close before the whole body is written: the answer is what counts.
    outgoing.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    outgoing.on('close', () => (answered ? undefined : reject(new Error(`${url}: the connection closed without an answer`))));
    void (async () => {
      const { body } = init;
      if (typeof body === 'string' || body instanceof Uint8Array) outgoing.end(body);
      else {
        for await (const chunk of body) if (!outgoing.write(chunk)) await new Promise((r) => outgoing.once('drain', r));
        outgoing.end();
      }
    })().catch(() => {});
  });
}

export const formBody = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/** Someone with an account: a session cookie (for pages, forms, htmx, page sockets) and an access token (JSON API, old socket). */
export class Account {
  constructor(
    readonly url: string,
    readonly username: string,
    readonly cookie: string,
    readonly access: string,
  ) {}

  static async create(url: string, username: string, firstName: string): Promise<Account> {
    const signup = await request(`${url}/api/signup/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: PASSWORD, first_name: firstName, last_name: 'Tester' }),
    });
    if (signup.status !== 200) throw new Error(`sign-up of ${username}: ${signup.status} ${signup.text}`);
    const tokens = await request(`${url}/api/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: PASSWORD }),
    });
    if (tokens.status !== 200) throw new Error(`token for ${username}: ${tokens.status} ${tokens.text}`);
    const response = await fetch(`${url}/login/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url },
      body: formBody({ username, password: PASSWORD }),
      redirect: 'manual',
    });
    const cookie = response.headers.getSetCookie().find((line) => line.startsWith('hubbub_session='));
    if (response.status !== 303 || !cookie) throw new Error(`sign-in of ${username}: ${response.status}`);
    return new Account(url, username, cookie.split(';')[0]!, tokens.json.access);
  }

  /** A page or fragment as the browser gets it (cookie). */
  get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
    return request(`${this.url}${path}`, { headers: { cookie: this.cookie, accept: 'text/html', ...headers } });
  }

  /** JSON as an API client reads it (bearer token, no cookie). */
  async getJson(path: string): Promise<any> {
    const got = await request(`${this.url}${path}`, { headers: { authorization: `Bearer ${this.access}`, accept: 'application/json' } });
    if (got.status !== 200) throw new Error(`GET ${path}: ${got.status} ${got.text.slice(0, 300)}`);
    return got.json;
  }

  /** A form post from one of our pages (cookie, same-origin Origin); `htmx` adds HX-Request. */
  form(path: string, fields: Record<string, string>, { htmx = false } = {}): Promise<Answer> {
    const headers: Record<string, string> = { cookie: this.cookie, origin: this.url, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' };
    if (htmx) headers['hx-request'] = 'true';
    return request(`${this.url}${path}`, { method: 'POST', headers, body: formBody(fields) });
  }

  /** A JSON request with the bearer token, as the old client and scripts make it. */
  json(method: string, path: string, value: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    return this.raw(method, path, JSON.stringify(value), { 'content-type': 'application/json', ...headers });
  }

  /** Exactly these bytes, with the bearer token. */
  raw(method: string, path: string, body: string | Uint8Array, headers: Record<string, string>): Promise<Answer> {
    const noBody = method === 'GET' || method === 'HEAD';
    return request(`${this.url}${path}`, { method, headers: { authorization: `Bearer ${this.access}`, accept: 'application/json', ...headers }, ...(noBody ? {} : { body }) });
  }

  async createRoom(name: string): Promise<string> {
    const made = await this.json('POST', '/lobby/', { name, image: 'chat' });
    if (made.status !== 201) throw new Error(`room ${name}: ${made.status} ${made.text}`);
    return made.json.slug;
  }

  /** Opens a page's socket (the lobby's, a room's) as the browser does: cookie and our Origin. */
  open(path: string): Promise<LiveClient> {
    return LiveClient.open(`${this.url}${path}`, { cookie: this.cookie, origin: this.url });
  }

  /** Opens the room page's socket like the page does; waits for the presence list (the end of joining). */
  async enter(slug: string, after?: number): Promise<LiveClient> {
    const client = await this.open(`/lobby/${slug}/ws/${after === undefined ? '' : `?after=${after}`}`);
    await client.waitFor('the presence list', (frame) => frame.includes('<div id="presence"'));
    return client;
  }

  oldSocket(slug: string): Promise<OldSocket> {
    return OldSocket.connect(`${this.url.replace(/^http/, 'ws')}/ws/chat/${slug}/?token=${encodeURIComponent(this.access)}`);
  }
}

export interface JsonMessage {
  seq: number;
  updated_seq: number;
  body: string | null;
  author: { username: string; first_name: string; icon: string };
  created_at: string;
  edited_at: string | null;
  deleted_at: string | null;
}

/** The whole room through history JSON, oldest first, paging with ?before=. */
export async function historyJson(who: Account, slug: string): Promise<JsonMessage[]> {
  const all: JsonMessage[] = [];
  let before: number | null = null;
  do {
    const page: { messages: JsonMessage[]; next_before: number | null } = await who.getJson(`/lobby/${slug}/messages/${before ? `?before=${before}` : ''}`);
    all.unshift(...page.messages);
    before = page.next_before;
  } while (before !== null);
  return all;
}

/** Every server-rendered HTML page of the room's history (the newest page first), as a browser without JavaScript reads them. */
export async function historyPages(who: Account, slug: string): Promise<Answer[]> {
  const pages: Answer[] = [];
  let path: string | null = `/lobby/${slug}/messages/`;
  while (path) {
    const page = await who.get(path);
    pages.push(page);
    const older: string | undefined = page.text.match(/<li class="history-start"><a href="([^"]+)">Older messages<\/a>/)?.[1];
    path = older ? older.replace(/&amp;/g, '&') : null;
  }
  return pages;
}

/** The transcript, every page (oldest page first), following its `Link: rel="next"`. */
export async function transcriptPages(who: Account, slug: string): Promise<Answer[]> {
  const pages: Answer[] = [];
  let path: string | null = `/lobby/${slug}/messages.txt`;
  while (path) {
    const page = await request(`${who.url}${path}`, { headers: { authorization: `Bearer ${who.access}` } });
    pages.unshift(page);
    if (page.status !== 200) break;
    path = page.text.split('\n')[1]?.match(/^# older: (\S+)$/)?.[1] ?? null;
  }
  return pages;
}

/** The event stream replayed from `after`, until `count` message events have come. */
export async function replayEvents(who: Account, slug: string, after: number, count: number): Promise<EventStreamClient> {
  const stream = await EventStreamClient.open(`${who.url}/lobby/${slug}/events/`, { authorization: `Bearer ${who.access}`, 'last-event-id': String(after) });
  try {
    if (stream.response.status !== 200) throw new Error(`event stream: ${stream.response.status}`);
    await stream.waitFor(`${count} message events`, () => stream.messages().length >= count, 20_000);
    return stream;
  } finally {
    stream.close();
  }
}

/** A fresh, unguessable-enough client_id, as the composer makes one. */
export const clientId = () => randomUUID();

/** Runs `work` over `items` with at most `limit` at a time; answers the results in order. */
export async function pool<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** A refusal a person (or client) can act on: 4xx and a message. */
export function refusalProblems(got: Answer, allowed: number[]): string[] {
  const problems: string[] = [];
  if (!allowed.includes(got.status)) problems.push(`status ${got.status}, expected one of ${allowed.join('/')}: ${got.text.slice(0, 200)}`);
  if (got.status >= 400 && got.status < 500) {
    if (got.type.includes('application/json')) {
      if (typeof got.json?.error !== 'string' || got.json.error.length === 0) problems.push(`JSON refusal without an error message: ${got.text.slice(0, 200)}`);
    } else if (got.text.trim().length === 0) problems.push('refusal with an empty body');
  }
  return problems;
}
