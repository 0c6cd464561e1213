import { and, asc, desc, eq, gt, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { prepared } from '../db/prepared.js';
import { type Message, messages, type User, users } from '../db/schema.js';
import { mayChangeMessage } from '../rooms/access.js';
import { reserveSeqs } from './append.js';

// Appending lives in append.ts (concurrent appends to one room share a transaction); re-exported
// so callers keep one place to import message queries from.
export { type Appended, appendMessage, type NewMessage, RoomGone } from './append.js';
import type { Appended, NewMessage } from './append.js';

/** A message with what every view of it shows about its author. */
export type MessageView = Message & { author: Pick<User, 'id' | 'username' | 'firstName' | 'icon'> };

const authorColumns = { id: users.id, username: users.username, firstName: users.firstName, icon: users.icon };

function selectWithAuthor(db: Db) {
  return db.select({ message: messages, author: authorColumns }).from(messages).innerJoin(users, eq(messages.authorId, users.id));
}

/** A message as JSON clients see it; a deleted message keeps its place but not its text. */
export function publicMessage(message: MessageView, roomSlug: string) {
  const deleted = message.deletedAt !== null;
  return {
    seq: message.seq,
    updated_seq: message.updatedSeq,
    room: roomSlug,
    author: { username: message.author.username, first_name: message.author.firstName, icon: message.author.icon },
    body: deleted ? null : message.body,
    created_at: message.createdAt.toISOString(),
    edited_at: message.editedAt?.toISOString() ?? null,
    deleted_at: message.deletedAt?.toISOString() ?? null,
  };
}

const toView = (row: { message: Message; author: MessageView['author'] }): MessageView => ({ ...row.message, author: row.author });

/** A string as it comes back from the database: UTF-8 on the way in turns lone surrogates into U+FFFD. */
const storedText = (text: string) => Buffer.from(text).toString();

/**
 * The message an append just created, as stored, without reading it back: its author is the sender
 * (as this request read them) and the database gave its id, seq and time. Null for a retry, whose
 * stored message may have changed since: read that one.
 */
export function appendedView(input: NewMessage, appended: Appended, sender: MessageView['author']): MessageView | null {
  if (!appended.created || !appended.row) return null;
  const { seq, row } = appended;
  const author = { id: sender.id, username: sender.username, firstName: sender.firstName, icon: sender.icon };
  // The text as the database holds it: on its way there it was encoded as UTF-8, where a lone
  // surrogate (half of an emoji) becomes U+FFFD.
  const body = storedText(input.body);
  const clientId = input.clientId === null ? null : storedText(input.clientId);
  return { ...row, roomId: input.roomId, seq, updatedSeq: seq, authorId: input.authorId, body, clientId, editedAt: null, deletedAt: null, author };
}

/** Rolls a transaction back on purpose; caught by the caller, never seen by the user. */
class Unchanged extends Error {}

/** Takes the room's next seq; the row lock it takes orders every writer of the room. */
async function nextSeq(tx: Db, roomId: number): Promise<number> {
  const seq = await reserveSeqs(tx, roomId, 1);
  if (seq === null) throw new Unchanged();
  return seq;
}

/** The change's seq and the message's author (an administrator may delete someone else's). */
export type ChangeResult = { seq: number; authorId: number } | { error: 'not_found' | 'forbidden' };

/**
 * Edits (body) or deletes (body null) a message, if `actor` may (src/rooms/access.ts: the author
 * edits and deletes, an administrator deletes); every change takes a new seq.
 */
export async function changeMessage(db: Db, roomId: number, seq: number, actor: Pick<User, 'id'> & Partial<Pick<User, 'isAdmin'>>, body: string | null): Promise<ChangeResult> {
  try {
    return await db.transaction(async (tx) => {
      const updatedSeq = await nextSeq(tx as unknown as Db, roomId);
      const live = and(eq(messages.roomId, roomId), eq(messages.seq, seq), sql`${messages.deletedAt} is null`);
      // Who may change it is decided in src/rooms/access.ts; the room's row lock (nextSeq) keeps the
      // message as read here until the update below commits.
      const [target] = await tx.select({ authorId: messages.authorId }).from(messages).where(live);
      if (!target || !mayChangeMessage(actor, target, body === null ? 'delete' : 'edit')) throw new Unchanged();
      const change = body === null ? { body: '', deletedAt: sql`now()` } : { body, editedAt: sql`now()` };
      const [row] = await tx
        .update(messages)
        .set({ ...change, updatedSeq })
        .where(live)
        .returning({ seq: messages.seq });
      if (!row) throw new Unchanged();
      return { seq: updatedSeq, authorId: target.authorId };
    });
  } catch (error) {
    if (!(error instanceof Unchanged)) throw error;
    const [existing] = await db.select().from(messages).where(and(eq(messages.roomId, roomId), eq(messages.seq, seq)));
    return { error: !existing || existing.deletedAt ? 'not_found' : 'forbidden' };
  }
}

const messageBySeq = (db: Db) =>
  prepared(db, 'message_by_seq', () =>
    selectWithAuthor(db)
      .where(and(eq(messages.roomId, sql.placeholder('roomId')), eq(messages.seq, sql.placeholder('seq'))))
      .prepare('message_by_seq'),
  );

export async function findMessage(db: Db, roomId: number, seq: number): Promise<MessageView | null> {
  const [row] = await messageBySeq(db).execute({ roomId, seq });
  return row ? toView(row) : null;
}

/** The newest `limit` messages before `before` (or the newest of all), oldest first. */
export async function messagePage(db: Db, roomId: number, limit: number, before?: number): Promise<MessageView[]> {
  const where = before === undefined ? eq(messages.roomId, roomId) : and(eq(messages.roomId, roomId), lt(messages.seq, before));
  const rows = await selectWithAuthor(db).where(where).orderBy(desc(messages.seq)).limit(limit);
  return rows.map(toView).reverse();
}

/** One page of history (newest `size` before `before`) and whether anything older exists. */
export async function historyPage(db: Db, roomId: number, size: number, before?: number) {
  const page = await messagePage(db, roomId, size + 1, before);
  const hasOlder = page.length > size;
  return { messages: hasOlder ? page.slice(1) : page, hasOlder };
}

/** Every message changed after `after` (created, edited or deleted), in the order of the change. */
const changesAfterSeq = (db: Db) =>
  prepared(db, 'changes_after', () =>
    selectWithAuthor(db)
      .where(and(eq(messages.roomId, sql.placeholder('roomId')), gt(messages.updatedSeq, sql.placeholder('after'))))
      .orderBy(asc(messages.updatedSeq))
      .limit(sql.placeholder('limit'))
      .prepare('changes_after'),
  );

export async function changesAfter(db: Db, roomId: number, after: number, limit: number): Promise<MessageView[]> {
  const rows = await changesAfterSeq(db).execute({ roomId, after, limit });
  return rows.map(toView);
}
