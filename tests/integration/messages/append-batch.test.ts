import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../src/db/client.js';
import { messages, rooms } from '../../../src/db/schema.js';
import { type Appended, appendMessage as append, RoomGone } from '../../../src/messages/queries.js';

/** What a sender is told: the seq and whether it was new (the new row's id and time: see "goes at once"). */
const appendMessage = async (...args: Parameters<typeof append>) => {
  const { seq, created } = await append(...args);
  return { seq, created };
};
import { insertRoom } from '../../../src/rooms/queries.js';
import { addPeople, openTestDatabase } from '../../support/database.js';

// Many people sending into one room at once: their messages share statements (group commit), and
// each must still get its own seq, in the order they sent, with retries stored once and no holes.
let database: Awaited<ReturnType<typeof openTestDatabase>>;
let db: Db;
let ada: number;
let bob: number;

beforeAll(async () => {
  database = await openTestDatabase();
  db = database.db;
  [ada, bob] = (await addPeople(db, 'ada', 'bob')) as [number, number];
});
afterAll(() => database.close());

let roomCount = 0;
async function newRoom(): Promise<number> {
  const slug = `room-${++roomCount}`;
  return (await insertRoom(db, { slug, name: slug, description: '', image: 'game', createdBy: null }))!.id;
}

/**
 * The same database, counting the statements the appends send through it (each one a round trip:
 * the batch's statement, a lone message's, and any read of stored retries beside them).
 */
function countingStatements(inner: Db) {
  let count = 0;
  const counted = new Proxy(inner, {
    get(target, property) {
      if (property !== 'execute') return Reflect.get(target, property, target);
      return (...args: Parameters<Db['execute']>) => {
        count++;
        return target.execute(...args);
      };
    },
  });
  return { db: counted, statements: () => count };
}

async function storedLog(roomId: number) {
  const rows = await db.select({ seq: messages.seq, body: messages.body }).from(messages).where(eq(messages.roomId, roomId)).orderBy(asc(messages.seq));
  const [room] = await db.select({ lastSeq: rooms.lastSeq }).from(rooms).where(eq(rooms.id, roomId));
  return { seqs: rows.map((row) => row.seq), bodies: rows.map((row) => row.body), lastSeq: room!.lastSeq };
}

const from = (first: number, count: number) => Array.from({ length: count }, (_, i) => first + i);

describe('many messages sent into one room at once', () => {
  it('are all stored, each at the seq its sender was told, in the order they were sent, with no holes', async () => {
    const roomId = await newRoom();
    for (const body of ['earlier 1', 'earlier 2']) await appendMessage(db, { roomId, authorId: ada, body, clientId: null });
    const counting = countingStatements(db);

    const answers = await Promise.all(
      from(0, 300).map((i) => append(counting.db, { roomId, authorId: i % 2 ? ada : bob, body: `burst ${i}`, clientId: `burst-${i}` })),
    );
    const sent = answers.map(({ seq, created }) => ({ seq, created }));

    expect(sent).toEqual(from(0, 300).map((i) => ({ seq: 3 + i, created: true })));
    // Each sender is told its own row's id, also in a shared statement.
    const ids = await db.select({ seq: messages.seq, id: messages.id }).from(messages).where(eq(messages.roomId, roomId));
    const idOf = new Map(ids.map((row) => [row.seq, row.id]));
    expect(answers.map((answer) => answer.row?.id)).toEqual(sent.map(({ seq }) => idOf.get(seq)));
    const log = await storedLog(roomId);
    expect(log.seqs).toEqual(from(1, 302));
    expect(log.bodies.slice(2)).toEqual(from(0, 300).map((i) => `burst ${i}`));
    expect(log.lastSeq).toBe(302);
    // The first goes at once on its own; the 299 that arrive meanwhile wait and share the next ones.
    expect(counting.statements()).toBeGreaterThan(1);
    expect(counting.statements()).toBeLessThanOrEqual(3);
  });

  it('a message to a quiet room goes at once, in its own statement', async () => {
    const roomId = await newRoom();
    const counting = countingStatements(db);
    const answer = await append(counting.db, { roomId, authorId: ada, body: 'hello?', clientId: 'lone' });
    expect(counting.statements()).toBe(1);
    // The sender is told the row as the database made it, without reading it back.
    const [stored] = await db.select().from(messages).where(eq(messages.roomId, roomId));
    expect(answer).toEqual({ seq: 1, created: true, row: { id: stored!.id, createdAt: stored!.createdAt } });
  });
});

