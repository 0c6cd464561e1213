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

// Group commit. Every append holds the room's row lock until its commit's fsync, so one message per
// commit caps a busy room at a few hundred a second. Instead, while one statement of a room is
// being written, this process's next appends to that room wait and then go together in the next
// one. Each is a single statement (one round trip): the seqs reserved and the rows inserted commit
// together or not at all. Nothing waits on a timer: a quiet room's message goes at once.

/** Six SQL parameters a message: ~1,500 in one INSERT, with at most 256 × 4,000 characters of bodies. */
const MAX_BATCH = 256;

interface Waiting {
  input: NewMessage;
  resolve(appended: Appended): void;
  reject(error: unknown): void;
}

/** Per database (tests open many): the rooms with a statement in flight, and who waits for it. */
const busyRooms = new WeakMap<Db, Map<number, Waiting[]>>();

/**
 * Appends a message at the room's next seq; commit order is seq order, and within one statement
 * seq order is the order of the calls. A retry with the same client_id returns the message already
 * stored (created: false). Answers only once the message's statement has committed.
 */
export function appendMessage(db: Db, input: NewMessage): Promise<Appended> {
  const byRoom = busyRooms.get(db) ?? new Map<number, Waiting[]>();
  busyRooms.set(db, byRoom);
  return new Promise((resolve, reject) => {
    const waiting = byRoom.get(input.roomId);
    if (waiting) return void waiting.push({ input, resolve, reject });
    byRoom.set(input.roomId, []);
    void writeUntilIdle(db, byRoom, input.roomId, [{ input, resolve, reject }]);
  });
}

async function writeUntilIdle(db: Db, byRoom: Map<number, Waiting[]>, roomId: number, first: Waiting[]) {
  for (let batch = first; batch.length > 0; batch = byRoom.get(roomId)!.splice(0, MAX_BATCH)) {
    // A bug must not stall the room: whoever is still unanswered hears of it.
    await writeBatch(db, batch).catch((error: unknown) => batch.forEach((waiting) => waiting.reject(error)));
  }
  byRoom.delete(roomId);
}

/**
 * A lone message takes the one-message statement, so its latency is what it always was. A batch
 * the database refused (the room is gone, an author is unknown, a retry's client_id was stored
 * meanwhile) had no effect: it is written again one message at a time, so each caller gets its own
 * answer. An unreachable database (whether the statement took effect is unknown) fails every caller
 * instead: writing again could store a message twice, while the client's retry is safe.
 */
