import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Account, type Answer, GENEROUS_LIMITS, historyJson, MAX_BODY_BYTES, PASSWORD, refusalProblems, request } from '../../security/channels.js';
import { startTestServers, type TestServers } from '../../support/server.js';

// Bytes no form or JSON encoder should produce: NUL in each field, invalid UTF-8, bodies over 64 KiB,
// the wrong Content-Type. Each must get a 4xx with a message a person or client can act on (never a
// 500, never stored), and the server must go on working.
let running: TestServers;
let url: string;
let gil: Account;
let slug: string;
let ownSeq: number;

beforeAll(async () => {
  running = await startTestServers(1, { env: GENEROUS_LIMITS });
  url = running.servers[0]!.url;
  gil = await Account.create(url, 'gil_bytes', 'Gil');
  slug = await gil.createRoom('Hostile bytes');
  ownSeq = (await gil.json('POST', `/lobby/${slug}/messages/`, { body: 'the only message' })).json.seq;
});
afterAll(() => running?.close());

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : Buffer.from(part))));

/** One request as a browser form (cookie + Origin) or an API client (bearer) would send it; `anonymous` for sign-up and sign-in. */
function send(path: string, type: string | null, body: string | Uint8Array | AsyncIterable<Uint8Array>, { as = 'bearer', method = 'POST', extra = {} }: { as?: 'cookie' | 'bearer' | 'anonymous'; method?: string; extra?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { origin: url, ...(type ? { 'content-type': type } : {}), ...extra };
  if (as === 'cookie') headers.cookie = gil.cookie;
  if (as === 'bearer') headers.authorization = `Bearer ${gil.access}`;
  if (!headers.accept) headers.accept = type === FORM ? 'text/html' : 'application/json';
  return request(`${url}${path}`, { method, headers, body });
}

const messages = () => `/lobby/${slug}/messages/`;
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const signup = { username: 'nul_person', first_name: 'Nul', last_name: 'Person', password: PASSWORD, icon: 'owl' };
const room = { name: 'Nul room', description: 'A room', image: 'chat' };

/** Every field of every write, each with a NUL in it: [where, path, fields, who]. */
const withNul: Array<[string, string, Record<string, string>, 'cookie' | 'bearer' | 'anonymous']> = [
  ...Object.keys(signup).map((field): [string, string, Record<string, string>, 'anonymous'] => [`sign-up ${field}`, '/signup/', { ...signup, [field]: `a\u0000b` }, 'anonymous']),
  ...Object.keys(signup).map((field): [string, string, Record<string, string>, 'anonymous'] => [`API sign-up ${field}`, '/api/signup/', { ...signup, [field]: `a\u0000b` }, 'anonymous']),
  ['sign-in username', '/login/', { username: 'gil\u0000_bytes', password: PASSWORD }, 'anonymous'],
  ['sign-in password', '/login/', { username: 'gil_bytes', password: `${PASSWORD}\u0000` }, 'anonymous'],
  ['token username', '/api/token/', { username: 'gil_bytes\u0000', password: PASSWORD }, 'anonymous'],
  ['token password', '/api/token/', { username: 'gil_bytes', password: `\u0000${PASSWORD}` }, 'anonymous'],
  ['refresh token', '/api/token/refresh/', { refresh: 'abc\u0000def' }, 'anonymous'],
  ...Object.keys(room).map((field): [string, string, Record<string, string>, 'cookie'] => [`room ${field}`, '/lobby/', { ...room, [field]: `${room[field as keyof typeof room]}\u0000` }, 'cookie']),
  ['message body', '/lobby/<room>/messages/', { body: 'nul\u0000here' }, 'cookie'],
  ['message client_id', '/lobby/<room>/messages/', { body: 'fine', client_id: 'id\u0000' }, 'cookie'],
  ['edit body', '/lobby/<room>/messages/<seq>/', { _method: 'PATCH', body: 'nul\u0000edit' }, 'cookie'],
  ['edit _method', '/lobby/<room>/messages/<seq>/', { _method: 'PATCH\u0000', body: 'edit' }, 'cookie'],
];

describe('a NUL character in any field', () => {
  it.each(withNul)('%s: 400 with a message, as a form and as JSON (escaped and raw)', async (_where, template, fields, as) => {
    const path = template.replace('<room>', slug).replace('<seq>', String(ownSeq));
    const api = path.startsWith('/api/');
    const raw = JSON.stringify(fields).replace(/\\u0000/g, '\u0000');
    const answers = [
      ...(api ? [] : [await send(path, FORM, form(fields), { as })]),
      await send(path, JSON_TYPE, JSON.stringify(fields), { as }),
      // A raw NUL byte inside a JSON string is not JSON at all.
      await send(path, JSON_TYPE, raw, { as }),
    ];
    for (const got of answers) expect(refusalProblems(got, [400]), `${got.status} ${got.text.slice(0, 200)}`).toEqual([]);
  });

  it('by htmx and over a multipart form too; nothing of it is stored', async () => {
    expect(refusalProblems(await send(messages(), FORM, form({ body: 'htmx\u0000nul' }), { as: 'cookie', extra: { 'hx-request': 'true' } }), [400])).toEqual([]);
    const multipart = new FormData();
    multipart.set('body', 'multi\u0000part');
    const got = await fetch(`${url}${messages()}`, { method: 'POST', headers: { cookie: gil.cookie, origin: url }, body: multipart, redirect: 'manual' });
    expect(got.status).toBe(400);
    expect(await got.text()).toMatch(/NUL|character/i);
    expect((await historyJson(gil, slug)).map((m) => m.body)).toEqual(['the only message']);
  });
});

const invalidUtf8: Array<[string, number[]]> = [
  ['0xff 0xfe', [0xff, 0xfe]],
  ['a lone continuation byte', [0x80]],
  ['an overlong "/" (0xc0 0xaf)', [0xc0, 0xaf]],
  ['a UTF-8-encoded surrogate (CESU)', [0xed, 0xa0, 0x80]],
  ['a truncated three-byte sequence', [0xe2, 0x82]],
  ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
];

describe('bytes that are not UTF-8', () => {
  it.each(invalidUtf8)('%s: 400 in a form (raw and percent-encoded), in JSON, at sign-up and for a room', async (_name, bad) => {
    const [head, tail] = JSON.stringify(signup).split('"Nul"') as [string, string];
    const percent = bad.map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
    const answers = [
      await send(messages(), FORM, bytes('body=', [0x62, 0x6f, 0x64, 0x79], bad), { as: 'cookie' }),
      await send(messages(), FORM, `body=body${percent}`, { as: 'cookie' }),
      await send(messages(), FORM, bytes(`${percent}=1&body=ok`), { as: 'cookie' }),
      await send(messages(), JSON_TYPE, bytes('{"body":"x', bad, '"}')),
      await send(messages(), JSON_TYPE, bytes('{"body":"x","', bad, '":"y"}')),
      await send('/api/signup/', JSON_TYPE, bytes(head, '"Nul', bad, '"', tail), { as: 'anonymous' }),
      await send('/signup/', FORM, bytes(form(signup), bad), { as: 'anonymous' }),
      await send('/lobby/', FORM, bytes('image=chat&name=Bad', bad), { as: 'cookie' }),
    ];
    for (const got of answers) expect(refusalProblems(got, [400]), `${got.status} ${got.text.slice(0, 200)}`).toEqual([]);
  });

  it('in a multipart form field: 400, not stored with U+FFFD in its place', async () => {
    const boundary = 'hostileboundary';
    const body = bytes(`--${boundary}\r\nContent-Disposition: form-data; name="body"\r\n\r\nmulti`, [0xff, 0xfe], `part\r\n--${boundary}--\r\n`);
    const got = await send(messages(), `multipart/form-data; boundary=${boundary}`, body, { as: 'cookie' });
    expect(refusalProblems(got, [400]), `${got.status} ${got.text.slice(0, 200)}`).toEqual([]);
  });

  it('a JSON body in UTF-16 is not UTF-8: 400', async () => {
    const utf16 = Buffer.from(`{"body":"utf-16"}`, 'utf16le');
    expect(refusalProblems(await send(messages(), 'application/json; charset=utf-16', utf16), [400])).toEqual([]);
  });
});

describe('bodies over 64 KiB', () => {
  const over = 'x'.repeat(MAX_BODY_BYTES + 1);

  it('413 with a message: message, sign-up, token, room; as a form and as JSON', async () => {
    const answers = [
      await send(messages(), FORM, `body=${over}`, { as: 'cookie' }),
      await send(messages(), JSON_TYPE, JSON.stringify({ body: over })),
      await send('/signup/', FORM, form({ ...signup, first_name: over }), { as: 'anonymous' }),
      await send('/api/signup/', JSON_TYPE, JSON.stringify({ ...signup, first_name: over }), { as: 'anonymous' }),
      await send('/api/token/', JSON_TYPE, JSON.stringify({ username: 'gil_bytes', password: over }), { as: 'anonymous' }),
      await send('/lobby/', JSON_TYPE, JSON.stringify({ ...room, description: over })),
    ];
    for (const got of answers) expect(refusalProblems(got, [413]), `${got.status} ${got.text.slice(0, 200)}`).toEqual([]);
    expect(answers[1]!.json.error).toMatch(/too large/i);
  });

  it('exactly 64 KiB is read (and this one refused as too long a message); one byte more is 413', async () => {
    const exact = (size: number) => JSON.stringify({ body: 'y'.repeat(size - '{"body":""}'.length) });
    expect(Buffer.byteLength(exact(MAX_BODY_BYTES))).toBe(MAX_BODY_BYTES);
    expect((await send(messages(), JSON_TYPE, exact(MAX_BODY_BYTES))).status).toBe(422);
    expect((await send(messages(), JSON_TYPE, exact(MAX_BODY_BYTES + 1))).status).toBe(413);
  });

  it('413 too when the body comes chunked, with no Content-Length to refuse it by', async () => {
    async function* stream() {
      yield Buffer.from('{"body":"');
      for (let i = 0; i < 8; i++) yield Buffer.alloc(16 * 1024, 0x78);
      yield Buffer.from('"}');
    }
    expect(refusalProblems(await send(messages(), JSON_TYPE, stream()), [413])).toEqual([]);
  });
});

describe('the wrong Content-Type', () => {
  it('the API takes JSON only: 415 for a form, plain text or no type at all', async () => {
    const json = JSON.stringify({ ...signup, username: 'typed_person' });
    for (const type of [FORM, 'text/plain', null, 'application/jsonx', 'application/xml']) {
      expect(refusalProblems(await send('/api/signup/', type, json, { as: 'anonymous' }), [415]), String(type)).toEqual([]);
      expect(refusalProblems(await send('/api/token/', type, json, { as: 'anonymous' }), [415]), String(type)).toEqual([]);
    }
  });

  it('a message as plain text, XML, or with no type: refused with a 4xx saying what is missing', async () => {
    for (const [type, body] of [['text/plain', 'body=plain'], ['application/xml', '<body>xml</body>'], [null, 'body=untyped'], ['application/jsonx', '{"body":"x"}']] as const) {
      expect(refusalProblems(await send(messages(), type, body), [415, 422]), String(type)).toEqual([]);
    }
  });

  it('a form body labelled JSON is not JSON (400); JSON labelled a form holds no body field (422)', async () => {
    expect(refusalProblems(await send(messages(), JSON_TYPE, 'body=hello'), [400])).toEqual([]);
    expect(refusalProblems(await send(messages(), FORM, '{"body":"hello"}', { extra: { accept: 'application/json' } }), [422])).toEqual([]);
  });

  it('afterwards the room holds only its first message, and the server answers as before', async () => {
    expect((await historyJson(gil, slug)).map((m) => m.body)).toEqual(['the only message']);
    expect((await request(`${url}/healthz`, {})).status).toBe(200);
    expect((await gil.json('POST', messages(), { body: 'still working' })).status).toBe(201);
  });
});
