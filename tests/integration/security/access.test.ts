import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../support/app.js';
import { validSignup } from '../../support/browser.js';
import { Person } from '../../support/person.js';
import { startTestServers, type TestServers } from '../../support/server.js';
import { LiveClient } from '../../support/socket.js';

// Every route of the app × every kind of person, against a real server, with the status each one
// gets. The policy is src/rooms/access.ts; this table proves each route answers by it. The last test
// compares the table with the routes the app registers, so a new route fails here until it has a row.
//
//   member     the creator of the room and the author of the message the row targets (an account)
//   other      another account
//   anonymous  no cookie, no token
//   guest      a guest (signed in, no password, so no API token either)
//   admin      an administrator (named by ADMIN_USERNAMES, so the first account, the member, is not one)

const ROLES = ['member', 'other', 'anonymous', 'guest', 'admin'] as const;
type Role = (typeof ROLES)[number];
type Who = { role: Role; cookie?: string; token?: string };

// This file is about who may do what, not how often: it sends more sign-ins and writes a minute than
// the rate limits allow one person, so they are raised here (unknown variables are ignored).
// METRICS_TOKEN is set so /metrics exists: no session of any kind (an administrator's neither) opens it.
const ENV = { RATE_LIMIT_AUTH_PER_IP: '10000', RATE_LIMIT_MESSAGES: '10000', SOCKETS_PER_USER: '1000', ADMIN_USERNAMES: 'root_access', METRICS_TOKEN: 'access-table-metrics-token' };
const PASSWORD = validSignup().password;

let running: TestServers;
let url: string;
let member: Person;
let other: Person;
let admin: Person;
let guestCookie: string;
const tokens: Partial<Record<Role, string>> = {};
let slug: string;
let refresh: string;
let unique = 0;
const next = () => `${Date.now().toString(36)}${++unique}`;

beforeAll(async () => {
  running = await startTestServers(1, { env: ENV });
  url = running.servers[0]!.url;
  member = await Person.signUp(url, 'ada_access', 'Ada');
  other = await Person.signUp(url, 'bob_access', 'Bob');
  admin = await Person.signUp(url, 'root_access', 'Root');
  guestCookie = await newGuest();
  slug = await member.createRoom('Access Room');
  tokens.member = (await tokenPair('ada_access')).access;
  tokens.other = (await tokenPair('bob_access')).access;
  tokens.admin = (await tokenPair('root_access')).access;
  refresh = (await tokenPair('ada_access')).refresh;
});
afterAll(() => running?.close());

// ---- how each kind of person makes a request ----

const as = (role: Role): Who => ({
  role,
  cookie: { member: member.cookie, other: other.cookie, guest: guestCookie, admin: admin.cookie, anonymous: undefined }[role],
  token: tokens[role],
});

/** A session of its own for rows that end the session they are sent with (sign-in, sign-out). */
async function throwaway(role: Role): Promise<Who> {
  if (role === 'anonymous') return { role };
  if (role === 'guest') return { role, cookie: await newGuest() };
  const username = { member: 'ada_access', other: 'bob_access', admin: 'root_access' }[role];
  const response = await fetch(`${url}/login/`, jsonInit('POST', { username, password: PASSWORD }));
  return { role, cookie: sessionCookie(response) };
}

/** Like throwaway, but an account of its own: signing out everywhere must not end the table's sessions. */
async function throwawayAccount(role: Role): Promise<Who> {
  if (role === 'anonymous' || role === 'guest') return throwaway(role);
  const response = await fetch(`${url}/signup/`, jsonInit('POST', validSignup({ username: `${role}_${next()}` })));
  return { role, cookie: sessionCookie(response) };
}

async function newGuest(): Promise<string> {
  return sessionCookie(await fetch(`${url}/guest/`, { method: 'POST', headers: { origin: url }, redirect: 'manual' }));
}

