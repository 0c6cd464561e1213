import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Account, GENEROUS_LIMITS, historyJson, OldSocket, request } from '../../security/channels.js';
import { startTestServers, type TestServers } from '../../support/server.js';
import type { LiveClient } from '../../support/socket.js';

// Malformed WebSocket frames on the page's socket and on the old socket: binary, invalid UTF-8, over
// 64 KiB, not JSON, JSON of the wrong shape, prototype keys. The socket that sent one is answered or
// closed with the right code; the server stays up and every other socket goes on as before.
let running: TestServers;
let url: string;
let hal: Account;
let ivy: Account;
let slug: string;
const MAX_FRAME = 64 * 1024;
const opened: Array<LiveClient | OldSocket> = [];
let bystanderPage: LiveClient;
let bystanderOld: OldSocket;

beforeAll(async () => {
  running = await startTestServers(1, { env: GENEROUS_LIMITS });
  url = running.servers[0]!.url;
  [hal, ivy] = await Promise.all([Account.create(url, 'hal_frames', 'Hal'), Account.create(url, 'ivy_frames', 'Ivy')]);
  slug = await hal.createRoom('Hostile frames');
  opened.push((bystanderPage = await ivy.enter(slug)), (bystanderOld = await ivy.oldSocket(slug)));
});
afterAll(async () => {
  for (const socket of opened) if (socket instanceof OldSocket) socket.close();
  else await socket.close().catch(() => {});
  await running?.close();
});

/** The socket under the hood of a LiveClient (the support class keeps it private). */
const rawOf = (client: LiveClient) => (client as unknown as { ws: import('ws').WebSocket }).ws;
const invalidUtf8 = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
let said = 0;
/** A message over HTTP; answers its seq, for checking who still hears the room. */
async function say(): Promise<{ seq: number; body: string }> {
  const body = `still live ${++said}`;
  const got = await hal.json('POST', `/lobby/${slug}/messages/`, { body });
  expect(got.status).toBe(201);
  return { seq: got.json.seq, body };
}

async function pageSocket(): Promise<LiveClient> {
  const socket = await hal.enter(slug);
  opened.push(socket);
  return socket;
}

describe("the page's socket", () => {
  const ignored: Array<[string, string | Buffer, boolean]> = [
    ['a binary frame', Buffer.from([0, 1, 2, 0xff]), true],
    ['text that is not JSON', 'hello <script>alert(1)</script>', false],
    ['a send in the old protocol', JSON.stringify({ type: 'new_message', message: 'sent over the page socket' }), false],
    ['an htmx ws:send', JSON.stringify({ body: 'sent over the page socket', HEADERS: { 'HX-Request': 'true' } }), false],
    ['a __proto__ payload', '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}', false],
    ['exactly 64 KiB', 'x'.repeat(MAX_FRAME), false],
  ];

  it.each(ignored)('%s: ignored; the socket stays open and still gets the room live', async (_name, frame, binary) => {
    const socket = await pageSocket();
    rawOf(socket).send(frame, { binary });
    const next = await say();
    await socket.waitFor(`#${next.seq}`, (f) => f.includes(`id="m-${next.seq}"`));
    expect(socket.closed).toBe(false);
  });

  it('a text frame that is not UTF-8 closes it with 1007', async () => {
    const socket = await pageSocket();
    rawOf(socket).send(invalidUtf8, { binary: false });
    expect(await socket.waitForClose()).toBe(1007);
  });

  it.each([
    ['text', false],
    ['binary', true],
  ])('a %s frame over 64 KiB closes it with 1009', async (_kind, binary) => {
    const socket = await pageSocket();
    rawOf(socket).send(Buffer.alloc(MAX_FRAME + 1, 0x78), { binary });
    expect(await socket.waitForClose()).toBe(1009);
  });
});

