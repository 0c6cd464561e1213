import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Account, type Answer, GENEROUS_LIMITS, historyJson, PASSWORD, refusalProblems, request } from '../../security/channels.js';
import { EventStreamClient } from '../../support/events.js';
import { startTestServers, type TestServers } from '../../support/server.js';

// JSON that is valid but hostile, at every JSON endpoint: prototype keys, duplicate keys, wrong types,
// fields the server must never take from a client (author, seq, times, ids, is_guest), very deep
// nesting and huge numbers. Each must be refused with a 4xx or have the extra parts ignored; never 5xx.
let running: TestServers;
let url: string;
let eve: Account;
let dora: Account;
let slug: string;
let eveId: number;
let doraId: number;

beforeAll(async () => {
  running = await startTestServers(1, { env: GENEROUS_LIMITS });
  url = running.servers[0]!.url;
  eve = await Account.create(url, 'eve_json', 'Eve');
  dora = await Account.create(url, 'dora_json', 'Dora');
  eveId = (await eve.getJson('/')).user.id;
  doraId = (await dora.getJson('/')).user.id;
  slug = await dora.createRoom('Hostile JSON');
});
afterAll(() => running?.close());

const messages = () => `/lobby/${slug}/messages/`;
const post = (path: string, raw: string, who: Account | null = dora) =>
  who ? who.raw('POST', path, raw, { 'content-type': 'application/json' }) : request(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: raw });
const signupJson = (extra: Record<string, unknown>) => JSON.stringify({ password: PASSWORD, first_name: 'Jay', ...extra });
const deep = (levels: number, inner = '1') => `${'['.repeat(levels)}${inner}${']'.repeat(levels)}`;

/** A 4xx whose JSON error names `field` (in `fields`), as the API documents. */
function refusedNaming(got: Answer, statuses: number[], field: string): string[] {
  const problems = refusalProblems(got, statuses);
  if (typeof got.json?.fields?.[field] !== 'string') problems.push(`no fields.${field}: ${got.text.slice(0, 200)}`);
  return problems;
}

describe('prototype keys and duplicate keys', () => {
  it('a message: __proto__ and constructor.prototype keys are plain data, never inherited by anything', async () => {
    const own = await post(messages(), '{"__proto__":{"polluted":"yes","body":"inherited"},"body":"proto key"}');
    expect(own.status).toBe(201);
    expect(own.json.body).toBe('proto key');
    const ctor = await post(messages(), '{"constructor":{"prototype":{"polluted":"yes","body":"inherited"}},"body":"constructor key"}');
    expect(ctor.status).toBe(201);
    expect(ctor.json.body).toBe('constructor key');
    // A body that exists only under __proto__ is no body at all.
    expect(refusedNaming(await post(messages(), '{"__proto__":{"body":"inherited"}}'), [422], 'body')).toEqual([]);
    expect(refusedNaming(await post(messages(), '{"constructor":{"prototype":{"body":"inherited"}}}'), [422], 'body')).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rooms and accounts: a __proto__ holding every field is refused, naming the fields', async () => {
    expect(refusedNaming(await post('/lobby/', '{"__proto__":{"name":"Proto room","image":"chat"}}'), [422], 'name')).toEqual([]);
    const api = await post('/api/signup/', `{"__proto__":${signupJson({ username: 'proto_user', icon: 'owl' })}}`, null);
    expect(refusedNaming(api, [400], 'username')).toEqual([]);
    const form = await post('/signup/', `{"__proto__":${signupJson({ username: 'proto_user2', icon: 'owl' })}}`, null);
    expect(refusedNaming(form, [422], 'username')).toEqual([]);
    const token = await post('/api/token/', `{"__proto__":{"username":"dora_json","password":"${PASSWORD}"}}`, null);
    expect(refusedNaming(token, [400], 'username')).toEqual([]);
  });

  it('duplicate keys: the last one counts (as JSON.parse reads them), and only it is stored', async () => {
    const got = await post(messages(), '{"body":"first","body":"second"}');
    expect(got.status).toBe(201);
    expect(got.json.body).toBe('second');
    const user = await post('/api/signup/', '{"username":"dup_first","username":"dup_second","password":"' + PASSWORD + '","first_name":"Dup"}', null);
    expect(user.status).toBe(200);
    expect(user.json.username).toBe('dup_second');
  });
});

