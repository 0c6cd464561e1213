import { asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { keyedReader, prepared } from '../db/prepared.js';
import { readTogether } from '../read-together.js';
import { messages, type Room, rooms } from '../db/schema.js';
import { roomImageUrl } from './images.js';

const allRooms = (db: Db) => prepared(db, 'all_rooms', () => db.select().from(rooms).orderBy(asc(rooms.id)).prepare('all_rooms'));

// Every lobby page and lobby refresh lists the rooms: read together under load.
const roomLister = (db: Db) => prepared(db, 'room_lister', () => readTogether(async () => new Map([[0, await allRooms(db).execute()]])));

/** Every room, oldest first (the lobby). */
export async function listRooms(db: Db): Promise<Room[]> {
  return (await roomLister(db)(0))!;
}

// Every request in a room (its page, its socket, a send) reads the room: read together under load.
const roomReader = (db: Db) =>
  keyedReader(db, 'rooms_by_slugs', (slugs) => db.select().from(rooms).where(sql`${rooms.slug} = any(${slugs})`).prepare('rooms_by_slugs'), (room) => room.slug);

/** The room as it is now (read after this call, perhaps together with other requests' reads). */
export async function findRoomBySlug(db: Db, slug: string): Promise<Room | null> {
  return (await roomReader(db)(slug)) ?? null;
}

// Rooms read for a write or a socket in the last RECENT_MS, per database, by slug: at most one entry a room.
// Renaming or deleting a room forgets it on every instance at once, through the lobby's channel
// (src/realtime/lobby.ts); this bounds how long an instance that missed that (Redis away) keeps it.
const RECENT_MS = 30_000;
const recentByDb = new WeakMap<Db, Map<string, { room: Room; readAt: number }>>();

/**
 * The room a write (a message sent, edited or deleted) goes to, or a page's socket opens, taken as
 * read when it was read for one in the last 30 s and the caller finds that read `usable`: a room's
 * sends then cost one query (the append) instead of two, and a crowd opening a room reads it once.
 * Only its identity may be relied on: its last_seq is not fresh, and while Redis is away its name
 * may be up to 30 s old on other instances than the one that renamed it. A write to a room deleted
 * meanwhile finds no row (`RoomGone` from the append, no message when editing): the caller forgets
 * it (`forgetRoom`) and reads it again.
 */
export async function findRecentRoom(db: Db, slug: string, usable: (room: Room) => boolean = () => true): Promise<Room | null> {
  let recent = recentByDb.get(db);
  if (!recent) recentByDb.set(db, (recent = new Map()));
  const now = Date.now();
  const hit = recent.get(slug);
  if (hit && now - hit.readAt < RECENT_MS && usable(hit.room)) return hit.room;
  const room = await findRoomBySlug(db, slug);
  if (room) recent.set(slug, { room, readAt: now });
  else recent.delete(slug);
  return room;
}

/** Forgets the room for writes on this instance (renamed, deleted, or found gone by a write); every room without `roomId`. */
export function forgetRoom(db: Db, roomId?: number): void {
  const recent = recentByDb.get(db);
  if (roomId === undefined) return recent?.clear();
  for (const [slug, { room }] of recent ?? []) if (room.id === roomId) recent!.delete(slug);
}

/** Where each room's log ends (its last_seq), by id; a room that is gone is missing. */
export async function roomLastSeqs(db: Db, ids: number[]): Promise<Map<number, number>> {
  const rows = await db.select({ id: rooms.id, lastSeq: rooms.lastSeq }).from(rooms).where(inArray(rooms.id, ids));
  return new Map(rows.map((row) => [row.id, row.lastSeq]));
}

/** The new room, or null when its slug is taken (the unique index decides). */
export async function insertRoom(db: Db, room: Pick<Room, 'slug' | 'name' | 'description' | 'image' | 'createdBy'>) {
  const [created] = await db.insert(rooms).values(room).onConflictDoNothing().returning();
  return created ?? null;
}

/** The room with its new name and description, or null when it is gone. */
export async function renameRoom(db: Db, roomId: number, change: Pick<Room, 'name' | 'description'>): Promise<Room | null> {
  const [room] = await db.update(rooms).set(change).where(eq(rooms.id, roomId)).returning();
  forgetRoom(db, roomId);
  return room ?? null;
}

/** Deletes the room and, by the foreign key's cascade, its messages; answers how many went. */
export async function deleteRoom(db: Db, roomId: number): Promise<{ deleted: boolean; messages: number }> {
  const result = await db.transaction(async (tx) => {
    const [counted] = await tx.select({ messages: sql<number>`count(*)::int` }).from(messages).where(eq(messages.roomId, roomId));
    const gone = await tx.delete(rooms).where(eq(rooms.id, roomId)).returning({ id: rooms.id });
    return { deleted: gone.length > 0, messages: counted?.messages ?? 0 };
  });
  forgetRoom(db, roomId);
  return result;
}

export function publicRoom(room: Room, online?: number) {
  return {
    slug: room.slug,
    name: room.name,
    description: room.description,
    image_url: roomImageUrl(room.image),
    url: `/lobby/${room.slug}/`,
    last_seq: room.lastSeq,
    ...(online === undefined ? {} : { online }),
  };
}