function sessionCookie(response: Response): string {
  const line = response.headers.getSetCookie().find((cookie) => cookie.startsWith('hubbub_session='));
  if (!line) throw new Error(`no session cookie: ${response.status}`);
  return line.split(';')[0]!;
}

async function tokenPair(username: string): Promise<{ access: string; refresh: string }> {
  const response = await fetch(`${url}/api/token/`, jsonInit('POST', { username, password: PASSWORD }));
  if (response.status !== 200) throw new Error(`no token for ${username}: ${response.status}`);
  return (await response.json()) as { access: string; refresh: string };
}

function jsonInit(method: string, body: unknown): RequestInit {
  return { method, headers: { 'content-type': 'application/json', accept: 'application/json', origin: url }, body: JSON.stringify(body), redirect: 'manual' };
}

type Send = { accept?: string; json?: unknown; form?: Record<string, string> };

/** One request as this person (their cookie, from our own origin); answers the status. */
async function http(who: Who, method: string, path: string, { accept = 'text/html', json, form }: Send = {}): Promise<number> {
  const headers: Record<string, string> = { origin: url, accept };
  if (who.cookie) headers.cookie = who.cookie;
  let body: string | undefined;
  if (json !== undefined) [headers['content-type'], body] = ['application/json', JSON.stringify(json)];
  if (form !== undefined) [headers['content-type'], body] = ['application/x-www-form-urlencoded', new URLSearchParams(form).toString()];
  const response = await fetch(`${url}${path}`, { method, headers, body, redirect: 'manual' });
  await response.body?.cancel(); // an event stream would go on for ever
  return response.status;
}

const JSON_ACCEPT = 'application/json';
const getJson = (who: Who, path: string) => http(who, 'GET', path, { accept: JSON_ACCEPT });
const sendJson = (who: Who, method: string, path: string, json: unknown = {}) => http(who, method, path, { accept: JSON_ACCEPT, json });

/** A WebSocket handshake as this person: 101 when it opens, else the refusal's status. */
const handshake = (who: Who, path: string) => LiveClient.refusal(`${url}${path}`, { origin: url, ...(who.cookie ? { cookie: who.cookie } : {}) });
/** The old app's socket: the access token in the query, no cookie (a guest has none: it sends its cookie). */
const oldHandshake = (who: Who, room: string) => {
  const query = who.token ? `?token=${encodeURIComponent(who.token)}` : '';
  return LiveClient.refusal(`${url}/ws/chat/${room}/${query}`, who.token ? {} : { ...(who.cookie ? { cookie: who.cookie } : {}) });
};

/** A message of the member's in the room, new for each cell (a delete spends it). */
const ownMessage = () => member.say(slug, `message ${next()}`);
async function deletedMessage() {
  const seq = await ownMessage();
  await member.remove(slug, seq);
  return seq;
}
const messagePath = async () => `/lobby/${slug}/messages/${await ownMessage()}/`;

/** A new account for a row that disables or enables one; answers its username. */
async function newAccount(): Promise<string> {
  const username = `target_${next()}`;
  const response = await fetch(`${url}/api/signup/`, jsonInit('POST', validSignup({ username })));
  if (response.status !== 200) throw new Error(`could not sign up ${username}: ${response.status}`);
  return username;
}

// ---- the table ----

interface Row {
  /** The route as the app registers it (method and path), for the completeness check below. */
  route: string;
  what: string;
  expected: Record<Role, number>;
  send: (who: Who) => Promise<number>;
}

/** Expected statuses, in the order member, other, anonymous, guest, admin. */
const row = (route: string, what: string, [member, other, anonymous, guest, admin]: number[], send: Row['send']): Row => ({
  route,
  what,
  expected: { member: member!, other: other!, anonymous: anonymous!, guest: guest!, admin: admin! },
  send,
});
const all = (status: number) => [status, status, status, status, status];

