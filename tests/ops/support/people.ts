import { randomBytes } from 'node:crypto';
import type { Reply, Site } from './client.js';

export const PASSWORD = 'lantern orchard quietly 4815';

/** Someone using Hubbub: by session cookie (as a browser), by access token (as an API client), or both. */
export interface Person {
  id: number;
  username: string;
  firstName: string;
  cookie?: string;
  access?: string;
}

export interface Message {
  seq: number;
  body: string | null;
  author: { username: string };
}

function expectStatus(reply: Reply, status: number, what: string): void {
  if (reply.status !== status) throw new Error(`${what}: expected ${status}, got ${reply.status}: ${reply.text.slice(0, 300)}`);
}

/** The session cookie a sign-in answer sets (`hubbub_session`, or `__Host-hubbub_session` over https). */
function sessionCookie(reply: Reply): string {
  const line = (reply.headers['set-cookie'] ?? []).find((cookie) => /^(__Host-)?hubbub_session=/.test(cookie));
  if (!line) throw new Error(`no session cookie in the answer (${reply.status})`);
  return line.split(';')[0]!;
}

const uniqueName = (firstName: string) => `${firstName.toLowerCase()}_${randomBytes(3).toString('hex')}`;

/** Signs up through the sign-up form (sent as JSON), as the page does: a session cookie. */
export async function signUpInBrowser(site: Site, firstName: string): Promise<Person> {
  const username = uniqueName(firstName);
  const reply = await site.request('POST', '/signup/', {
    headers: { origin: site.origin, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ username, first_name: firstName, last_name: 'Tester', password: PASSWORD, icon: 'owl' }),
  });
  expectStatus(reply, 201, `sign-up of ${username}`);
  return { id: reply.json<{ user: { id: number } }>().user.id, username, firstName, cookie: sessionCookie(reply) };
}

/** Signs up through the old app's JSON API and takes an access token. */
export async function signUpWithApi(site: Site, firstName: string): Promise<Person> {
  const username = uniqueName(firstName);
  const json = { 'content-type': 'application/json' };
  const signup = await site.request('POST', '/api/signup/', {
    headers: json,
    body: JSON.stringify({ username, first_name: firstName, password: PASSWORD }),
  });
  expectStatus(signup, 200, `API sign-up of ${username}`);
  return { id: signup.json<{ id: number }>().id, username, firstName, access: await accessToken(site, username) };
}

export async function accessToken(site: Site, username: string, password = PASSWORD): Promise<string> {
  const reply = await site.request('POST', '/api/token/', {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  expectStatus(reply, 200, `token for ${username}`);
  return reply.json<{ access: string }>().access;
}

/** "Try it without an account". */
export async function signInAsGuest(site: Site): Promise<Person> {
  const reply = await site.request('POST', '/guest/', { headers: { origin: site.origin, accept: 'application/json' } });
  expectStatus(reply, 201, 'guest sign-in');
  const user = reply.json<{ user: { id: number; username: string; first_name: string } }>().user;
  return { id: user.id, username: user.username, firstName: user.first_name, cookie: sessionCookie(reply) };
}

/** The headers that say who is asking, as a browser (cookie and Origin) or an API client would. */
export function credentials(site: Site, person: Person): Record<string, string> {
  if (person.cookie) return { cookie: person.cookie, origin: site.origin };
  return { authorization: `Bearer ${person.access}` };
}

export async function createRoom(site: Site, person: Person, name: string): Promise<string> {
  const reply = await site.request('POST', '/lobby/', {
    headers: { ...credentials(site, person), accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify({ name, image: 'chat' }),
  });
  expectStatus(reply, 201, `room ${name}`);
  return reply.json<{ slug: string }>().slug;
}

export async function sendMessage(site: Site, person: Person, room: string, body: string): Promise<Message> {
  const reply = await site.request('POST', `/lobby/${room}/messages/`, {
    headers: { ...credentials(site, person), accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify({ body, client_id: `ops-${randomBytes(6).toString('hex')}` }),
  });
  expectStatus(reply, 201, `send "${body}"`);
  return reply.json<Message>();
}

/** The room's newest messages, oldest first, as the person reads them. */
export async function readRoom(site: Site, person: Person, room: string): Promise<Message[]> {
  const reply = await site.request('GET', `/lobby/${room}/messages/`, { headers: { ...credentials(site, person), accept: 'application/json' } });
  expectStatus(reply, 200, `history of ${room}`);
  return reply.json<{ messages: Message[] }>().messages;
}
