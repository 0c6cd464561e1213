import { asc } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { type Room, rooms } from '../db/schema.js';

export function listRooms(db: Db): Promise<Room[]> {
  return db.select().from(rooms).orderBy(asc(rooms.id));
}

export const roomImageUrl = (image: string) => `/static/rooms/${image}.svg`;

export function publicRoom(room: Room) {
  return {
    slug: room.slug,
    name: room.name,
    description: room.description,
    image_url: roomImageUrl(room.image),
    url: `/lobby/${room.slug}/`,
    last_seq: room.lastSeq,
  };
}
