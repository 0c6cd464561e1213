import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../support/app.js';
import { Browser, validSignup } from '../../support/browser.js';
import { EventStreamClient } from '../../support/events.js';
import { Person } from '../../support/person.js';
import { startTestServers, type TestServers } from '../../support/server.js';
import { LiveClient } from '../../support/socket.js';
import WebSocket from 'ws';

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json', origin: 'http://localhost' };
const json = (browser: Browser, path: string, body: unknown) =>
  browser.send(path, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(body) });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('account requests per client address', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ RATE_LIMIT_AUTH_PER_IP: '3' });
  });
  afterAll(() => t.close());

  it('answers the fourth sign-in of a minute with 429, Retry-After and a form that keeps the name', async () => {
    const browser = new Browser(t.app);
    for (let i = 0; i < 3; i++) expect((await browser.post('/login/', { username: 'nobody', password: 'wrong password' })).status).toBe(401);
    const refused = await browser.post('/login/', { username: 'grace_h', password: 'secret words 42' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const page = await refused.text();
    expect(page).toContain('Too many attempts from your network');
    expect(page).toContain('value="grace_h"');
    expect(page).not.toContain('secret words 42');
    // The budget covers every account route, for JSON and the old API alike.
    expect((await json(browser, '/signup/', validSignup({ username: 'late_one' }))).status).toBe(429);
    expect((await browser.post('/guest/')).status).toBe(429);
    const api = await json(browser, '/api/token/', { username: 'x', password: 'y' });
    expect(api.status).toBe(429);
    expect((await api.json()).error).toMatch(/Wait \d+ seconds?/);
  });
});

describe('wrong passwords for one account', () => {
  let t: TestApp;
  const browser = () => new Browser(t.app);
  beforeAll(async () => {
    t = await createTestApp({ SIGNIN_FREE_FAILURES: '2' });
    await browser().post('/signup/', validSignup({ username: 'target_tom', password: 'the right password 1' }));
  });
  afterAll(() => t.close());

  const signIn = (username: string, password: string) => json(browser(), '/login/', { username, password });

  it('after the free failures, each try waits longer: 1 s, then 2 s; the right password then works', async () => {
    expect((await signIn('target_tom', 'guess one')).status).toBe(401);
    expect((await signIn('target_tom', 'guess two')).status).toBe(401);
    expect((await signIn('target_tom', 'guess three')).status).toBe(401); // third failure: the next waits 1 s
    const waiting = await signIn('target_tom', 'the right password 1');
    expect(waiting.status).toBe(429);
    expect(waiting.headers.get('retry-after')).toBe('1');
    expect((await waiting.json()).error).toContain('Too many wrong passwords for this username');
    await sleep(1100);
    expect((await signIn('TARGET_TOM', 'guess four')).status).toBe(401); // any letter case is the same account
    expect((await signIn('target_tom', 'guess five')).headers.get('retry-after')).toBe('2');
    await sleep(2100);
    expect((await signIn('target_tom', 'the right password 1')).status).toBe(200);
    // Success forgets the failures.
    expect((await signIn('target_tom', 'one slip')).status).toBe(401);
    expect((await signIn('target_tom', 'the right password 1')).status).toBe(200);
  });

  it('throttles a name that does not exist exactly like one that does, so the wait reveals nothing', async () => {
    for (let i = 0; i < 3; i++) expect((await signIn('ghost_gail', `guess ${i}`)).status).toBe(401);
    const waiting = await signIn('ghost_gail', 'guess 4');
    expect(waiting.status).toBe(429);
    expect(waiting.headers.get('retry-after')).toBe('1');
  });

  it('the old API token endpoint shares the same per-account count', async () => {
    const api = (password: string) => json(browser(), '/api/token/', { username: 'api_target', password });
    for (let i = 0; i < 3; i++) expect((await api(`nope ${i}`)).status).toBe(401);
    expect((await signIn('api_target', 'nope 4')).status).toBe(429);
  });
});