async function writeBatch(db: Db, batch: Waiting[]) {
  if (batch.length > 1) {
    try {
      const results = await appendTogether(db, batch.map((waiting) => waiting.input));
      return batch.forEach((waiting, i) => waiting.resolve(results[i]!));
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
 * A whole batch of one room in one statement (one round trip, one commit): seqs reserved under the
 * room's row lock, one per new message in the order of the batch. Retries already stored answer
 * their seq and take none.
 */
async function appendTogether(db: Db, batch: NewMessage[]): Promise<Appended[]> {
  const roomId = batch[0]!.roomId;
  try {
    // Read before the write: a retry stored in between makes the insert fail on the unique index.
    const { rows, plans } = plan(batch, await storedSeqs(db, roomId, batch));
    const inserted = rows.length > 0 ? await insertReserving(db, roomId, rows) : [];
    return plans.map(({ seq, fresh, created }) => (fresh ? { seq: inserted[seq]!.seq, created, row: inserted[seq]!.row } : { seq, created }));
  } catch (error) {
    if (isDatabaseUnavailable(error) || error instanceof RoomGone) throw error;
    throw new BatchRefused('the batch was refused', { cause: error });
  }
}

/**
 * Which messages of a batch are new (each takes the next place in `rows`) and which are retries,
 * of a stored message or of one earlier in the batch. A plan's seq is absolute for a stored message
 * and the place in `rows` (`fresh`) otherwise.
 */
function plan(batch: NewMessage[], stored: Map<string, number>) {
  const known = new Map<string, { seq: number; fresh: boolean }>([...stored].map(([key, seq]) => [key, { seq, fresh: false }]));
  const rows: NewMessage[] = [];
  const plans = batch.map((input) => {
    const key = input.clientId === null ? null : retryKey(input.authorId, input.clientId);
    const seen = key === null ? undefined : known.get(key);
    if (seen) return { ...seen, created: false };
    const planned = { seq: rows.length, fresh: true };
    rows.push(input);
    if (key !== null) known.set(key, planned);
    return { ...planned, created: true };
  });
  return { rows, plans };
}

/**
 * Moves the room's last_seq on by the number of rows and inserts them at the seqs it freed, in one
 * statement: it commits whole or not at all, so the log never has a hole. Answers each row's seq,
 * id and time, in the order of `rows`.
 */
async function insertReserving(db: Db, roomId: number, rows: NewMessage[]): Promise<Inserted[]> {
  const values = sql.join(
    rows.map((row, i) => sql`(${row.authorId}::integer, ${row.body}::text, ${row.clientId}::text, ${i}::integer)`),
    sql`, `,
  );
  const result = await db.execute<{ seq: number | string }>(sql`
    with reserved as (
      update ${rooms} set last_seq = last_seq + ${rows.length} where id = ${roomId} returning last_seq
    )
    insert into ${messages} (room_id, author_id, body, client_id, seq, updated_seq)
    select ${roomId}, v.author_id, v.body, v.client_id, reserved.last_seq - ${rows.length} + 1 + v.i, reserved.last_seq - ${rows.length} + 1 + v.i
    from reserved, (values ${values}) as v(author_id, body, client_id, i)
    returning id, seq, created_at`);
  const stored = (result as unknown as { rows: Array<{ id: number | string; seq: number | string; created_at: Date | string }> }).rows;
  if (stored.length === 0) throw new RoomGone(`there is no room ${roomId}`);
  // Row i took the i-th seq after the first.
  return stored
    .map((row) => ({ seq: Number(row.seq), row: { id: Number(row.id), createdAt: new Date(row.created_at) } }))
    .sort((a, b) => a.seq - b.seq);
}

type Inserted = Required<Pick<Appended, 'seq' | 'row'>>;

/** The one-message append; under load, also what a refused batch falls back to. */
async function appendOne(db: Db, input: NewMessage): Promise<Appended> {
  try {
    const [inserted] = await insertReserving(db, input.roomId, [input]);
    return { ...inserted!, created: true };
  } catch (error) {
    // The same client_id is already stored (a retry): the statement had no effect; answer its seq.
    if (input.clientId === null || !isUniqueViolation(error)) throw error;
    const existing = (await storedSeqs(db, input.roomId, [input])).get(retryKey(input.authorId, input.clientId));
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

/** The seqs of the messages already stored under the batch's client_ids, by retryKey. */
async function storedSeqs(db: Db, roomId: number, batch: NewMessage[]): Promise<Map<string, number>> {
  const keys = batch.flatMap((input) => (input.clientId === null ? [] : [sql`(${input.authorId}::integer, ${input.clientId}::text)`]));
  if (keys.length === 0) return new Map();
  // A VALUES list, not 256 ORs: PostgreSQL plans it in well under a millisecond (the ORs took 20 ms,
  // with the room locked), and still probes the (room, author, client_id) index once per key.
  const rows = await db
    .select({ authorId: messages.authorId, clientId: messages.clientId, seq: messages.seq })
    .from(messages)
    .where(and(eq(messages.roomId, roomId), sql`(${messages.authorId}, ${messages.clientId}) in (values ${sql.join(keys, sql`, `)})`));
  return new Map(rows.map((row) => [retryKey(row.authorId, row.clientId!), row.seq]));
}

/** client_id is unique per (room, author): within one room, this names one message. */
const retryKey = (authorId: number, clientId: string) => `${authorId}:${clientId}`;
