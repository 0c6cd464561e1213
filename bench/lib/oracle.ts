import pg from 'pg';
import { MARKER, messageKey, senderOf } from './marker.js';
import type { Collected } from './receivers.js';
import type { DeliveryCheck } from './report.js';

/**
 * The loss / duplicate / order check. The database says what was stored and in which order (seq);
 * every member of a room must have received each stored message of its room exactly once, in seq
 * order. Against the ceiling (nothing stored) the sent messages stand in for the stored ones and
 * order is checked per sender.
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
  // The order of each room's messages: seq from the database, else the order they were sent.
  const orderByRoom = new Map<string, Map<number, number>>();
  for (const [room, keys] of sentByRoom) {
    orderByRoom.set(room, stored?.byRoom.get(room) ?? new Map(keys.map((key, i) => [key, i])));
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
    // Against the ceiling, order is per sender (sends from different senders race); with the database, global seq order.
    const lastBySender = new Map<number, number>();
    let last = -Infinity;
    for (const key of member.keys) {
      const position = order.get(key);
      if (position === undefined) continue; // not this run's (or not stored)
      if (seen.has(key)) {
        duplicated++;
        continue;
      }
      seen.add(key);
      if (stored) {
        if (position < last) outOfOrder++;
        last = Math.max(last, position);
      } else {
        const sender = senderOf(key);
        if (position < (lastBySender.get(sender) ?? -Infinity)) outOfOrder++;
        lastBySender.set(sender, position);
      }
    }
    delivered += seen.size;
    lost += order.size - seen.size;
  });
  return { sent, stored: storedCount, expectedDeliveries, delivered, lost, duplicated: duplicated + (stored?.storedTwice ?? 0), outOfOrder, failedSends };
}
