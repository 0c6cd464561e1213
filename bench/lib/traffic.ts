import type { Sender } from './clients.js';
import { markerBody, messageKey, nowNs } from './marker.js';

/**
 * Open-loop sending: message i is due at start + i / rate, whoever answers when. Each message
 * carries its due time, so a late send (a busy driver) counts against latency rather than hiding it.
 */

export interface SenderSlot {
  id: number;
  room: string;
  sender: Sender;
  /** The next message number of this sender (kept across steps, so every key is unique). */
  next: number;
}

export interface TrafficResult {
  /** Keys sent, per room, in sending order. */
  sentByRoom: Map<string, number[]>;
  sent: number;
  durationMs: number;
  /** How far behind its schedule the driver fell at worst (ms): large values make a run suspect. */
  maxLagMs: number;
}

export async function runTraffic(slots: SenderSlot[], rate: number, durationMs: number): Promise<TrafficResult> {
  const sentByRoom = new Map<string, number[]>();
  for (const slot of slots) if (!sentByRoom.has(slot.room)) sentByRoom.set(slot.room, []);
  const intervalNs = BigInt(Math.round(1e9 / rate));
  const total = Math.max(1, Math.round((rate * durationMs) / 1000));
  const start = nowNs();
  let i = 0;
  let maxLagNs = 0n;
  while (i < total) {
    const now = nowNs();
    while (i < total) {
      const due = start + BigInt(i) * intervalNs;
      if (due > now) break;
      if (now - due > maxLagNs) maxLagNs = now - due;
      const slot = slots[i % slots.length]!;
      const n = slot.next++;
      slot.sender.send(markerBody(slot.id, n, due), `b${slot.id}-${n}`);
      sentByRoom.get(slot.room)!.push(messageKey(slot.id, n));
      i++;
    }
    if (i < total) {
      const wait = Number(start + BigInt(i) * intervalNs - nowNs()) / 1e6;
      await new Promise((resolve) => (wait >= 1 ? setTimeout(resolve, Math.floor(wait)) : setImmediate(resolve)));
    }
  }
  return { sentByRoom, sent: total, durationMs: Number(nowNs() - start) / 1e6, maxLagMs: Number(maxLagNs) / 1e6 };
}
