import { describe, expect, it } from 'vitest';
import { frameCursor } from './support/members.js';
import { delivery, storage } from './support/oracle.js';
import type { SentMessage } from './support/senders.js';
import { itemSeqs } from '../support/socket.js';

// The oracle must see what it is meant to catch; these checks need no servers.
const member = (startCursor: number, arrivals: number[]) => {
  const counts = new Map<number, number>();
  for (const seq of arrivals) counts.set(seq, (counts.get(seq) ?? 0) + 1);
  return { startCursor, counts, arrivals: [...new Set(arrivals)] };
};

const sent = (clientId: string, seq: number | null): SentMessage => ({
  clientId,
  body: clientId,
  sentAt: 0,
  ackedAt: seq === null ? null : 1,
  seq,
  status: seq === null ? null : 201,
  attempts: 1,
  failures: [],
  refused: null,
});

describe('the fault oracle', () => {
  it('counts nothing when every member got every stored seq once, in order', () => {
    expect(delivery([member(0, [1, 2, 3]), member(1, [2, 3])], [1, 2, 3])).toEqual({ lost: 0, duplicated: 0, outOfOrder: 0 });
  });

  it('counts stored seqs a member never got (above its starting cursor), repeats and late arrivals', () => {
    expect(delivery([member(0, [1, 3]), member(0, [1, 2, 2, 3, 3])], [1, 2, 3])).toEqual({ lost: 1, duplicated: 2, outOfOrder: 0 });
    expect(delivery([member(0, [2, 1, 3])], [1, 2, 3])).toEqual({ lost: 0, duplicated: 0, outOfOrder: 1 });
  });

  it('compares acknowledgements with the rows: missing, moved and doubled client_ids', () => {
    const rows = [
      { seq: 1, client_id: 'a' },
      { seq: 2, client_id: 'b' },
      { seq: 3, client_id: 'c' },
      { seq: 4, client_id: 'c' },
    ];
    const result = storage([sent('a', 1), sent('b', 7), sent('d', 5), sent('e', null)], rows, 5);
    expect(result).toMatchObject({ sent: 4, acked: 3, stored: 4, ackedMissing: 2, clientIdsTwice: 1, storedUnacked: 2, unacked: 1, seqGaps: 1 });
  });

  it('reads items and the cursor from the frames the server sends', () => {
    const frame =
      '<ol id="messages" hx-swap-oob="upsert"><li id="m-12" data-seq="12" class="message">a</li><li id="m-13" data-seq="13" class="message">b</li></ol>' +
      '<div id="room-cursor" data-seq="13" data-after="11" hidden="" hx-swap-oob="true"></div>';
    expect(itemSeqs(frame)).toEqual([12, 13]);
    expect(frameCursor(frame)).toEqual({ seq: 13, after: 11 });
    expect(frameCursor('<div id="room-cursor" data-seq="4" hidden hx-swap-oob="true"></div>')).toEqual({ seq: 4, after: null });
    expect(frameCursor('<div id="presence"></div>')).toBeNull();
  });
});
