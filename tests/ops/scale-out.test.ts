import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/process.js';
import { Cleanup } from './support/cleanup.js';
import { type EventStream, Site, type Socket, waitUntil } from './support/client.js';
import { type Instance, logLines, startTogether } from './support/instance.js';
import { type Proxy, startNginx } from './support/nginx.js';
import { createRoom, type Message, type Person, readRoom, sendMessage, signUpInBrowser, signUpWithApi } from './support/people.js';
import { createDatabase } from './support/postgres.js';
import { deleteRedisKeys } from './support/redis.js';

/*
 * docs/OPERATIONS.md, "Scaling out": Debian's nginx with docs/nginx/hubbub.conf (TLS, WebSocket
 * upgrade, SSE unbuffered) in front of two built instances sharing one PostgreSQL database and one
 * Redis. Everything the people do goes through nginx; nobody talks to an instance directly.
 */

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const cleanup = new Cleanup();
let site: Site;
let proxy: Proxy;
let instances: Instance[];
let httpPort: number;

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hubbub-scale-out-'));
  cleanup.add(() => rm(dir, { recursive: true, force: true }));
  const [certificate, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', certificate], { stdio: 'pipe' });
  const httpsPort = await freePort();
  httpPort = await freePort();
  site = new Site(`https://127.0.0.1:${httpsPort}`, await readFile(certificate, 'utf8'));

  const database = await createDatabase('scale');
  cleanup.add(database.drop);
  const prefix = `hubbub-ops-${randomBytes(4).toString('hex')}`;
  cleanup.add(() => deleteRedisKeys(REDIS_URL, prefix));
  // The guide's scaled start: one database, one Redis, the public origin, nginx as the trusted proxy.
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_PREFIX: prefix,
    PUBLIC_ORIGIN: site.origin,
    TRUSTED_PROXIES: '127.0.0.1',
    SECRET: randomBytes(36).toString('base64'),
  };
  instances = await startTogether([env, env], cleanup);

  proxy = await startNginx({ dir, httpsPort, httpPort, certificate, key, upstreams: instances.map((i) => `127.0.0.1:${i.port}`) });
  cleanup.add(() => proxy.stop());
  for (let tries = 0; ; tries++) {
    const ready = await site.request('GET', '/readyz').then((reply) => reply.status === 200, () => false);
    if (ready) break;
    if (tries > 100) throw new Error(`nginx never answered:\n${proxy.errorLog()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
});

afterAll(() => cleanup.run());

/** The message seqs in the page socket's frames, in the order they came (one per `<li id="m-N">`). */
const pageSeqs = (socket: Socket) => socket.frames.flatMap((frame) => [...frame.matchAll(/<li id="m-(\d+)"/g)].map((m) => Number(m[1])));
/** The texts of the old protocol's `chat` frames, in the order they came. */
const oldChats = (socket: Socket) =>
  socket.frames.map((frame) => JSON.parse(frame) as { message_type: string; message: string; username: string }).filter((f) => f.message_type === 'chat');
/** The seqs of the stream's `message` events, in the order they came. */
const streamSeqs = (stream: EventStream) =>
  stream.events.filter((e) => e.event === 'message').map((e) => (JSON.parse(e.data) as Message).seq);
/** How many WebSockets of this person each instance logged as opened. */
const socketsOf = (person: Person, among = instances) =>
  among.map((instance) => logLines(instance).filter((line) => line.event === 'socket-open' && line.kind !== 'events' && line.userId === person.id).length);

describe('nginx in front of two instances', () => {
  let ada: Person;
  let bob: Person;
  let room: string;
  let adaPage: Socket;
  let bobOld: Socket;

  it('two people chat through nginx, each on their own instance: live, in order, exactly once; an event stream too', async () => {
    ada = await signUpInBrowser(site, 'Ada');
    bob = await signUpWithApi(site, 'Bob');
    room = await createRoom(site, ada, 'Night Shift');

    // Ada as the room page does (cookie, Origin); Bob as the old app's client; then Bob's event stream.
    adaPage = await site.socket(`/lobby/${room}/ws/?after=0`, { cookie: ada.cookie!, origin: site.origin });
    bobOld = await site.socket(`/ws/chat/${room}/?token=${bob.access}`);
    await waitUntil("Bob's history", () => bobOld.frames.some((f) => f.includes('"old_data"')));
    const stream = site.events(`/lobby/${room}/events/`, { authorization: `Bearer ${bob.access}` });
    await waitUntil('the event stream to start', () => stream.events.some((e) => e.event === 'ready'));

    // Nginx gave the two sockets to different instances (least_conn), as each instance's log shows.
    await waitUntil('both sockets logged', () => socketsOf(ada).some(Boolean) && socketsOf(bob).some(Boolean));
    const [adaAt, bobAt] = [socketsOf(ada), socketsOf(bob)];
    expect([adaAt, bobAt]).toContainEqual([1, 0]);
    expect(bobAt).toEqual([...adaAt].reverse());

    const texts = ['Ada: anyone on call tonight?', 'Bob: me, until six', 'Ada: the queue is backing up', 'Bob: on it'];
    for (const [i, text] of texts.entries()) {
      if (i % 2 === 0) await sendMessage(site, ada, room, text);
      else bobOld.send({ type: 'new_message', message: text });
      await waitUntil(`"${text}" everywhere`, () =>
        pageSeqs(adaPage).length > i && oldChats(bobOld).length > i && streamSeqs(stream).length > i);
    }

    const stored = await readRoom(site, bob, room);
    expect(stored.map((m) => m.body)).toEqual(texts);
    const seqs = stored.map((m) => m.seq);
    expect(pageSeqs(adaPage)).toEqual(seqs);
    for (const message of stored) expect(adaPage.frames.join('')).toContain(message.body);
    expect(oldChats(bobOld).map((f) => [f.username, f.message])).toEqual(stored.map((m) => [m.author.username, m.body]));
    expect(streamSeqs(stream)).toEqual(seqs);
    stream.close();
  });

  it("an instance stopped with SIGTERM: its person's socket is told 1012, reconnects through nginx to the other, and misses nothing", async () => {
    const adaIndex = socketsOf(ada).findIndex(Boolean);
    const [adaInstance, other] = [instances[adaIndex]!, instances[1 - adaIndex]!];
    const seen = Math.max(...pageSeqs(adaPage));

    expect(await adaInstance.stop()).toBe(0);
    await waitUntil("Ada's socket to close", () => adaPage.closeCode !== undefined);
    expect(adaPage.closeCode).toBe(1012);
    expect(bobOld.closeCode).toBeUndefined();

    // While Ada is away Bob goes on; then Ada reconnects as the page does, from the last message it shows.
    bobOld.send({ type: 'new_message', message: 'Bob: did everyone get that?' });
    await waitUntil("Bob's message back on his socket", () => oldChats(bobOld).length === 5);
    const back = await site.socket(`/lobby/${room}/ws/?after=${seen}`, { cookie: ada.cookie!, origin: site.origin });
    await waitUntil('the catch-up', () => pageSeqs(back).length === 1);
    await sendMessage(site, ada, room, 'Ada: back, a blip');
    await waitUntil("Ada's message at Bob's", () => oldChats(bobOld).length === 6);
    await waitUntil("Ada's message on her new socket", () => pageSeqs(back).length === 2);

    const stored = await readRoom(site, ada, room);
    expect(pageSeqs(back)).toEqual(stored.slice(-2).map((m) => m.seq));
    expect(oldChats(bobOld).map((f) => f.message)).toEqual(stored.map((m) => m.body));
    expect(socketsOf(ada, [other])).toEqual([1]);
    expect((await site.request('GET', '/readyz')).status).toBe(200);
    back.close();
    bobOld.close();
  });

  it("the instances log the client's own address, not nginx's and not one the client wrote itself", async () => {
    // From 127.0.0.2 (another machine, as far as anyone can tell), claiming to be someone else.
    const reply = await site.request('GET', `/lobby/${room}/events/`, {
      headers: { accept: 'text/event-stream', 'x-forwarded-for': '198.51.100.7' },
      localAddress: '127.0.0.2',
    });
    expect(reply.status).toBe(401);
    const refusals = () => instances.flatMap(logLines).filter((line) => line.event === 'refused' && String(line.path).startsWith(`/lobby/${room}/events`));
    await waitUntil(() => `the refusal logged; the logs end:\n${instances.map((i) => i.output().slice(-2000)).join('\n')}`, () => refusals().length > 0);
    const [refusal] = refusals();
    expect(refusal?.address).toBe('127.0.0.2');
    // nginx names the request (its $request_id); the instance keeps that id in its answer and its log.
    const requestId = reply.headers['x-request-id'];
    expect(requestId).toMatch(/^[0-9a-f]{32}$/);
    const logged = () => instances.flatMap(logLines).filter((line) => line.event === 'request' && line.requestId === requestId);
    await waitUntil(() => `the request ${requestId} logged`, () => logged().length > 0);
    expect(logged()).toMatchObject([{ status: 401, address: '127.0.0.2', route: '/lobby/*' }]);
  });

  it('plain http is sent to https', async () => {
    const reply = await new Site(`http://127.0.0.1:${httpPort}`).request('GET', '/lobby/');
    expect(reply.status).toBe(301);
    expect(reply.headers.location).toBe('https://127.0.0.1/lobby/');
  });
});
