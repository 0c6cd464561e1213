import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { isDatabaseUnavailable, isUniqueViolation } from '../db/errors.js';
import { messages, rooms } from '../db/schema.js';

export interface NewMessage {
  roomId: number;
  authorId: number;
  body: string;
  clientId: string | null;
}

export interface Appended {
  seq: number;
  created: boolean;
  /** What the database gave the new row (absent for a retry: read the stored message instead). */
  row?: { id: number; createdAt: Date };
}

// Group commit. Every append holds its room's row lock until its commit's fsync, so one message per
// commit caps a busy room at a few hundred a second, and one statement per message costs every busy
// instance a database round trip per message. Instead, while this process has a statement of appends
// in flight, the appends that come meanwhile wait and then go together in the next one, whatever
// their rooms. Each statement is a single statement (one round trip): a room's seqs reserved and its
// rows inserted commit together or not at all. A room has at most one statement in flight, so its
// messages take seqs in the order of the calls. Nothing waits on a timer: a message that finds no
// statement in flight goes at once.

/** Six SQL parameters a message: ~1,500 in one INSERT, with at most 256 × 4,000 characters of bodies. */
const MAX_BATCH = 256;
/**
 * Statements in flight at once per database. Two, not one: a statement waiting on a room's lock
 * (another instance writing to it) or on a slow commit leaves the next one free to go.
 */
const STATEMENTS = 2;

interface Waiting {
  input: NewMessage;
  resolve(appended: Appended): void;
  reject(error: unknown): void;
}

/** Per database (tests open many): the appends waiting, the rooms with a statement in flight. */
interface Writer {
  waiting: Waiting[];
  busyRooms: Set<number>;
  statements: number;
}
const writers = new WeakMap<Db, Writer>();

/**
 * Appends a message at the room's next seq; commit order is seq order, and a room's seqs follow the
 * order of the calls. A retry with the same client_id returns the message already stored (created:
 * false). Answers only once the message's statement has committed; a room that is gone answers
 * RoomGone.
 */
export function appendMessage(db: Db, input: NewMessage): Promise<Appended> {
  let writer = writers.get(db);
  if (!writer) writers.set(db, (writer = { waiting: [], busyRooms: new Set(), statements: 0 }));
  return new Promise((resolve, reject) => {
    writer.waiting.push({ input, resolve, reject });
    writeWhileFree(db, writer);
  });
}

function writeWhileFree(db: Db, writer: Writer) {
  while (writer.statements < STATEMENTS) {
    const batch = nextBatch(writer);
    if (batch.length === 0) return;
    const roomIds = new Set(batch.map((waiting) => waiting.input.roomId));
    for (const roomId of roomIds) writer.busyRooms.add(roomId);
    writer.statements++;
    // A bug must not stall the rooms: whoever is still unanswered hears of it.
    void writeBatch(db, batch)
      .catch((error: unknown) => batch.forEach((waiting) => waiting.reject(error)))
      .finally(() => {
        writer.statements--;
        for (const roomId of roomIds) writer.busyRooms.delete(roomId);
        writeWhileFree(db, writer);
      });
  }
}

/** The oldest waiting appends of rooms with no statement in flight, at most MAX_BATCH; the others keep their places. */
function nextBatch(writer: Writer): Waiting[] {
  const batch: Waiting[] = [];
  const rest: Waiting[] = [];
  for (const waiting of writer.waiting) {
    (batch.length < MAX_BATCH && !writer.busyRooms.has(waiting.input.roomId) ? batch : rest).push(waiting);
  }
  writer.waiting = rest;
  return batch;
}

/**
 * A lone message takes the one-message statement, so its latency is what it always was. A batch
 * the database refused (an author is unknown, a retry's client_id was stored meanwhile) had no
 * effect: it is written again one message at a time, so each caller gets its own answer. An
 * unreachable database (whether the statement took effect is unknown) fails every caller instead:
 * writing again could store a message twice, while the client's retry is safe.
 */
async function writeBatch(db: Db, batch: Waiting[]) {
  if (batch.length > 1) {
    try {
      const results = await appendTogether(db, batch.map((waiting) => waiting.input));
      return batch.forEach((waiting, i) => {
        const result = results[i]!;
        if (result instanceof RoomGone) waiting.reject(result);
        else waiting.resolve(result);
      });
    } catch (error) {
      if (!(error instanceof BatchRefused)) return batch.forEach((waiting) => waiting.reject(error));
    }
  }
  for (const waiting of batch) await appendOne(db, waiting.input).then(waiting.resolve, waiting.reject);
}

