import { asc, eq, sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../src/db/client.js';
import { messages } from '../../../src/db/schema.js';
import { appendMessage as append } from '../../../src/messages/queries.js';

/** What a sender is told: the seq and whether it was new (the new row's id and time: see "goes at once"). */
const appendMessage = async (...args: Parameters<typeof append>) => {
  const { seq, created } = await append(...args);
  return { seq, created };
};
import { insertRoom } from '../../../src/rooms/queries.js';
import { addPeople, openTestDatabase } from '../../support/database.js';

// A batch of sends that meets another writer's row: two connections at once, so PostgreSQL only
// (vitest.config.ts runs this file when DATABASE_URL is set; PGlite has one connection).
let database: Awaited<ReturnType<typeof openTestDatabase>>;
let db: Db;
let ada: number;

beforeAll(async () => {
  database = await openTestDatabase();
  db = database.db;
  [ada] = (await addPeople(db, 'ada')) as [number];
});
afterAll(() => database.close());

async function newRoom(): Promise<number> {
  return (await insertRoom(db, { slug: 'clash', name: 'clash', description: '', image: 'game', createdBy: null }))!.id;
}

async function storedLog(roomId: number) {
  const rows = await db.select({ body: messages.body }).from(messages).where(eq(messages.roomId, roomId)).orderBy(asc(messages.seq));
  return { bodies: rows.map((row) => row.body) };
}

describe('a batch of sends that clashes with another writer', () => {
// Another writer that does not take the room's lock stores a client_id while a batch holding it is
// being written: the batch's INSERT meets the unique index and rolls back, and every message of it
// is written again on its own. Two connections at once need PostgreSQL (PGlite has one).
it('after a clash with another writer: each gets its own answer, the clashing one the stored seq', async () => {
  const roomId = await newRoom();
  const other = new pg.Client({ connectionString: database.url });
  await other.connect();
  try {
    await other.query('begin');
    await other.query(`insert into messages (room_id, seq, updated_seq, author_id, body, client_id) values ($1, 1000, 1000, $2, 'elsewhere', 'clash')`, [roomId, ada]);
    const send = (body: string, clientId: string) => appendMessage(db, { roomId, authorId: ada, body, clientId });
    const answers = Promise.all([send('first', 'first'), send('before', 'before'), send('clash', 'clash'), send('after', 'after')]);
    await waitForLockWait();
    await other.query('commit');

    expect(await answers).toEqual([
      { seq: 1, created: true },
      { seq: 2, created: true },
      { seq: 1000, created: false },
      { seq: 3, created: true },
    ]);
    expect((await storedLog(roomId)).bodies).toEqual(['first', 'before', 'after', 'elsewhere']);
  } finally {
    await other.end();
  }
});
});

/** Until a query of this database waits for a lock (the batch's INSERT, for the other's row). */
async function waitForLockWait() {
  // Not on the other writer's connection: inside its transaction, pg_stat_activity would not change.
  for (let tries = 0; tries < 200; tries++) {
    const waiting = sql`select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`;
    const { rows } = (await db.execute(waiting)) as unknown as pg.QueryResult;
    if (rows.length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the batch never waited for the other writer');
}