describe('messages per person', () => {
  let t: TestApp;
  let ada: Browser;
  beforeAll(async () => {
    t = await createTestApp({ RATE_LIMIT_MESSAGES: '3' });
    ada = new Browser(t.app);
    await ada.post('/signup/', validSignup({ username: 'fast_fingers' }));
  });
  afterAll(() => t.close());

  const stored = async () => ((await (await ada.get('/lobby/music/', { accept: 'application/json' })).json()).messages as unknown[]).length;

  it('past the limit a send is refused visibly, never dropped in silence, and nothing is stored', async () => {
    for (let i = 1; i <= 3; i++) expect((await json(ada, '/lobby/music/messages/', { body: `note ${i}` })).status).toBe(201);
    const viaJson = await json(ada, '/lobby/music/messages/', { body: 'note 4' });
    expect(viaJson.status).toBe(429);
    expect(Number(viaJson.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await viaJson.json()).fields.body).toMatch(/^Slow down/);

    // Without JavaScript: the room again, with the text kept and the reason beside it.
    const page = await ada.post('/lobby/music/messages/', { body: 'keep this text', client_id: 'nojs-4' });
    expect(page.status).toBe(429);
    const html = await page.text();
    expect(html).toMatch(/<textarea[^>]*>keep this text<\/textarea>/);
    expect(html).toContain('Slow down: you are sending faster than this room allows');

    // With htmx: a 429 live.js turns into an outbox entry retried after Retry-After.
    const htmx = await ada.post('/lobby/music/messages/', { body: 'htmx note', client_id: 'htmx-4' }, { 'hx-request': 'true' });
    expect(htmx.status).toBe(429);
    expect(htmx.headers.get('retry-after')).not.toBeNull();
    expect(await stored()).toBe(3);
  });

  it('edits and deletes count too', async () => {
    const edit = await ada.send('/lobby/music/messages/1/', { method: 'PATCH', headers: JSON_HEADERS, body: JSON.stringify({ body: 'changed' }) });
    expect(edit.status).toBe(429);
  });

  it('the budget comes back after the window (10 s)', async () => {
    await sleep(10_500);
    expect((await json(ada, '/lobby/music/messages/', { body: 'after the pause' })).status).toBe(201);
  }, 20_000);
});

describe('sockets and event streams per person', () => {
  let servers: TestServers;
  const opened: LiveClient[] = [];
  const url = () => servers.servers[0]!.url;
  beforeAll(async () => {
    servers = await startTestServers(1, { env: { SOCKETS_PER_USER: '2', REDIS_PREFIX: `limits_${randomBytes(4).toString('hex')}` } });
  });
  afterEach(() => {
    for (const client of opened.splice(0)) void client.close();
  });
  afterAll(() => servers.close());

  it('closes the socket over the quota with 1008 and the reason; a slot frees when one closes', async () => {
    const lea = await Person.signUp(url(), 'many_tabs', 'Lea');
    await lea.enter('game', opened);
    await lea.enter('study', opened);
    const third = await lea.open('/lobby/movie/ws/');
    opened.push(third);
    await third.waitForClose();
    expect(third.closeCode).toBe(1008);
    // An event stream counts as well.
    const stream = await fetch(`${url()}/lobby/game/events/`, { headers: { cookie: lea.cookie, accept: 'text/event-stream' } });
    expect(stream.status).toBe(429);
    expect(await stream.text()).toContain('Too many open connections');
    // Someone else is not affected.
    const max = await Person.signUp(url(), 'one_tab', 'Max');
    await max.enter('game', opened);

    await opened.shift()!.close();
    await sleep(200);
    const again = await lea.enter('movie', opened);
    expect(again.closed).toBe(false);
    const events = await EventStreamClient.open(`${url()}/lobby/game/events/`, { cookie: lea.cookie });
    events.close();
  });
});

describe('messages per person over the old socket protocol', () => {
  let servers: TestServers;
  beforeAll(async () => {
    servers = await startTestServers(1, { env: { RATE_LIMIT_MESSAGES: '2', REDIS_PREFIX: `limits_${randomBytes(4).toString('hex')}` } });
  });
  afterAll(() => servers.close());

  it('answers a message over the limit with an error frame saying so, and stores only what was allowed', async () => {
    const url = servers.servers[0]!.url;
    const post = (path: string, body: unknown) => fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const account = validSignup({ username: 'old_speedy' });
    expect((await post('/api/signup/', account)).status).toBe(200);
    const { access } = await (await post('/api/token/', { username: account.username, password: account.password })).json();
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws/chat/study/?token=${access}`);
    const frames: Array<{ message_type: string; message: unknown }> = [];
    ws.on('message', (data) => frames.push(JSON.parse(String(data))));
    await new Promise((resolve) => ws.once('open', resolve));
    for (const text of ['a', 'b', 'c']) ws.send(JSON.stringify({ type: 'new_message', message: text }));
    await expect.poll(() => frames.filter((frame) => ['chat', 'error'].includes(frame.message_type)).length, { timeout: 5000 }).toBe(3);
    const error = frames.find((frame) => frame.message_type === 'error');
    expect(error?.message).toMatch(/^Slow down: this message was not sent\. You can send again in \d+ seconds?\.$/);
    expect(frames.filter((frame) => frame.message_type === 'chat').map((frame) => frame.message)).toEqual(['a', 'b']);
    ws.close();
  });
});