/** The room was deleted: nothing was stored. */
export class RoomGone extends Error {}

/** The database refused the batch: nothing of it was stored. */
class BatchRefused extends Error {}

/**
 * A batch of one or more rooms in one statement (one round trip, one commit). A message repeated in
 * the batch (the same client_id) is written once, and its repeats answer its seq; the statement
 * itself finds the retries of stored messages (they answer their seq and take none) and reserves
 * each room's seqs under its row lock for the rest, in the order of the batch. A room that is gone
 * takes nothing: its messages answer RoomGone, the others are stored.
 */
async function appendTogether(db: Db, batch: NewMessage[]): Promise<Array<Appended | RoomGone>> {
  const candidates: NewMessage[] = [];
  const firstByKey = new Map<string, number>();
  const places = batch.map((input) => {
    const key = input.clientId === null ? null : retryKey(input);
    const first = key === null ? undefined : firstByKey.get(key);
    if (first !== undefined) return { candidate: first, repeat: true };
    if (key !== null) firstByKey.set(key, candidates.length);
    candidates.push(input);
    return { candidate: candidates.length - 1, repeat: false };
  });
  let answers: Array<Appended | RoomGone>;
  try {
    answers = await insertUnlessStored(db, candidates);
  } catch (error) {
    if (isDatabaseUnavailable(error)) throw error;
    throw new BatchRefused('the batch was refused', { cause: error });
  }
  return places.map(({ candidate, repeat }) => {
    const answer = answers[candidate]!;
    return repeat && !(answer instanceof RoomGone) ? { ...answer, created: false } : answer;
  });
}

/**
 * Messages of one room or several (no two with the same client_id) in one statement: those whose
 * client_id is stored already answer its seq; each room's last_seq moves on by its number of new
 * rows, inserted at the seqs it freed. Each room's reservation and rows commit together, so its log
 * never has a hole; a room that is gone reserves and stores nothing. The rooms are locked in the
 * order of their ids, so two such statements (two instances) cannot deadlock. A retry stored by
 * another writer after this statement began meets the unique index, and the statement fails whole.
 */
async function insertUnlessStored(db: Db, batch: NewMessage[]): Promise<Array<Appended | RoomGone>> {
  const values = sql.join(
    batch.map((row, ord) => sql`(${ord}::integer, ${row.roomId}::integer, ${row.authorId}::integer, ${row.body}::text, ${row.clientId}::text)`),
    sql`, `,
  );
  // One probe of the (room, author, client_id) index per message, whatever the table's statistics
  // say: as a join (`in (values …)`), a table that grew since it was last analyzed was read whole,
  // with the rooms locked (80 ms at 40,000 rows). The LIMIT keeps the subquery from being made a join.
  const result = await db.execute(sql`
    with v (ord, room_id, author_id, body, client_id) as (values ${values}),
    stored as (
      select v.ord, m.seq from v
      join lateral (
        select seq from ${messages} as m
        where m.room_id = v.room_id and m.author_id = v.author_id and m.client_id = v.client_id
        limit 1
      ) as m on true
    ),
    fresh as (
      select v.*, (row_number() over (partition by v.room_id order by v.ord) - 1)::integer as i
      from v where v.ord not in (select ord from stored)
    ),
    counts as (select room_id, count(*)::integer as n from fresh group by room_id),
    locked as (select id from ${rooms} where id in (select room_id from counts) order by id for update),
    reserved as (
      update ${rooms} as r set last_seq = r.last_seq + counts.n from counts, locked
      where r.id = counts.room_id and locked.id = r.id
      returning r.id, r.last_seq, counts.n
    ),
    inserted as (
      insert into ${messages} (room_id, author_id, body, client_id, seq, updated_seq)
      select fresh.room_id, fresh.author_id, fresh.body, fresh.client_id, reserved.last_seq - reserved.n + 1 + fresh.i, reserved.last_seq - reserved.n + 1 + fresh.i
      from fresh join reserved on reserved.id = fresh.room_id
      returning room_id, id, seq, created_at
    )
    select null::integer as ord, room_id, id, seq, created_at from inserted
    union all
    select ord, null, null, seq, null from stored`);
  type Row = { ord: number | null; room_id: number | string | null; id: number | string | null; seq: number | string; created_at: Date | string | null };
  const rows = (result as unknown as { rows: Row[] }).rows;
  const answers: Array<Appended | RoomGone | undefined> = batch.map(() => undefined);
  const insertedByRoom = new Map<number, Inserted[]>();
  for (const row of rows) {
    if (row.ord !== null) {
      answers[row.ord] = { seq: Number(row.seq), created: false };
      continue;
    }
    const roomId = Number(row.room_id);
    const inserted = insertedByRoom.get(roomId) ?? [];
    insertedByRoom.set(roomId, inserted);
    inserted.push({ seq: Number(row.seq), row: { id: Number(row.id), createdAt: new Date(row.created_at!) } });
  }
  for (const inserted of insertedByRoom.values()) inserted.sort((a, b) => a.seq - b.seq);
  // A room's new rows took its seqs in the order of the batch.
  const nextOfRoom = new Map<number, number>();
  return batch.map((input, ord) => {
    const known = answers[ord];
    if (known) return known;
    const nth = nextOfRoom.get(input.roomId) ?? 0;
    nextOfRoom.set(input.roomId, nth + 1);
    const row = insertedByRoom.get(input.roomId)?.[nth];
    return row ? { ...row, created: true } : new RoomGone(`there is no room ${input.roomId}`);
  });
}

