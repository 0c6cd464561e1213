import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { isDatabaseUnavailable } from '../db/errors.js';
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
}

// Group commit. Every append holds the room's row lock over its round trips and the commit's fsync,
// so one message per transaction caps a busy room at a few hundred a second. Instead, while one
// transaction of a room is being written, this process's next appends to that room wait and then
// go together in the next one. Nothing waits on a timer: a quiet room's message goes at once.

/** Six SQL parameters a message: ~1,500 in one INSERT, with at most 256 × 4,000 characters of bodies. */
const MAX_BATCH = 256;

interface Waiting {
  input: NewMessage;
  resolve(appended: Appended): void;
  reject(error: unknown): void;
}

/** Per database (tests open many): the rooms with a transaction in flight, and who waits for it. */
const busyRooms = new WeakMap<Db, Map<number, Waiting[]>>();

/**
 * Appends a message at the room's next seq; commit order is seq order, and within one transaction
 * seq order is the order of the calls. A retry with the same client_id returns the message already
 * stored (created: false). Answers only once the message's transaction has committed.
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
 * A lone message takes the one-message transaction, so its latency is what it always was. A batch
 * the database refused (the room is gone, an author is unknown, another writer stored a client_id)
 * rolled back whole: it is written again one message at a time, so each caller gets its own answer.
 * An unreachable database, or a failed COMMIT (whether it took effect is unknown), fails every
 * caller instead: writing again could store a message twice, while the client's retry is safe.
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

/** The database refused the batch and rolled it back: nothing of it was stored. */
class BatchRefused extends Error {}

/** Rolls a transaction back on purpose; only a missing room's reaches the caller (as it always did). */
class NotAppended extends Error {}

/** One transaction for a whole batch of one room: one seq per new message, in the order of the batch. */
async function appendTogether(db: Db, batch: NewMessage[]): Promise<Appended[]> {
  const roomId = batch[0]!.roomId;
  let reachedCommit = false;
  try {
    return await db.transaction(async (tx) => {
      const last = await reserveSeqs(tx as unknown as Db, roomId, batch.length);
      if (last === null) throw new NotAppended(`there is no room ${roomId}`);
      const known = await storedSeqs(tx as unknown as Db, roomId, batch);
      const { rows, results } = assignSeqs(batch, known, last - batch.length + 1);
      if (rows.length > 0) await tx.insert(messages).values(rows);
      // Retries reserved a seq each: give those back, so the log has no holes.
      if (rows.length < batch.length) await tx.update(rooms).set({ lastSeq: last - batch.length + rows.length }).where(eq(rooms.id, roomId));
      reachedCommit = true;
      return results;
    });
  } catch (error) {
    if (reachedCommit || isDatabaseUnavailable(error)) throw error;
    throw new BatchRefused('the batch was rolled back', { cause: error });
  }
}

/** New messages take consecutive seqs from `firstSeq`; a client_id already stored (or earlier in the batch) answers its seq. */
function assignSeqs(batch: NewMessage[], stored: Map<string, number>, firstSeq: number) {
  const known = new Map(stored);
  const rows: Array<NewMessage & { seq: number; updatedSeq: number }> = [];
  const results = batch.map((input): Appended => {
    const key = input.clientId === null ? null : retryKey(input.authorId, input.clientId);
    const storedSeq = key === null ? undefined : known.get(key);
    if (storedSeq !== undefined) return { seq: storedSeq, created: false };
    const seq = firstSeq + rows.length;
    rows.push({ ...input, seq, updatedSeq: seq });
    if (key !== null) known.set(key, seq);
    return { seq, created: true };
  });
  return { rows, results };
}

/** The one-message append; under load, also what a refused batch falls back to. */
async function appendOne(db: Db, input: NewMessage): Promise<Appended> {
  try {
    const seq = await db.transaction(async (tx) => {
      const seq = await reserveSeqs(tx as unknown as Db, input.roomId, 1);
      if (seq === null) throw new NotAppended(`there is no room ${input.roomId}`);
      const [row] = await tx
        .insert(messages)
        .values({ ...input, seq, updatedSeq: seq })
        .onConflictDoNothing()
        .returning({ seq: messages.seq });
      if (!row) throw new NotAppended(); // the same client_id is already stored: give its seq back unused
      return row.seq;
    });
    return { seq, created: true };
  } catch (error) {
    if (!(error instanceof NotAppended) || input.clientId === null) throw error;
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