const TABLE: Row[] = [
  // route                                     what                                        member other anon guest admin
  row('GET /',                                 'the sign-in page',                         [303, 303, 200, 303, 303], (who) => http(who, 'GET', '/')),
  row('POST /login',                           'sign in (JSON)',                           all(200), async (who) => sendJson(await throwaway(who.role), 'POST', '/login/', { username: 'ada_access', password: PASSWORD })),
  row('POST /logout',                          'sign out (JSON)',                          all(200), async (who) => sendJson(await throwaway(who.role), 'POST', '/logout/')),
  row('POST /logout/everywhere',               'sign out everywhere (JSON)',               all(200), async (who) => sendJson(await throwawayAccount(who.role), 'POST', '/logout/everywhere/')),
  row('GET /signup',                           'the sign-up page',                         [303, 303, 200, 303, 303], (who) => http(who, 'GET', '/signup/')),
  row('POST /signup',                          'sign up (JSON)',                           all(201), async (who) => sendJson(await throwaway(who.role), 'POST', '/signup/', validSignup({ username: `new_${next()}` }))),
  row('POST /guest',                           'try it as a guest (JSON)',                 all(201), async (who) => sendJson(await throwaway(who.role), 'POST', '/guest/')),
  row('GET /healthz',                          'health check',                             all(200), (who) => http(who, 'GET', '/healthz')),
  row('GET /readyz',                           'readiness check',                          all(200), (who) => http(who, 'GET', '/readyz')),
  row('GET /metrics',                          'Prometheus metrics (METRICS_TOKEN only)',  all(401), (who) => http(who, 'GET', '/metrics')),
  row('ALL /static/*',                         'a static file',                            all(200), (who) => http(who, 'GET', '/static/css/app.css')),
  row('ALL /static/vendor/htmx/*',             'htmx',                                     all(200), (who) => http(who, 'GET', '/static/vendor/htmx/htmx.js')),
  row('POST /api/signup',                      'old API: sign up',                         all(200), (who) => sendJson(who, 'POST', '/api/signup/', { username: `old_${next()}`, password: PASSWORD, first_name: 'Old' })),
  row('POST /api/token',                       'old API: token pair',                      all(200), (who) => sendJson(who, 'POST', '/api/token/', { username: 'ada_access', password: PASSWORD })),
  row('POST /api/token/refresh',               'old API: refresh (each spends the last)',  all(200), async (who) => {
    const response = await fetch(`${url}/api/token/refresh/`, { ...jsonInit('POST', { refresh }), headers: { 'content-type': 'application/json', ...(who.cookie ? { cookie: who.cookie } : {}) } });
    if (response.status === 200) refresh = ((await response.json()) as { refresh: string }).refresh;
    return response.status;
  }),
  row('GET /ws/chat/:room',                    'old socket handshake (token)',             [101, 101, 401, 401, 101], (who) => oldHandshake(who, slug)),
  row('GET /ws/chat/:room',                    'old socket handshake, no such room',       [404, 404, 401, 401, 404], (who) => oldHandshake(who, 'no-such-room')),
  row('GET /lobby/ws',                         'lobby socket handshake',                   [101, 101, 401, 101, 101], (who) => handshake(who, '/lobby/ws/')),
  row('GET /lobby/:room/ws',                   'page socket handshake',                    [101, 101, 401, 101, 101], (who) => handshake(who, `/lobby/${slug}/ws/`)),
  row('GET /lobby/:room/ws',                   'page socket handshake, no such room',      [404, 404, 401, 404, 404], (who) => handshake(who, '/lobby/no-such-room/ws/')),
  row('GET /lobby/:room/events',               'event stream (SSE)',                       [200, 200, 401, 200, 200], (who) => http(who, 'GET', `/lobby/${slug}/events/`, { accept: 'text/event-stream' })),
  row('GET /lobby/:room/messages.txt',         'transcript',                               [200, 200, 401, 200, 200], (who) => http(who, 'GET', `/lobby/${slug}/messages.txt`, { accept: '*/*' })),
  row('GET /lobby/:room/messages',             'history page',                             [200, 200, 303, 200, 200], (who) => http(who, 'GET', `/lobby/${slug}/messages/`)),
  row('GET /lobby/:room/messages',             'history (JSON)',                           [200, 200, 401, 200, 200], (who) => getJson(who, `/lobby/${slug}/messages/`)),
  row('GET /lobby/:room/messages',             'transcript (Accept: text/plain)',          [200, 200, 401, 200, 200], (who) => http(who, 'GET', `/lobby/${slug}/messages/`, { accept: 'text/plain' })),
  row('POST /lobby/:room/messages',            'send (JSON)',                              [201, 201, 401, 201, 201], (who) => sendJson(who, 'POST', `/lobby/${slug}/messages/`, { body: `hello ${next()}` })),
  row('POST /lobby/:room/messages',            'send (form)',                              all(303), (who) => http(who, 'POST', `/lobby/${slug}/messages/`, { form: { body: `hello ${next()}` } })),
  row('POST /lobby/:room/messages',            'send to no such room',                     [404, 404, 401, 404, 404], (who) => sendJson(who, 'POST', '/lobby/no-such-room/messages/', { body: 'hello' })),
  row('PATCH /lobby/:room/messages/:seq',      'edit the member’s message',                [200, 403, 401, 403, 403], async (who) => sendJson(who, 'PATCH', await messagePath(), { body: 'edited' })),
  row('PATCH /lobby/:room/messages/:seq',      'edit a deleted message',                   [404, 404, 401, 404, 404], async (who) => sendJson(who, 'PATCH', `/lobby/${slug}/messages/${await deletedMessage()}/`, { body: 'edited' })),
  row('DELETE /lobby/:room/messages/:seq',     'delete the member’s message',              [200, 403, 401, 403, 200], async (who) => sendJson(who, 'DELETE', await messagePath())),
  row('POST /lobby/:room/messages/:seq',       'edit by form (_method=PATCH)',             [303, 403, 303, 403, 403], async (who) => http(who, 'POST', await messagePath(), { form: { _method: 'PATCH', body: 'edited' } })),
  row('POST /lobby/:room/messages/:seq',       'delete (JSON, _method=DELETE)',            [200, 403, 401, 403, 200], async (who) => sendJson(who, 'POST', await messagePath(), { _method: 'DELETE' })),
  row('GET /account',                          'the account page',                         [200, 200, 303, 200, 200], (who) => http(who, 'GET', '/account/')),
  row('POST /account/password',                'change password (JSON, wrong current one)', [422, 422, 401, 403, 422], (who) => sendJson(who, 'POST', '/account/password/', { current_password: 'not the password', new_password: 'another long passphrase 9' })),
  row('GET /lobby',                            'the lobby',                                [200, 200, 303, 200, 200], (who) => http(who, 'GET', '/lobby/')),
  row('GET /lobby',                            'the lobby (JSON)',                         [200, 200, 401, 200, 200], (who) => getJson(who, '/lobby/')),
  row('POST /lobby',                           'create a room (JSON)',                     [201, 201, 401, 201, 201], (who) => sendJson(who, 'POST', '/lobby/', { name: `Room ${next()}`, image: 'chat' })),
  row('GET /lobby/:room',                      'the room page',                            [200, 200, 303, 200, 200], (who) => http(who, 'GET', `/lobby/${slug}/`)),
  row('GET /lobby/:room',                      'the room (JSON)',                          [200, 200, 401, 200, 200], (who) => getJson(who, `/lobby/${slug}/`)),
  row('GET /lobby/:room',                      'no such room (JSON)',                      [404, 404, 401, 404, 404], (who) => getJson(who, '/lobby/no-such-room/')),
  row('GET /lobby/:room/edit',                 'the room settings page',                   [403, 403, 303, 403, 200], (who) => http(who, 'GET', `/lobby/${slug}/edit/`)),
  row('GET /lobby/:room/edit',                 'the room settings (JSON)',                 [403, 403, 401, 403, 200], (who) => getJson(who, `/lobby/${slug}/edit/`)),
  row('PATCH /lobby/:room',                    'rename a room (JSON)',                     [403, 403, 401, 403, 200], (who) => sendJson(who, 'PATCH', `/lobby/${slug}/`, { name: 'Access Room', description: `renamed ${next()}` })),
  row('POST /lobby/:room',                     'rename by form (_method=PATCH)',           [403, 403, 303, 403, 303], (who) => http(who, 'POST', `/lobby/${slug}/`, { form: { _method: 'PATCH', name: 'Access Room' } })),
  row('DELETE /lobby/:room',                   'delete a room (JSON)',                     [403, 403, 401, 403, 200], async (who) => sendJson(who, 'DELETE', `/lobby/${await member.createRoom(`Doomed ${next()}`)}/`)),
  row('DELETE /lobby/:room',                   'delete a room the app starts with (JSON)', [403, 403, 401, 403, 409], (who) => sendJson(who, 'DELETE', '/lobby/game/')),
  row('DELETE /lobby/:room',                   'delete no such room (JSON)',               [404, 404, 401, 404, 404], (who) => sendJson(who, 'DELETE', '/lobby/no-such-room/')),
  row('GET /admin',                            'the administration page',                  [403, 403, 303, 403, 200], (who) => http(who, 'GET', '/admin/')),
  row('GET /admin',                            'the people (JSON)',                        [403, 403, 401, 403, 200], (who) => getJson(who, '/admin/')),
  row('POST /admin/people/:username/disabled', 'disable an account (JSON)',                [403, 403, 401, 403, 200], async (who) => sendJson(who, 'POST', `/admin/people/${await newAccount()}/disabled/`)),
  row('POST /admin/people/:username/disabled', 'disable an administrator (JSON)',          [403, 403, 401, 403, 403], (who) => sendJson(who, 'POST', '/admin/people/root_access/disabled/')),
  row('POST /admin/people/:username/disabled', 'enable by form (_method=DELETE)',          [403, 403, 303, 403, 303], async (who) => http(who, 'POST', `/admin/people/${await newAccount()}/disabled/`, { form: { _method: 'DELETE' } })),
  row('DELETE /admin/people/:username/disabled', 'enable an account (JSON)',               [403, 403, 401, 403, 200], async (who) => sendJson(who, 'DELETE', `/admin/people/${await newAccount()}/disabled/`)),
];