/**
 * Moves the room's last_seq on by one and inserts the message at the seq it freed, in one
 * statement: it commits whole or not at all, so the log never has a hole. Answers the row's seq, id
 * and time; a room that is gone throws RoomGone.
 */
async function insertReserving(db: Db, row: NewMessage): Promise<Inserted> {
  const result = await db.execute<{ id: number | string; seq: number | string; created_at: Date | string }>(sql`
    with reserved as (
      update ${rooms} set last_seq = last_seq + 1 where id = ${row.roomId} returning last_seq
    )
    insert into ${messages} (room_id, author_id, body, client_id, seq, updated_seq)
    select ${row.roomId}::integer, ${row.authorId}::integer, ${row.body}::text, ${row.clientId}::text, reserved.last_seq, reserved.last_seq
    from reserved
    returning id, seq, created_at`);
  const [stored] = (result as unknown as { rows: Array<{ id: number | string; seq: number | string; created_at: Date | string }> }).rows;
  if (!stored) throw new RoomGone(`there is no room ${row.roomId}`);
  return { seq: Number(stored.seq), row: { id: Number(stored.id), createdAt: new Date(stored.created_at) } };
}

type Inserted = Required<Pick<Appended, 'seq' | 'row'>>;

/** The one-message append; under load, also what a refused batch falls back to. */
async function appendOne(db: Db, input: NewMessage): Promise<Appended> {
  try {
    return { ...(await insertReserving(db, input)), created: true };
  } catch (error) {
    // The same client_id is already stored (a retry): the statement had no effect; answer its seq.
    if (input.clientId === null || !isUniqueViolation(error)) throw error;
    const existing = await storedSeq(db, { ...input, clientId: input.clientId });
    if (existing === undefined) throw error;
    return { seq: existing, created: false };
  }
}

/**
 * Moves the room's last_seq on by `count` and returns the new one (null: no such room). The row lock
 * it takes orders every writer of the room until commit, so commit order is seq order.
 */
export async function reserveSeqs(tx: Db, roomId: number, count: number): Promise<number | null> {
  const [room] = await tx
    .update(rooms)
    .set({ lastSeq: sql`${rooms.lastSeq} + ${count}` })
    .where(eq(rooms.id, roomId))
    .returning({ lastSeq: rooms.lastSeq });
  return room?.lastSeq ?? null;
}

/** The seq of the message stored under this one's client_id, if any. */
async function storedSeq(db: Db, { roomId, authorId, clientId }: NewMessage & { clientId: string }): Promise<number | undefined> {
  const [row] = await db
    .select({ seq: messages.seq })
    .from(messages)
    .where(and(eq(messages.roomId, roomId), eq(messages.authorId, authorId), eq(messages.clientId, clientId)))
    .limit(1);
  return row?.seq;
}

/** client_id is unique per (room, author): this names one message. */
const retryKey = ({ roomId, authorId, clientId }: Pick<NewMessage, 'roomId' | 'authorId' | 'clientId'>) => `${roomId}:${authorId}:${clientId}`;
