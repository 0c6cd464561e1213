import pg from 'pg';
import { MARKER, messageKey } from './marker.js';
import type { Collected } from './receivers.js';
import type { DeliveryCheck } from './report.js';

/**
 * The loss / duplicate / order check. The database says what was stored and in which order (seq);
 * every member of a room must have received each stored message of its room exactly once, in seq
 * order. Against the ceiling (nothing stored) the sent messages stand in for the stored ones, and the
 * order is the one the ceiling broadcast them in: as the member of the room that received the most
 * got them. (Not the order they were sent in: a sender's requests overlap on several connections,
 * so a busy server may take them in another order, and that is the driver's doing, not a reordering
 * by the server.)
 */

export interface Stored {
  /** Per room slug: message key → seq, and how many keys were stored more than once. */
  byRoom: Map<string, Map<number, number>>;
  storedTwice: number;
}

export async function readStored(databaseUrl: string, slugs: string[], afterSeq = 0): Promise<Stored> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ slug: string; seq: number; body: string }>(
      `select r.slug, m.seq, m.body from messages m join rooms r on r.id = m.room_id
        where r.slug = any($1) and m.seq > $2 and m.body like 'bench s%' order by m.seq`,
      [slugs, afterSeq],
    );
    const byRoom = new Map<string, Map<number, number>>(slugs.map((slug) => [slug, new Map()]));
    let storedTwice = 0;
    for (const row of rows) {
      const match = [...row.body.matchAll(MARKER)][0];
      if (!match) continue;
      const key = messageKey(Number(match[1]), Number(match[2]));
      const room = byRoom.get(row.slug)!;
      if (room.has(key)) storedTwice++;
      else room.set(key, row.seq);
    }
    return { byRoom, storedTwice };
  } finally {
    await client.end();
  }
}

export interface CheckInput {
  /** Keys sent per room (from the traffic run). */
  sentByRoom: Map<string, number[]>;
  /** What the database holds; null against the ceiling. */
  stored: Stored | null;
  /** The room of each member, in the pool's order. */
  memberRooms: string[];
  collected: Collected;
  failedSends: number;
}

export function checkDelivery({ sentByRoom, stored, memberRooms, collected, failedSends }: CheckInput): DeliveryCheck {
  let sent = 0;
  for (const keys of sentByRoom.values()) sent += keys.length;
  // The order of each room's messages: seq from the database, else the order the ceiling broadcast them.
  const orderByRoom = new Map<string, Map<number, number>>();
  for (const [room, keys] of sentByRoom) {
    orderByRoom.set(room, stored?.byRoom.get(room) ?? broadcastOrder(keys, room, memberRooms, collected));
  }
  let storedCount = 0;
  for (const order of orderByRoom.values()) storedCount += order.size;
  let expectedDeliveries = 0;
  let delivered = 0;
  let lost = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  collected.members.forEach((member, i) => {
    const order = orderByRoom.get(memberRooms[i]!);
    if (!order) return;
    expectedDeliveries += order.size;
    const seen = new Set<number>();
    let last = -Infinity;
    for (const key of member.keys) {
      const position = order.get(key);
      if (position === undefined) continue; // not this run's (or not stored)
      if (seen.has(key)) {
        duplicated++;
        continue;
      }
      seen.add(key);
      if (position < last) outOfOrder++;
      last = Math.max(last, position);
    }
    delivered += seen.size;
    lost += order.size - seen.size;
  });
  return { sent, stored: storedCount, expectedDeliveries, delivered, lost, duplicated: duplicated + (stored?.storedTwice ?? 0), outOfOrder, failedSends };
}

/**
 * Against the ceiling: the sent keys, ranked in the order the member of the room that received the
 * most of them got them; keys it never got follow, in the order they were sent.
 */
function broadcastOrder(sent: number[], room: string, memberRooms: string[], collected: Collected): Map<number, number> {
  const sentKeys = new Set(sent);
  let reference: number[] = [];
  collected.members.forEach((member, i) => {
    if (memberRooms[i] !== room) return;
    const keys = member.keys.filter((key) => sentKeys.has(key));
    if (keys.length > reference.length) reference = keys;
  });
  const order = new Map<number, number>();
  for (const key of [...reference, ...sent]) if (!order.has(key)) order.set(key, order.size);
  return order;
}