describe('the old socket', () => {
  const refused: Array<[string, string | Buffer, RegExp]> = [
    ['text that is not JSON', 'hello', /not JSON/],
    ['a binary frame', Buffer.from([0x7b, 0x7d]), /./],
    ['an unknown type', JSON.stringify({ type: 'dance', message: 'x' }), /Unknown frame/],
    ['no message', JSON.stringify({ type: 'new_message' }), /./],
    ['a message that is a number', JSON.stringify({ type: 'new_message', message: 123 }), /./],
    ['a message that is an object', JSON.stringify({ type: 'new_message', message: { text: 'x' } }), /./],
    ['JSON null', 'null', /./],
    ['a JSON array', '[{"type":"new_message","message":"x"}]', /./],
    ['a JSON string', '"new_message"', /./],
    ['a send only under __proto__', '{"__proto__":{"type":"new_message","message":"inherited"}}', /./],
  ];

  it.each(refused)('%s: an error frame saying so; the socket stays usable', async (_name, frame, reason) => {
    const socket = await hal.oldSocket(slug);
    opened.push(socket);
    const since = socket.frames.length;
    socket.ws.send(frame, { binary: Buffer.isBuffer(frame) });
    const answer = await socket.answerAfter(since);
    expect(answer.message_type).toBe('error');
    expect(answer.message).toMatch(reason);
    expect(Object.keys(answer).sort()).toEqual(['firstname', 'message', 'message_type', 'timestamp', 'username']);
    const next = socket.frames.length;
    socket.send({ type: 'new_message', message: `after ${_name}` });
    expect(await socket.answerAfter(next)).toMatchObject({ message_type: 'chat', message: `after ${_name}`, username: 'hal_frames' });
  });

  it('extra keys are ignored: the author is the token holder, whatever the frame claims; __proto__ pollutes nothing', async () => {
    const socket = await hal.oldSocket(slug);
    opened.push(socket);
    const since = socket.frames.length;
    socket.send('{"type":"new_message","message":"claims to be Ivy","username":"ivy_frames","firstname":"Ivy","timestamp":"2000-01-01T00:00:00.000Z","__proto__":{"polluted":"yes"}}');
    const answer = await socket.answerAfter(since);
    expect(answer).toMatchObject({ message_type: 'chat', message: 'claims to be Ivy', username: 'hal_frames', firstname: 'Hal' });
    expect(Date.parse(answer.timestamp)).toBeGreaterThan(Date.parse('2001-01-01'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a text frame that is not UTF-8 closes it with 1007; one over 64 KiB with 1009', async () => {
    const broken = await hal.oldSocket(slug);
    opened.push(broken);
    broken.ws.send(invalidUtf8, { binary: false });
    await broken.waitFor('the close', () => broken.closeCode !== undefined);
    expect(broken.closeCode).toBe(1007);
    const big = await hal.oldSocket(slug);
    opened.push(big);
    big.send(JSON.stringify({ type: 'new_message', message: 'y'.repeat(MAX_FRAME) }));
    await big.waitFor('the close', () => big.closeCode !== undefined);
    expect(big.closeCode).toBe(1009);
  });
});

describe('afterwards', () => {
  it('the server is up, the bystanders never noticed, and only the old sends that were taken are stored', async () => {
    expect((await request(`${url}/healthz`, {})).status).toBe(200);
    const next = await say();
    await bystanderPage.waitFor(`#${next.seq}`, (f) => f.includes(`id="m-${next.seq}"`));
    await bystanderOld.waitFor('the message', () => bystanderOld.frames.some((f) => f.message_type === 'chat' && f.message === next.body));
    expect(bystanderPage.closed).toBe(false);
    expect(bystanderOld.closeCode).toBeUndefined();
    expect(bystanderOld.frames.filter((f) => f.message_type === 'error')).toEqual([]);
    const bodies = (await historyJson(hal, slug)).map((m) => m.body!);
    expect(bodies.filter((b) => !b.startsWith('still live ') && !b.startsWith('after '))).toEqual(['claims to be Ivy']);
    expect(bodies.filter((b) => b.startsWith('after '))).toHaveLength(10);
    expect(bodies).not.toContain('sent over the page socket');
    expect(bodies).not.toContain('inherited');
  });
});
