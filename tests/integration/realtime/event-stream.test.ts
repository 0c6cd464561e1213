import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStreamClient } from '../../support/events.js';
import { Person } from '../../support/person.js';
import { startTestServers, type TestServers } from '../../support/server.js';

// GET /lobby/<room>/events/: the room's log as Server-Sent Events, for terminals and EventSource.
let running: TestServers;
let url: string;
let ada: Person;
let bob: Person;
const streams: EventStreamClient[] = [];

beforeAll(async () => {
  running = await startTestServers(1, { env: { WS_PING_INTERVAL: '0.2' } });
  url = running.servers[0]!.url;
  ada = await Person.signUp(url, 'ada_events', 'Ada');
  bob = await Person.signUp(url, 'bob_events', 'Bob');
});
afterAll(async () => {
  for (const stream of streams) stream.close();
  await running?.close();
});

async function watch(who: Person | { cookie?: string; headers?: Record<string, string> }, slug: string, headers: Record<string, string> = {}) {
  const auth = who instanceof Person ? { cookie: who.cookie } : (who.headers ?? {});
  const stream = await EventStreamClient.open(`${url}/lobby/${slug}/events/`, { ...auth, ...headers });
  streams.push(stream);
  expect(stream.response.status).toBe(200);
  await stream.waitFor('the ready event', () => stream.events.some((e) => e.event === 'ready'));
  return stream;
}

describe('the event stream of a room', () => {
  it('sends every change as it happens, with its seq as the event id', async () => {
    const slug = await ada.createRoom('Events One');
    const stream = await watch(bob, slug);
    expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.response.headers.get('cache-control')).toBe('no-cache');
    const first = await ada.say(slug, 'hello, terminal');
    const second = await bob.say(slug, 'hello back');
    await ada.edit(slug, first, 'hello, terminal (edited)');
    await ada.remove(slug, first);
    await stream.waitFor('four changes', () => stream.messages().length === 4);
    const events = stream.events.filter((e) => e.event === 'message');
    expect(events.map((e) => e.id)).toEqual(['1', '2', '3', '4']);
    const [created, reply, edited, deleted] = stream.messages();
    expect(created).toMatchObject({ seq: first, updated_seq: 1, body: 'hello, terminal', deleted_at: null });
    expect(reply).toMatchObject({ seq: second, updated_seq: 2, body: 'hello back' });
    expect(edited).toMatchObject({ seq: first, updated_seq: 3, body: 'hello, terminal (edited)' });
    expect(deleted).toMatchObject({ seq: first, updated_seq: 4, body: null });
    expect(deleted!.deleted_at).not.toBeNull();
  });

  it('resumes after Last-Event-ID (or ?after=) with nothing lost or doubled', async () => {
    const slug = await ada.createRoom('Events Two');
    for (const n of [1, 2, 3]) await ada.say(slug, `before ${n}`);
    const first = await watch(bob, slug, { 'last-event-id': '0' });
    await first.waitFor('the first three', () => first.messages().length === 3);
    const lastId = first.events.filter((e) => e.event === 'message').at(-1)!.id!;
    first.close();
    // Meanwhile, more is said; the reader comes back with the id it had.
    for (const n of [4, 5]) await ada.say(slug, `while away ${n}`);
    const again = await watch(bob, slug, { 'last-event-id': lastId });
    await ada.say(slug, 'after coming back');
    await again.waitFor('the rest', () => again.messages().length === 3);
    expect(again.messages().map((m) => m.body)).toEqual(['while away 4', 'while away 5', 'after coming back']);
    const viaQuery = await EventStreamClient.open(`${url}/lobby/${slug}/events/?after=5`, { cookie: bob.cookie });
    streams.push(viaQuery);
    await viaQuery.waitFor('the last one', () => viaQuery.messages().length === 1);
    expect(viaQuery.messages()[0]!.body).toBe('after coming back');
  });

  it('streams a reader far behind through the whole log in order, past the page replay bound', async () => {
    const slug = await ada.createRoom('Events Three');
    const total = 620;
    for (let n = 1; n <= total; n += 20) {
      await Promise.all(Array.from({ length: 20 }, (_, i) => ada.say(slug, `m${n + i}`)));
    }
    const stream = await watch(bob, slug, { 'last-event-id': '0' });
    await stream.waitFor(`${total} messages`, () => stream.messages().length >= total, 15_000);
    const seqs = stream.messages().map((m) => m.updated_seq);
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  });

  it('says who is here and who joins, and keeps the line alive with comments', async () => {
    const slug = await ada.createRoom('Events Four');
    const stream = await watch(ada, slug);
    await stream.waitFor('a presence list with Ada', () =>
      stream.events.some((e) => e.event === 'presence' && JSON.parse(e.data).people.some((p: { first_name: string }) => p.first_name === 'Ada')),
    );
    const bobs = await watch(bob, slug);
    const bobNotice = (kind: string) => stream.events.find((e) => e.event === 'notice' && JSON.parse(e.data).first_name === 'Bob' && JSON.parse(e.data).kind === kind);
    await stream.waitFor('Bob joining', () => bobNotice('joined') !== undefined);
    expect(JSON.parse(bobNotice('joined')!.data)).toMatchObject({ kind: 'joined', username: 'bob_events' });
    // A reader who hangs up leaves the room.
    bobs.close();
    await stream.waitFor('Bob leaving', () => bobNotice('left') !== undefined);
    await stream.waitFor('a heartbeat comment', () => stream.comments > 0, 3000);
  });

  it('takes a bearer access token; a cookie session’s stream ends with a close event when it signs out', async () => {
    const slug = await ada.createRoom('Events Five');
    const tokens = await fetch(`${url}/api/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bob_events', password: 'analytical engine 1843' }),
    });
    expect(tokens.status).toBe(200);
    const { access } = (await tokens.json()) as { access: string };
    const withToken = await watch({ headers: { authorization: `Bearer ${access}` } }, slug);
    await ada.say(slug, 'for the token holder');
    await withToken.waitFor('the message', () => withToken.messages().length === 1);

    const own = await Person.signUp(url, 'cy_events', 'Cy');
    const cys = await watch(own, slug);
    const signedOut = await fetch(`${url}/logout/`, { method: 'POST', headers: { cookie: own.cookie, origin: url }, redirect: 'manual' });
    expect(signedOut.status).toBe(303);
    await cys.waitFor('the end of the stream', () => cys.ended, 3000);
    const last = cys.events.at(-1)!;
    expect(last.event).toBe('close');
    expect(JSON.parse(last.data)).toMatchObject({ code: 4001 });
  });

  it('refuses a reader who is not signed in with 401, and an unknown room with 404', async () => {
    const anonymous = await fetch(`${url}/lobby/game/events/`, { headers: { accept: 'text/event-stream' }, redirect: 'manual' });
    expect(anonymous.status).toBe(401);
    // Plain `curl -N` sends no Accept: still a 401 with a sentence, not a sign-in page.
    const bare = await fetch(`${url}/lobby/game/events/`, { redirect: 'manual' });
    expect(bare.status).toBe(401);
    expect(bare.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await bare.text()).toBe('Sign in first: send a valid access token.\n');
    const unknown = await fetch(`${url}/lobby/no-such-room/events/`, { headers: { accept: 'text/event-stream', cookie: ada.cookie } });
    expect(unknown.status).toBe(404);
  });
});
