import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validSignup } from '../../support/browser.js';
import { Person } from '../../support/person.js';
import { startTestServers, type TestServers } from '../../support/server.js';
import { hasItem, type LiveClient } from '../../support/socket.js';

// What an operator's Prometheus scrapes from /metrics while people chat: open connections, messages
// accepted and refused, delivery latency, the bus, catch-ups and HTTP durations.
const TOKEN = 'metrics-test-token-0123456789';

let running: TestServers;
let url: string;
let ada: Person;
let bob: Person;
const open: LiveClient[] = [];

beforeAll(async () => {
  running = await startTestServers(1, { env: { METRICS_TOKEN: TOKEN, SECRET: 'metrics-test-secret-0123456789abcdef' } });
  url = running.servers[0]!.url;
  ada = await Person.signUp(url, 'ada_metrics', 'Ada');
  bob = await Person.signUp(url, 'bob_metrics', 'Bob');
});
afterAll(async () => {
  await Promise.allSettled(open.map((client) => client.close()));
  await running?.close();
});

async function scrape(): Promise<string> {
  const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(response.status).toBe(200);
  return response.text();
}

/** One sample's value: `name{labels} value`, labels in any order; 0 when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => have[key] === value)) return Number(match[3]);
  }
  return 0;
}

/** Waits until the scrape shows `want` (counters move just after the answer that caused them). */
async function until(check: (text: string) => boolean): Promise<string> {
  for (let i = 0; ; i++) {
    const text = await scrape();
    if (check(text) || i === 50) return text;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('/metrics', () => {
  it('needs the bearer token from METRICS_TOKEN', async () => {
    const none = await fetch(`${url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    const wrong = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain('hubbub_');
    // A signed-in person is not an operator.
    expect((await fetch(`${url}/metrics`, { headers: { cookie: ada.cookie } })).status).toBe(401);
    const right = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(right.status).toBe(200);
    expect(right.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await right.text();
    expect(text).toContain('# TYPE hubbub_delivery_seconds histogram');
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it('announces each arrival of a crowd once, with no separate event for the list of people, and nudges the lobbies', async () => {
    const slug = await ada.createRoom('Metered Crowd');
    const crowd = await Promise.all(Array.from({ length: 6 }, (_, i) => Person.signUp(url, `crowd_metrics_${i}`, `Crowd${i}`)));
    const before = await scrape();
    const tabs = await Promise.all(crowd.map((who) => who.enter(slug, open)));
    await Promise.all(tabs.map((tab) => tab.waitFor('all six listed', (frame) => frame.includes('<span class="count">6</span>'))));
    const after = await until((text) => sample(text, 'hubbub_bus_published_total', { type: 'lobby' }) > sample(before, 'hubbub_bus_published_total', { type: 'lobby' }));
    const moved = (type: string) => sample(after, 'hubbub_bus_published_total', { type }) - sample(before, 'hubbub_bus_published_total', { type });
    // A notice also refreshes the room's list of people: no separate event for it.
    expect(moved('notice')).toBe(6);
    expect(moved('presence')).toBe(0);
    // Arrivals within 50 ms share a nudge (tests/unit/lobby-nudge.test.ts): here, however the six spread out, at most one each.
    expect(moved('lobby')).toBeGreaterThanOrEqual(1);
    expect(moved('lobby')).toBeLessThanOrEqual(6);
  });

  it('counts open sockets by kind while they are open', async () => {
    const slug = await ada.createRoom('Metered Sockets');
    const before = await scrape();
    const tab = await ada.enter(slug, open);
    const lobby = await ada.open('/lobby/ws/');
    open.push(lobby);
    const during = await scrape();
    expect(sample(during, 'hubbub_open_connections', { kind: 'room' })).toBe(sample(before, 'hubbub_open_connections', { kind: 'room' }) + 1);
    expect(sample(during, 'hubbub_open_connections', { kind: 'lobby' })).toBe(sample(before, 'hubbub_open_connections', { kind: 'lobby' }) + 1);
    await tab.close();
    await lobby.close();
    const after = await until((text) => sample(text, 'hubbub_open_connections', { kind: 'lobby' }) === sample(before, 'hubbub_open_connections', { kind: 'lobby' }));
    expect(sample(after, 'hubbub_open_connections', { kind: 'room' })).toBe(sample(before, 'hubbub_open_connections', { kind: 'room' }));
    expect(sample(after, 'hubbub_open_connections', { kind: 'lobby' })).toBe(sample(before, 'hubbub_open_connections', { kind: 'lobby' }));
  });

  it('counts messages accepted and refused, times their delivery, and counts the bus', async () => {
    const slug = await ada.createRoom('Metered Messages');
    const bobTab = await bob.enter(slug, open);
    const before = await scrape();
    const seq = await ada.say(slug, 'counted once');
    await bobTab.waitFor('the message', hasItem(seq, 'counted once'));
    expect((await ada.request('POST', `/lobby/${slug}/messages/`, { body: '' })).status).toBe(422);
    expect((await bob.edit(slug, seq, 'not yours')).status).toBe(403);
    expect((await ada.edit(slug, seq, 'counted, edited')).status).toBe(200);
    await bobTab.waitFor('the edit', hasItem(seq, 'counted, edited'));
    // The nudges come back over Redis after the local delivery: wait for those counts too.
    const grown = (text: string, name: string, labels: Record<string, string> = {}) => sample(text, name, labels) - sample(before, name, labels) >= 2;
    const after = await until(
      (text) =>
        grown(text, 'hubbub_delivery_seconds_count') && grown(text, 'hubbub_bus_published_total', { type: 'change' }) && grown(text, 'hubbub_bus_received_total', { type: 'change' }),
    );

    const moved = (name: string, labels: Record<string, string> = {}) => sample(after, name, labels) - sample(before, name, labels);
    expect(moved('hubbub_messages_accepted_total', { action: 'send', via: 'http' })).toBe(1);
    expect(moved('hubbub_messages_accepted_total', { action: 'edit', via: 'http' })).toBe(1);
    expect(moved('hubbub_messages_rejected_total', { action: 'send', via: 'http', reason: 'invalid' })).toBe(1);
    expect(moved('hubbub_messages_rejected_total', { action: 'edit', via: 'http', reason: 'forbidden' })).toBe(1);
    // The send and the edit each reached Bob's socket once: two deliveries timed, within seconds.
    expect(moved('hubbub_delivery_seconds_count')).toBe(2);
    expect(moved('hubbub_delivery_seconds_bucket', { le: '10' })).toBe(2);
    // Each change nudged the room's channel once, and this instance heard its own nudges.
    expect(moved('hubbub_bus_published_total', { type: 'change' })).toBe(2);
    expect(moved('hubbub_bus_received_total', { type: 'change' })).toBe(2);
    expect(sample(after, 'hubbub_http_request_duration_seconds_count', { method: 'POST', route: '/lobby/:room/messages', status: '201' })).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'hubbub_http_request_duration_seconds_count', { method: 'POST', route: '/lobby/:room/messages', status: '422' })).toBeGreaterThanOrEqual(1);
  });

  it('counts a reconnect that catches up, and the changes it was sent', async () => {
    const slug = await ada.createRoom('Metered Catch-up');
    const first = await ada.say(slug, 'one');
    await ada.say(slug, 'two');
    await ada.say(slug, 'three');
    const before = await scrape();
    // A page that shows only the first message reconnects and is sent the two it missed.
    const tab = await bob.enter(slug, open, first);
    expect(tab.itemSeqs()).toEqual([first + 1, first + 2]);
    const after = await scrape();
    expect(sample(after, 'hubbub_catchup_replays_total') - sample(before, 'hubbub_catchup_replays_total')).toBe(1);
    expect(sample(after, 'hubbub_catchup_replayed_changes_total') - sample(before, 'hubbub_catchup_replayed_changes_total')).toBe(2);
    // A replay is not a delivery of something new: it is not timed.
    expect(sample(after, 'hubbub_delivery_seconds_count')).toBe(sample(before, 'hubbub_delivery_seconds_count'));
  });

  it('counts old-protocol sends and refusals', async () => {
    const tokens = await fetch(`${url}/api/token/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'ada_metrics', password: validSignup().password }) });
    const { access } = (await tokens.json()) as { access?: string };
    expect(access).toEqual(expect.any(String));
    const before = await scrape();
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ws/chat/game/?token=${access}`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send('not json');
    ws.send(JSON.stringify({ type: 'new_message', message: 'from the old client' }));
    const after = await until((text) => sample(text, 'hubbub_messages_accepted_total', { action: 'send', via: 'legacy' }) > sample(before, 'hubbub_messages_accepted_total', { action: 'send', via: 'legacy' }));
    ws.terminate();
    const moved = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
    expect(moved('hubbub_messages_accepted_total', { action: 'send', via: 'legacy' })).toBe(1);
    expect(moved('hubbub_messages_rejected_total', { action: 'send', via: 'legacy', reason: 'invalid' })).toBe(1);
    expect(moved('hubbub_open_connections', { kind: 'legacy' })).toBe(1);
  });
});

describe('METRICS_PORT', () => {
  let separate: TestServers;
  beforeAll(async () => {
    separate = await startTestServers(1, { env: { METRICS_PORT: '0', METRICS_TOKEN: TOKEN } });
  });
  afterAll(() => separate?.close());

  it('serves /metrics on its own listener, and the main port has none', async () => {
    const server = separate.servers[0]!;
    expect(server.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
    expect((await fetch(server.metricsUrl!)).status).toBe(401);
    const scraped = await fetch(server.metricsUrl!, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('hubbub_open_connections');
    expect((await fetch(server.metricsUrl!.replace('/metrics', '/'))).status).toBe(404);
  });
});
