import { describe, expect, it } from 'vitest';
import { messageKey } from '../../bench/lib/marker.js';
import { checkDelivery } from '../../bench/lib/oracle.js';
import type { Collected, MemberRecord } from '../../bench/lib/receivers.js';
import { summarize } from '../../bench/lib/stats.js';

const member = (keys: number[]): MemberRecord => ({ keys, frames: keys.length, bytes: 0, closeCode: 0, error: '' });
const collected = (members: MemberRecord[]): Collected => ({ members, perKey: new Map(), latencies: new Float64Array() });

const [a1, a2, b1] = [messageKey(1, 1), messageKey(1, 2), messageKey(2, 1)];
const sentByRoom = new Map([['r', [a1, b1, a2]]]);
// The database stored them as seq 10 (a1), 11 (b1), 12 (a2).
const stored = { byRoom: new Map([['r', new Map([[a1, 10], [b1, 11], [a2, 12]])]]), storedTwice: 0 };

describe('the delivery check', () => {
  it('passes members that got every stored message once, in seq order', () => {
    const check = checkDelivery({ sentByRoom, stored, memberRooms: ['r', 'r'], collected: collected([member([a1, b1, a2]), member([a1, b1, a2])]), failedSends: 0 });
    expect(check).toMatchObject({ sent: 3, stored: 3, expectedDeliveries: 6, delivered: 6, lost: 0, duplicated: 0, outOfOrder: 0 });
  });

  it('counts a missing message as lost, a repeat as duplicated, and seq order broken as out of order', () => {
    const check = checkDelivery({
      sentByRoom,
      stored,
      memberRooms: ['r', 'r', 'r'],
      collected: collected([member([a1, a2]), member([a1, a1, b1, a2]), member([b1, a1, a2])]),
      failedSends: 0,
    });
    expect(check).toMatchObject({ lost: 1, duplicated: 1, outOfOrder: 1, delivered: 8, expectedDeliveries: 9 });
  });

  it('counts a message stored twice as duplicated', () => {
    const check = checkDelivery({ sentByRoom, stored: { ...stored, storedTwice: 1 }, memberRooms: ['r'], collected: collected([member([a1, b1, a2])]), failedSends: 0 });
    expect(check.duplicated).toBe(1);
  });

  it('against the ceiling (nothing stored), takes the order the fullest member got as the broadcast order', () => {
    // The ceiling took a2 before a1 (a sender's requests overlap on several connections): every member
    // that got them in that same order is fine; one that got them otherwise is out of order.
    const agree = checkDelivery({ sentByRoom, stored: null, memberRooms: ['r', 'r'], collected: collected([member([a2, b1, a1]), member([a2, b1, a1])]), failedSends: 0 });
    expect(agree).toMatchObject({ lost: 0, duplicated: 0, outOfOrder: 0, delivered: 6 });
    const differ = checkDelivery({ sentByRoom, stored: null, memberRooms: ['r', 'r', 'r'], collected: collected([member([a2, b1, a1]), member([a1, a2]), member([b1, a2, a1])]), failedSends: 0 });
    expect(differ).toMatchObject({ lost: 1, outOfOrder: 2, delivered: 8 });
  });
});

describe('percentiles', () => {
  it('are nearest-rank over the values', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1
    expect(summarize(values)).toMatchObject({ count: 100, p50: 50, p90: 90, p99: 99, max: 100, mean: 50.5 });
    expect(summarize([]).count).toBe(0);
  });
});