describe('who may do what: every route × member, other user, anonymous, guest, administrator', () => {
  for (const { route, what, expected, send } of TABLE) {
    it(`${route} (${what})`, async () => {
      const actual = {} as Record<Role, number>;
      for (const role of ROLES) actual[role] = await send(as(role));
      expect(actual).toEqual(expected);
    });
  }
});

// app.use() paths that only guard or decorate requests (headers, auth, limits, room loading) and
// answer nothing of their own. Static files are app.use() too, but they answer: they have rows.
const MIDDLEWARE_PATHS = new Set(['/*', '/api/*', '/account/*', '/admin/*', '/lobby/*', '/lobby/:room/messages/*']);

describe('the table', () => {
  it('has a row for every route the app registers, and none for a route it does not', async () => {
    const t = await createTestApp(ENV);
    try {
      const registered = new Set(
        t.app.routes.filter((r) => r.method !== 'ALL' || !MIDDLEWARE_PATHS.has(r.path)).map((r) => `${r.method} ${r.path}`),
      );
      const inTable = new Set(TABLE.map((r) => r.route));
      // A route listed here needs rows above (or, if it is middleware that answers nothing, MIDDLEWARE_PATHS).
      expect([...registered].filter((route) => !inTable.has(route)), 'routes without a row').toEqual([]);
      expect([...inTable].filter((route) => !registered.has(route)), 'rows for routes that do not exist').toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('covers every role in every row', () => {
    for (const { expected } of TABLE) expect(Object.keys(expected).sort()).toEqual([...ROLES].sort());
  });
});