describe('retries sent at the same time as the original', () => {
  it('store one message per client_id; every retry gets its seq, and only the first is "created"', async () => {
    const roomId = await newRoom();
    // 100 client_ids three times each: repeats inside one statement, and in a later one after the
    // original committed. Bob reuses one of Ada's client_ids: that is a different message.
    const sends = from(0, 300).map((i) => ({ roomId, authorId: ada, body: `said ${i % 100}`, clientId: `said-${i % 100}` }));
    sends.push({ roomId, authorId: bob, body: 'bob said 7', clientId: 'said-7' });
    const counting = countingStatements(db);

    const answers = await Promise.all(sends.map((input) => appendMessage(counting.db, input)));

    expect(answers.slice(0, 300)).toEqual(from(0, 300).map((i) => ({ seq: 1 + (i % 100), created: i < 100 })));
    expect(answers[300]).toEqual({ seq: 101, created: true });
    const log = await storedLog(roomId);
    expect(log.seqs).toEqual(from(1, 101));
    expect(log.bodies).toEqual([...from(0, 100).map((i) => `said ${i}`), 'bob said 7']);
    expect(log.lastSeq).toBe(101);
    // Retries are ordinary traffic: they must not break the room back into one statement each.
    expect(counting.statements()).toBeLessThanOrEqual(3);
  });

  it('a retry of a message stored earlier answers its seq and leaves no hole between its neighbours', async () => {
    const roomId = await newRoom();
    const kept = await appendMessage(db, { roomId, authorId: ada, body: 'kept', clientId: 'kept' });
    const counting = countingStatements(db);
    const send = (body: string, clientId: string) => appendMessage(counting.db, { roomId, authorId: ada, body, clientId });

    // The first goes alone; the other three share one statement.
    const answers = await Promise.all([send('first', 'first'), send('before', 'before'), send('kept again', 'kept'), send('after', 'after')]);

    expect(answers).toEqual([
      { seq: 2, created: true },
      { seq: 3, created: true },
      { seq: kept.seq, created: false },
      { seq: 4, created: true },
    ]);
    expect(counting.statements()).toBe(2);
    expect(await send('next', 'next')).toEqual({ seq: 5, created: true });
    const log = await storedLog(roomId);
    expect(log.bodies).toEqual(['kept', 'first', 'before', 'after', 'next']);
    expect(log.lastSeq).toBe(5);
  });
});

describe('sending into many rooms at once', () => {
  it('gives each room its own gap-free log, in the order its messages were sent', async () => {
    const roomIds = await Promise.all(from(0, 20).map(() => newRoom()));
    const counting = countingStatements(db);
    const sends = from(0, 50).flatMap((i) => roomIds.map((roomId) => ({ roomId, authorId: ada, body: `${roomId}:${i}`, clientId: null })));

    const answers = await Promise.all(sends.map((input) => appendMessage(counting.db, input)));

    expect(answers).toEqual(from(0, 50).flatMap((i) => roomIds.map(() => ({ seq: 1 + i, created: true }))));
    for (const roomId of roomIds) {
      const log = await storedLog(roomId);
      expect(log.bodies).toEqual(from(0, 50).map((i) => `${roomId}:${i}`));
      expect(log.seqs).toEqual(from(1, 50));
      expect(log.lastSeq).toBe(50);
    }
    expect(counting.statements()).toBeLessThan(sends.length / 10);
  });

  it('shares statements between rooms: one message into each of 30 rooms at once takes a few statements, not 30', async () => {
    const roomIds = await Promise.all(from(0, 30).map(() => newRoom()));
    const counting = countingStatements(db);
    // One client_id in every room, from one author: 30 different messages, none a retry of another.
    const sends = roomIds.map((roomId) => ({ roomId, authorId: ada, body: `hello ${roomId}`, clientId: 'hello' }));

    const answers = await Promise.all(sends.map((input) => appendMessage(counting.db, input)));

    expect(answers).toEqual(roomIds.map(() => ({ seq: 1, created: true })));
    for (const roomId of roomIds) expect((await storedLog(roomId)).bodies).toEqual([`hello ${roomId}`]);
    // The first two go at once, each alone; the other 28 wait for them and go together.
    expect(counting.statements()).toBeLessThanOrEqual(3);
    // A retry of each, together again: each answers its own room's message.
    const retries = await Promise.all(sends.map((input) => appendMessage(db, { ...input, body: 'hello again' })));
    expect(retries).toEqual(roomIds.map(() => ({ seq: 1, created: false })));
  });
});

describe('a message the database refuses', () => {
  it('into a room that does not exist: each sender gets an error, as before, and nothing is stored', async () => {
    const missing = 2_000_000_000;
    const roomId = await newRoom();
    const toMissing = from(0, 4).map((i) => appendMessage(db, { roomId: missing, authorId: ada, body: `lost ${i}`, clientId: i % 2 ? `lost-${i}` : null }));
    const toReal = from(0, 4).map((i) => appendMessage(db, { roomId, authorId: ada, body: `fine ${i}`, clientId: null }));

    const outcomes = await Promise.allSettled(toMissing);

    expect(outcomes.map((outcome) => outcome.status === 'rejected' && outcome.reason instanceof RoomGone)).toEqual([true, true, true, true]);
    expect(await db.select().from(messages).where(eq(messages.roomId, missing))).toEqual([]);
    expect((await Promise.all(toReal)).map((answer) => answer.seq)).toEqual([1, 2, 3, 4]);
  });

  it('does not take down the others sent with it: they are stored, in order, with no hole', async () => {
    const roomId = await newRoom();
    const send = (authorId: number, body: string) => appendMessage(db, { roomId, authorId, body, clientId: body });
    const nobody = 2_000_000_000;

    // The first goes alone; the other three share one statement, which the unknown author fails.
    const outcomes = await Promise.allSettled([send(ada, 'first'), send(ada, 'before'), send(nobody, 'from nobody'), send(bob, 'after')]);

    expect(outcomes.map(settledSeq)).toEqual([1, 2, 'rejected', 3]);
    const log = await storedLog(roomId);
    expect(log.bodies).toEqual(['first', 'before', 'after']);
    expect(log.lastSeq).toBe(3);
  });

});

const settledSeq = (outcome: PromiseSettledResult<Appended>) => (outcome.status === 'fulfilled' ? outcome.value.seq : 'rejected');
