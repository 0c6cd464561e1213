import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { messages, rooms } from '../../src/db/schema.js';
import {
  createRoom,
  type EmbeddedServer,
  type Guest,
  killDuringRecovery,
  readLog,
  type Send,
  sendMessage,
  signInGuest,
  startEmbedded,
  type StoredMessage,
  Traffic,
  waitUntil,
} from './support/embedded.js';

/*
 * Embedded mode (PGlite under DATA_DIR, no DATABASE_URL): the server process is killed with SIGKILL
 * in the middle of steady message traffic, several times over the same data directory. A message
 * whose send was answered 201 must be there after the restart with the same seq, body and author;
 * the room's seqs stay contiguous; a send that was never answered, retried with its client_id, is
 * stored exactly once.
 *
 * PGlite never calls fsync (it runs PostgreSQL with -F, and its Node file system has no fsync), but
 * every commit writes its WAL page to the file with pwrite before the answer goes out, so the data
 * is in the kernel's page cache and survives the death of the process (not of the machine).
 */

const GUESTS = 4;
const SENDS_PER_SECOND = 150;
const MAX_IN_FLIGHT = 32;
const MIN_IN_FLIGHT = 3;
const ROUNDS = 3;

let dataDir: string;
let server: EmbeddedServer | undefined;
let guests: Guest[];
let slug: string;
/** Every send of every round, by client_id. */
const sends = new Map<string, Send>();

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'hubbub-embedded-kill-'));
  server = await startEmbedded(dataDir);
  guests = [];
  for (let i = 0; i < GUESTS; i++) guests.push(await signInGuest(server.url));
  slug = await createRoom(server.url, guests[0]!, 'Crash Test');
});

