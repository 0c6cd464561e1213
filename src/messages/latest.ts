import type { Db } from '../db/client.js';
import type { Room } from '../db/schema.js';
import { historyPage } from './queries.js';

export type HistoryPage = Awaited<ReturnType<typeof historyPage>>;

interface Entry {
  lastSeq: number;
  size: number;
  page: Promise<HistoryPage>;
}

// Rooms whose newest page is kept, per database; the least recently read goes first.
const ROOMS = 256;
const caches = new WeakMap<Db, Map<number, Entry>>();

/**
 * A page of a room's history; the newest page is read once per state of the room and shared. Every
 * change to a room (a message, an edit, a delete) takes a new seq, so the room's `last_seq`, read
 * with the room, names exactly one newest page: a crowd opening the room, or reconnecting after a
 * restart, costs one query instead of one each, and nothing stale can be served. A page read while
 * a change was committing (it shows something past the room's `last_seq`) goes to its readers, who
 * would have seen the same without the cache, but is not kept.
 */
export function roomHistory(db: Db, room: Pick<Room, 'id' | 'lastSeq'>, size: number, before?: number): Promise<HistoryPage> {
  if (before !== undefined) return historyPage(db, room.id, size, before);
  let rooms = caches.get(db);
  if (!rooms) caches.set(db, (rooms = new Map()));
  const hit = rooms.get(room.id);
  if (hit && hit.lastSeq === room.lastSeq && hit.size === size) {
    // Most recently read last: a Map iterates in insertion order.
    rooms.delete(room.id);
    rooms.set(room.id, hit);
    return hit.page;
  }
  const entry: Entry = { lastSeq: room.lastSeq, size, page: historyPage(db, room.id, size) };
  rooms.set(room.id, entry);
  if (rooms.size > ROOMS) rooms.delete(rooms.keys().next().value!);
  const forget = () => {
    if (rooms.get(room.id) === entry) rooms.delete(room.id);
  };
  entry.page.then((page) => {
    if (page.messages.some((message) => message.updatedSeq > room.lastSeq)) forget();
  }, forget);
  return entry.page;
}