describe('wrong types where strings belong', () => {
  const wrong = ['123', '1.5', 'true', 'null', '[]', '["array"]', '{}', '{"text":"x"}', '1e999', '123456789012345678901234567890'];

  it.each(wrong)('body %s: a message is refused naming body (422)', async (value) => {
    expect(refusedNaming(await post(messages(), `{"body":${value}}`), [422], 'body')).toEqual([]);
  });

  it.each(wrong)('username %s: sign-up is refused naming username (400)', async (value) => {
    expect(refusedNaming(await post('/api/signup/', `{"username":${value},"password":"${PASSWORD}","first_name":"Jay"}`, null), [400], 'username')).toEqual([]);
  });

  it('first_name, password, icon, room name and image of the wrong type are refused, naming each', async () => {
    expect(refusedNaming(await post('/api/signup/', signupJson({ username: 'typed_a', first_name: null }), null), [400], 'first_name')).toEqual([]);
    expect(refusedNaming(await post('/api/signup/', signupJson({ username: 'typed_b', password: [PASSWORD] }), null), [400], 'password')).toEqual([]);
    expect(refusedNaming(await post('/signup/', signupJson({ username: 'typed_c', icon: { owl: true } }), null), [422], 'icon')).toEqual([]);
    expect(refusedNaming(await post('/lobby/', '{"name":123,"image":"chat"}'), [422], 'name')).toEqual([]);
    expect(refusedNaming(await post('/lobby/', '{"name":"Typed room","image":["chat"]}'), [422], 'image')).toEqual([]);
    expect(refusedNaming(await post('/api/token/', '{"username":{"$gt":""},"password":{"$gt":""}}', null), [400], 'username')).toEqual([]);
    expect(refusedNaming(await post('/login/', '{"username":{"$gt":""},"password":{"$gt":""}}', null), [422], 'username')).toEqual([]);
    expect(refusedNaming(await post('/api/token/refresh/', '{"refresh":{"$ne":null}}', null), [400], 'refresh')).toEqual([]);
  });

  it.each(['[]', '"body"', 'null', '123', 'true'])('a top-level %s is no object: refused with a 4xx, never 5xx', async (value) => {
    expect(refusedNaming(await post(messages(), value), [422], 'body')).toEqual([]);
    expect(refusalProblems(await post('/api/signup/', value, null), [400])).toEqual([]);
  });
});

describe('fields only the server may set (mass assignment)', () => {
  it('a message takes its author, seq, room and times from the server, whatever the client sends', async () => {
    const forged = { author: { username: 'eve_json', first_name: 'Eve' }, author_id: eveId, user_id: eveId, seq: 999999, updated_seq: 999999, id: 1, room: 'elsewhere', room_id: 1, created_at: '2000-01-01T00:00:00.000Z', edited_at: '2000-01-01T00:00:00.000Z', deleted_at: '2000-01-01T00:00:00.000Z', is_guest: true };
    const got = await post(messages(), JSON.stringify({ body: 'mass assignment', ...forged }));
    expect(got.status).toBe(201);
    expect(got.json).toMatchObject({ body: 'mass assignment', room: slug, author: { username: 'dora_json', first_name: 'Dora' }, edited_at: null, deleted_at: null });
    expect(got.json.seq).toBeLessThan(1000);
    expect(got.json.updated_seq).toBe(got.json.seq);
    expect(Math.abs(Date.parse(got.json.created_at) - Date.now())).toBeLessThan(60_000);
    const stored = (await historyJson(eve, slug)).find((m) => m.seq === got.json.seq)!;
    expect(stored).toEqual(got.json);

    // An edit changes the body only: still Dora's, not deleted, same seq.
    const edit = await dora.raw('PATCH', `${messages()}${got.json.seq}/`, JSON.stringify({ body: 'edited', ...forged }), { 'content-type': 'application/json' });
    expect(edit.status).toBe(200);
    expect(edit.json).toMatchObject({ seq: got.json.seq, body: 'edited', author: { username: 'dora_json' }, deleted_at: null });
    expect(Date.parse(edit.json.edited_at)).toBeGreaterThan(Date.parse('2001-01-01'));
  });

  it('an account is never a guest, never another id, never given a password hash by the client', async () => {
    const forged = { is_guest: true, id: eveId, user_id: eveId, password_hash: 'x', username_skeleton: 'eve_json', created_at: '2000-01-01T00:00:00.000Z', icon: 'owl' };
    const api = await post('/api/signup/', signupJson({ username: 'mass_api', ...forged }), null);
    expect(api.status).toBe(200);
    expect(api.json).toMatchObject({ username: 'mass_api', is_guest: false });
    expect([eveId, doraId]).not.toContain(api.json.id);
    const form = await post('/signup/', signupJson({ username: 'mass_form', ...forged }), null);
    expect(form.status).toBe(201);
    expect(form.json.user).toMatchObject({ username: 'mass_form', is_guest: false });
    // The password is the one sent, so the account signs in with it.
    expect((await post('/api/token/', JSON.stringify({ username: 'mass_api', password: PASSWORD, user_id: eveId }), null)).status).toBe(200);
  });

  it('a room takes its address from its name and starts empty, whatever the client sends', async () => {
    const got = await post('/lobby/', JSON.stringify({ name: 'Mass room', image: 'chat', slug: 'forged-slug', url: '/lobby/forged/', created_by: eveId, last_seq: 1000, id: 1, online: 99 }));
    expect(got.status).toBe(201);
    expect(got.json).toMatchObject({ slug: 'mass-room', name: 'Mass room', last_seq: 0, description: '' });
    expect((await dora.raw('GET', '/lobby/forged-slug/', '', {})).status).toBe(404);
  });
});

