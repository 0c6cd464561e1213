import { createHash } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveClient } from '../support/socket.js';
import { createRoom, type Guest, signInGuest } from './support/guests.js';
import { guaranteeReport, writeReport } from './support/report.js';
import { type Stack, startStack } from './support/scenario.js';
import { sleep, waitUntil } from './support/util.js';

// A session that runs out while its sockets are open, on two instances: every socket it opened (room
// pages and the lobby, on both instances) is closed with 4001 — which tells the page it is signed out
// and must not reconnect — within a second of the expiry, while a person still active keeps theirs.
// (tests/integration/realtime/session-end.test.ts checks one in-process server.) Sessions here end
// after 3 s without use.
const IDLE_TIMEOUT_S = 3;
const CLOSE_SIGNED_OUT = 4001;
const BOUND_MS = 1_000;

describe('a session expiring while its sockets are open', () => {
  let stack: Stack;
  const opened: LiveClient[] = [];
  beforeAll(async () => {
    stack = await startStack({ env: { SESSION_IDLE_TIMEOUT: String(IDLE_TIMEOUT_S) } });
  });
  afterAll(async () => {
    await Promise.allSettled(opened.map((client) => client.close()));
    await stack?.close();
  });

  it('closes its room and lobby sockets on every instance with 4001 within a second; an active session keeps its own', async () => {
    const urls = stack.cluster.urls;
    const began = Date.now();
    const [leaving, staying] = [await signInGuest(urls[0]!), await signInGuest(urls[1]!)];
    const slug = await createRoom(urls[0]!, staying, 'Expiry');
    const open = async (guest: Guest, url: string, path: string) => {
      const client = await LiveClient.open(`${url}${path}`, { cookie: guest.cookie, origin: url });
      opened.push(client);
      return client;
    };
    const paths = [`/lobby/${slug}/ws/`, '/lobby/ws/'];
    const sockets = (guest: Guest) => Promise.all(urls.flatMap((url) => paths.map(async (path) => ({ where: `${path} on ${url}`, client: await open(guest, url, path) }))));
    const expiring = await sockets(leaving);
    const kept = await sockets(staying);
    // The person staying keeps using the site (every request pushes the idle expiry on).
    let active = true;
    const keepAlive = (async () => {
      while (active) {
        await fetch(`${urls[1]!}/lobby/`, { headers: { cookie: staying.cookie }, redirect: 'manual' }).catch(() => {});
        await sleep(300);
      }
    })();

    // When the session ends, as the database has it (opening the sockets may have pushed it on).
    const sql = postgres(stack.postgres.url, { max: 1, onnotice: () => {} });
    const expiresAt = async () => {
      const [row] = await sql<{ expires_at: Date }[]>`select expires_at from sessions where id = ${sessionId(leaving)}`;
      return row?.expires_at.getTime() ?? null;
    };
    const closedAt = new Map<LiveClient, number>();
    for (const { client } of expiring) void client.waitForClose(3 * IDLE_TIMEOUT_S * 1000 + 5_000).then(() => closedAt.set(client, Date.now()), () => {});
    let end: number | null = null;
    try {
      // Read until the row is gone (the last read before that is the expiry the server acted on).
      await waitUntil(async () => {
        const read = await expiresAt();
        if (read !== null) end = read;
        return closedAt.size === expiring.length;
      }, 3 * IDLE_TIMEOUT_S * 1000 + 5_000, 50);
      await sleep(1_000);
    } finally {
      active = false;
      await keepAlive;
      await sql.end({ timeout: 5 });
    }
    const lateness = expiring.map(({ client }) => (closedAt.has(client) && end !== null ? closedAt.get(client)! - end : null));
    const codes = expiring.map(({ client }) => client.closeCode ?? null);
    const keptOpen = kept.filter(({ client }) => !client.closed).length;
    const page = await fetch(`${urls[1]!}/lobby/${slug}/`, { headers: { cookie: leaving.cookie }, redirect: 'manual' });
    const known = lateness.filter((value): value is number => value !== null);
    const problems = [
      ...expiring.filter((_, i) => codes[i] !== CLOSE_SIGNED_OUT).map(({ where }, i) => `${where} closed with ${codes[i] ?? 'nothing'}, not 4001`),
      ...expiring.filter((_, i) => lateness[i] !== null && lateness[i]! > BOUND_MS).map(({ where }, i) => `${where} closed ${lateness[i]} ms after the expiry`),
      ...(keptOpen === kept.length ? [] : [`${kept.length - keptOpen} sockets of the active session closed too`]),
      ...(page.status === 303 ? [] : [`the expired session still opens the room page (${page.status})`]),
    ];
    writeReport(
      guaranteeReport({
        file: import.meta.url,
        scenario: 'session expires with sockets open on both instances',
        fault: `SESSION_IDLE_TIMEOUT=${IDLE_TIMEOUT_S}: a guest with a room and a lobby socket on each instance stops using the site; another keeps using it`,
        durationMs: Date.now() - began,
        instances: urls.length,
        figures: {
          sockets: expiring.length,
          'close codes': codes.join(' '),
          'closed after expiry ms (max)': known.length === expiring.length ? Math.max(...known) : null,
          'closed after expiry ms (min)': known.length > 0 ? Math.min(...known) : null,
          'active session sockets still open': `${keptOpen}/${kept.length}`,
        },
        problems,
      }),
    );
    expect(end, 'the session had an expiry in the database').not.toBeNull();
    expect(codes, 'close codes of the expired session’s sockets').toEqual(expiring.map(() => CLOSE_SIGNED_OUT));
    for (const [i, { where }] of expiring.entries()) expect(lateness[i], `${where}: closed this long after the expiry (ms)`).toBeLessThanOrEqual(BOUND_MS);
    expect(keptOpen, 'sockets of the active session still open').toBe(kept.length);
    expect(page.status, 'the expired session is signed out').toBe(303);
  });
});

/** The session's row id: the SHA-256 of the cookie's token, in hex. */
function sessionId(guest: Guest): string {
  return createHash('sha256').update(guest.cookie.split('=')[1]!).digest('hex');
}