afterAll(async () => {
  await server?.kill().catch(() => {});
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

interface Check {
  /** Acknowledged sends missing, or stored at another seq, with another body or author. */
  lost: Array<{ clientId: string; seq: number; found: string }>;
  /** Seqs that should hold a message but do not (1..max). */
  holes: number[];
  /** Stored messages that no send of this test produced, or stored twice. */
  phantoms: Array<{ seq: number; body: string | null }>;
  duplicates: string[];
  /** Stored messages whose updated_seq differs from seq (nothing was edited). */
  changed: number[];
}

const clientIdOf = (body: string | null) => body?.split(' ')[1] ?? '';

/** Compares the stored log with what the clients were told. */
function check(log: StoredMessage[], everySend: Map<string, Send>): Check {
  const bySeq = new Map(log.map((m) => [m.seq, m]));
  const max = log.reduce((top, m) => Math.max(top, m.seq), 0);
  const holes: number[] = [];
  for (let seq = 1; seq <= max; seq++) if (!bySeq.has(seq)) holes.push(seq);
  const lost: Check['lost'] = [];
  for (const send of everySend.values()) {
    if (send.seq === undefined) continue;
    const stored = bySeq.get(send.seq);
    if (!stored) lost.push({ clientId: send.clientId, seq: send.seq, found: 'nothing' });
    else if (stored.body !== send.body) lost.push({ clientId: send.clientId, seq: send.seq, found: `body ${JSON.stringify(stored.body?.slice(0, 80))}` });
    else if (stored.author.username !== send.guest.username) lost.push({ clientId: send.clientId, seq: send.seq, found: `author ${stored.author.username}` });
  }
  const seen = new Map<string, number>();
  const phantoms: Check['phantoms'] = [];
  for (const m of log) {
    const id = clientIdOf(m.body);
    seen.set(id, (seen.get(id) ?? 0) + 1);
    if (everySend.get(id)?.body !== m.body) phantoms.push({ seq: m.seq, body: m.body?.slice(0, 80) ?? null });
  }
  const duplicates = [...seen].filter(([, count]) => count > 1).map(([id]) => id);
  const changed = log.filter((m) => m.updated_seq !== m.seq).map((m) => m.seq);
  lost.sort((a, b) => a.seq - b.seq);
  return { lost, holes, phantoms, duplicates, changed };
}

function expectIntact(result: Check) {
  expect(result.lost, 'acknowledged messages lost or altered').toEqual([]);
  expect(result.holes, 'holes in the seqs').toEqual([]);
  expect(result.phantoms, 'messages nobody sent').toEqual([]);
  expect(result.duplicates, 'client_ids stored more than once').toEqual([]);
  expect(result.changed, 'messages whose updated_seq moved').toEqual([]);
}

describe('embedded PGlite: SIGKILL in the middle of traffic', () => {
  for (let round = 1; round <= ROUNDS; round++) {
    it(`kill ${round} of ${ROUNDS}: every acknowledged message survives, seqs stay contiguous, retries are stored once`, async () => {
      if (!server) throw new Error('an earlier round left no server running');
      const running = server;
      const target = 300 + Math.floor(Math.random() * 200);
      const traffic = new Traffic(running.url, slug, guests, `round${round}`, SENDS_PER_SECOND, MAX_IN_FLIGHT);
      onTestFinished(() => void traffic.halt());
      const trafficStart = Date.now();
      const failBefore = () => traffic.sends.filter((s) => s.status !== undefined && s.status !== 201);
      await waitUntil(`${target} acknowledged sends`, () => failBefore().length > 0 || traffic.acknowledged.length >= target, 90_000);
      // Kill when several sends are open at once, so some are sure to be unanswered.
      const reached = Date.now();
      await waitUntil(`${MIN_IN_FLIGHT} sends in flight`, () => failBefore().length > 0 || traffic.inFlight >= MIN_IN_FLIGHT, 60_000);
      const waitedForInFlightMs = Date.now() - reached;
      expect(failBefore().map((s) => s.error), 'sends refused before the kill').toEqual([]);

      // Stop launching, then kill at once: what was sent and not yet answered is in flight. An answer
      // the server wrote before it died may still be read after the kill; it counts as acknowledged.
      const inFlightAtKill = traffic.halt();
      await running.kill();
      await traffic.settle();
      const trafficMs = Date.now() - trafficStart;
      server = undefined;
      for (const send of traffic.sends) sends.set(send.clientId, send);
      const acked = traffic.acknowledged.length;
      const unanswered = traffic.sends.filter((s) => s.seq === undefined);
      expect(acked).toBeGreaterThanOrEqual(target);
      expect(unanswered.length, 'sends in flight at the kill').toBeGreaterThan(0);
      expect(unanswered.filter((s) => s.status !== undefined).map((s) => s.error), 'sends refused by the server').toEqual([]);

      // From the second kill on, the restart itself is killed too, while PGlite replays the WAL or
      // writes the data pages at the end of recovery: the next start recovers from a torn recovery.
      let recoveryKill: Awaited<ReturnType<typeof killDuringRecovery>> | undefined;
      if (round >= 2) recoveryKill = await killDuringRecovery(dataDir, round % 2 === 0 ? 'in crash recovery' : 'shutting down');

      server = await startEmbedded(dataDir);
      const before = await readLog(server.url, guests[0]!, slug);
      expectIntact(check(before, sends));
      const storedBeforeRetry = new Set(before.map((m) => clientIdOf(m.body)));

      // The unanswered sends, retried with their client_id: 200 with the original if the commit got
      // to the WAL before the kill, 201 (a new seq) if it did not.
      const retried = { original: 0, created: 0 };
      const beforeMax = before.at(-1)?.seq ?? 0;
      for (const send of unanswered) {
        const retry: Send = { ...send, seq: undefined, status: undefined, error: undefined };
        await sendMessage(server.url, slug, retry);
        if (storedBeforeRetry.has(send.clientId)) {
          expect(retry.status, `retry of ${send.clientId} (stored before the kill): ${retry.error}`).toBe(200);
          expect(retry.seq).toBe(before.find((m) => clientIdOf(m.body) === send.clientId)?.seq);
          retried.original++;
        } else {
          expect(retry.status, `retry of ${send.clientId} (not stored): ${retry.error}`).toBe(201);
          expect(retry.seq).toBeGreaterThan(beforeMax);
          retried.created++;
        }
        expect(retry.answeredBody).toBe(send.body);
        send.seq = retry.seq;
        send.status = retry.status;
      }
      // The sends answered last before the kill, retried as if their answer had been lost: the
      // original comes back (200, same seq) and nothing new is stored.
      for (const send of traffic.acknowledged.slice(-10)) {
        const retry: Send = { ...send, seq: undefined, status: undefined, error: undefined };
        await sendMessage(server.url, slug, retry);
        expect([retry.status, retry.seq, retry.answeredBody], `retry of acknowledged ${send.clientId}`).toEqual([200, send.seq, send.body]);
      }
      const after = await readLog(server.url, guests[0]!, slug);
      expectIntact(check(after, sends));
      expect(after.map((m) => clientIdOf(m.body)).sort()).toEqual([...sends.keys()].sort());

      console.log(
        `kill ${round}: ${acked} acknowledged in ${trafficMs} ms (${Math.round((acked / trafficMs) * 1000)}/s), ` +
          `${inFlightAtKill} in flight at the kill (${unanswered.length} never answered; waited ${waitedForInFlightMs} ms for ${MIN_IN_FLIGHT}), of which ${retried.original} had been stored (retry: 200) and ` +
          `${retried.created} had not (retry: 201); ` +
          (recoveryKill === undefined
            ? ''
            : `restart killed ${recoveryKill.hit ? 'at' : 'after'} "${recoveryKill.states.at(-1)}" (pg_control: ${recoveryKill.states.join(' → ')}; left "${recoveryKill.left}"); `) +
          `restart healthy in ${server.startMs} ms; room log now ${after.length} messages, seqs 1..${after.at(-1)?.seq}`,
      );
    });
  }

  it('after a clean stop, the files on disk agree: rooms.last_seq = the number of messages = the highest seq', async () => {
    if (!server) throw new Error('an earlier round left no server running');
    await server.stop();
    server = undefined;
    const database = await openDatabase({ dataDir });
    try {
      const { db } = database;
      const [room] = await db.select({ id: rooms.id, lastSeq: rooms.lastSeq }).from(rooms).where(eq(rooms.slug, slug));
      const [counts] = await db
        .select({
          n: sql<number>`count(*)::int`,
          min: sql<number>`min(${messages.seq})::int`,
          max: sql<number>`max(${messages.seq})::int`,
          ids: sql<number>`count(distinct ${messages.clientId})::int`,
        })
        .from(messages)
        .where(eq(messages.roomId, room!.id));
      const acknowledged = [...sends.values()].filter((s) => s.seq !== undefined).length;
      expect(acknowledged).toBe(sends.size);
      expect(counts).toEqual({ n: sends.size, min: 1, max: sends.size, ids: sends.size });
      expect(room!.lastSeq).toBe(sends.size);
      // The same rows read by a full scan of the table (the history pages came through the index).
      await db.execute(sql`set enable_indexscan = off`);
      await db.execute(sql`set enable_bitmapscan = off`);
      const scanned = await db
        .select({ seq: messages.seq, body: messages.body, client_id: messages.clientId })
        .from(messages)
        .where(eq(messages.roomId, room!.id))
        .orderBy(messages.seq);
      const wrong = scanned.filter((row) => sends.get(row.client_id ?? '')?.seq !== row.seq || sends.get(row.client_id ?? '')?.body !== row.body);
      expect(wrong.map((row) => row.seq)).toEqual([]);
      expect(scanned).toHaveLength(sends.size);
    } finally {
      await database.close();
    }
    console.log(`on disk after ${ROUNDS} kills: ${sends.size} messages, seqs 1..${sends.size}, rooms.last_seq ${sends.size}`);
  });
});