describe('deep nesting and huge numbers', () => {
  it('100,000 levels of [[[…]]] is over 64 KiB: 413 with a message', async () => {
    expect(refusalProblems(await post(messages(), `{"body":${deep(100_000)}}`), [413])).toEqual([]);
    expect(refusalProblems(await post('/api/signup/', deep(100_000), null), [413])).toEqual([]);
  });

  it('30,000 levels within 64 KiB: refused naming the field, or ignored beside a good body', async () => {
    expect(refusedNaming(await post(messages(), `{"body":${deep(30_000)}}`), [422], 'body')).toEqual([]);
    expect(refusalProblems(await post('/api/signup/', deep(30_000), null), [400])).toEqual([]);
    expect(refusedNaming(await post('/lobby/', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`), [422], 'name')).toEqual([]);
    const beside = await post(messages(), `{"body":"beside deep","extra":${deep(30_000)}}`);
    expect(beside.status).toBe(201);
    expect(beside.json.body).toBe('beside deep');
  });

  it('huge or odd numbers in queries and headers: a 4xx or a valid answer, never 5xx', async () => {
    for (const before of ['99999999999999999999', '1e999', '-1', '0', '1.5', '0x10', 'NaN', '2147483648']) {
      for (const path of [`${messages()}?before=${before}`, `/lobby/${slug}/messages.txt?before=${before}`]) {
        const got = await dora.raw('GET', path, '', {});
        expect([200, 400], `${path}: ${got.status} ${got.text.slice(0, 200)}`).toContain(got.status);
      }
    }
    for (const seq of ['99999999999999999999', '2147483648', '1e3', '-1']) {
      const got = await dora.raw('PATCH', `${messages()}${seq}/`, '{"body":"x"}', { 'content-type': 'application/json' });
      expect(got.status, `PATCH ${seq}: ${got.text.slice(0, 200)}`).toBe(404);
    }
    for (const after of ['99999999999999999999', '2147483648', '1e999', '-1']) {
      const stream = await EventStreamClient.open(`${url}/lobby/${slug}/events/`, { authorization: `Bearer ${dora.access}`, 'last-event-id': after });
      expect(stream.response.status, `Last-Event-ID ${after}`).toBe(200);
      await stream.waitFor('ready', () => stream.events.some((e) => e.event === 'ready'));
      stream.close();
      const socket = await dora.open(`/lobby/${slug}/ws/?after=${after}`);
      await socket.waitFor('the presence list', (frame) => frame.includes('<div id="presence"'));
      await socket.close();
    }
  });
});

describe('afterwards', () => {
  it('nothing is polluted: a message without a body is still refused, and no object grew a key', async () => {
    expect(refusedNaming(await post(messages(), '{}'), [422], 'body')).toEqual([]);
    expect(refusedNaming(await post('/lobby/', '{"name":"No picture"}'), [422], 'image')).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('body');
    expect((await request(`${url}/healthz`, {})).status).toBe(200);
  });
});
