import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExactlyOnceInOrder } from './support/expect.js';
import { runScenario, type Stack, startStack } from './support/scenario.js';
import type { Sender } from './support/senders.js';
import { maxOf, now, percentile, sleep, waitUntil } from './support/util.js';

// A consumer that stops reading (a frozen tab, a stalled process): its socket's TCP read is paused
// while a burst flows into the room, so the frames meant for it pile up in the kernel and then in
// the server's send buffer. The server must cut it loose — close 1013 once more than 4 MiB wait —
// rather than buffer without bound, and no other member may be slowed down meanwhile. Once the
// consumer reads again it gets what was queued, sees the 1013, reconnects, and (too far behind to
// replay: 4002) reloads the page: in the end it has every message once, in order.
//
// The instances ping every 30 s here (the default): with the suite's 1 s, the heartbeat drops the
// silent socket within two seconds, long before its buffer could reach the bound (half-open.test.ts
// covers that path).
//
// 10,000 messages with FAULT_FULL=1; CI sends fewer, larger ones (the same bytes queue up sooner).
const FULL = process.env.FAULT_FULL === '1';
const SENDERS = 100;
const PER_SENDER = FULL ? 100 : 30;
const PADDING = FULL ? 1_000 : 3_500;
const CLOSE_TOO_SLOW = 1013;

describe('a consumer that stops reading', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ pingIntervalS: 30 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it(`is closed with 1013 while ${SENDERS * PER_SENDER} messages flow, the others are not held up, and it ends with every message`, { timeout: FULL ? 600_000 : 180_000 }, async () => {
    const { report, faultResult } = await runScenario(stack, {
      file: import.meta.url,
      name: 'a consumer stops reading during a burst',
      fault: `member 0 stops reading its socket (TCP read paused, watchdog stopped) while ${SENDERS} senders each send ${PER_SENDER} messages of ~${PADDING + 40} characters back to back; it reads again once all are stored`,
      members: 11,
      senders: SENDERS,
      faultAtMs: 100,
      senderOptions: () => ({ bodyPadding: PADDING }),
      judgeWaitMs: 60_000,
      drive: async ({ senders }) => {
        await Promise.all(senders.map((sender) => sender.burst(PER_SENDER)));
      },
      inject: async ({ members, senders, mark }) => {
        const consumer = members[0]!;
        const frozen = consumer.freeze();
        const frozenAt = now();
        const bytesBefore = consumer.bytesReceived;
        mark(`member 0 stops reading (${frozen ? 'paused' : 'no socket to pause'})`);
        await waitUntil(() => allAnswered(senders, SENDERS * PER_SENDER), 600_000, 50);
        await sleep(500);
        const thawedAt = now();
        const closesBefore = consumer.closeCodes.length;
        consumer.thaw();
        mark('member 0 reads again');
        // What was queued for it arrives first, then the close.
        await waitUntil(() => consumer.closeCodes.length > closesBefore, 20_000, 10);
        mark(`member 0 saw its socket close (${consumer.closeCodes[closesBefore] ?? 'no close'})`);
        return { consumer, frozen, frozenAt, thawedAt, bytesBefore, closesBefore, bytesQueued: consumer.bytesReceived - bytesBefore };
      },
      assess: ({ members, senders, faultResult }) => {
        const { consumer, thawedAt, closesBefore, bytesQueued } = faultResult!;
        const others = members.filter((member) => member !== consumer);
        const acked = senders.flatMap((sender) => sender.messages).filter((message) => message.ackedAt !== null);
        // Ack → seen: how long a stored message took to reach the others (the POST's own queueing left out).
        const ackToSeen = others.flatMap((member) => acked.map((m) => (member.arrivedAt.get(m.seq!) ?? Infinity) - m.ackedAt!));
        const sendToSeen = others.flatMap((member) => acked.map((m) => (member.arrivedAt.get(m.seq!) ?? Infinity) - m.sentAt));
        const recovery = consumer.reconnects.find((r) => r.closedAt >= thawedAt);
        const round = (value: number | null) => (value === null || !Number.isFinite(value) ? null : Math.round(value));
        return {
          figures: {
            messages: SENDERS * PER_SENDER,
            'consumer close': consumer.closeCodes[closesBefore] ?? null,
            'MB it got after it stopped reading': Math.round(bytesQueued / 1e4) / 100,
            'consumer closes': consumer.closeCodes.slice(closesBefore).join(' '),
            'consumer reloads': consumer.reloads,
            'consumer close → caught up ms': recovery?.caughtUpAt == null ? null : round(recovery.caughtUpAt - recovery.closedAt),
            'others ack→seen p50 ms': round(percentile(ackToSeen, 50)),
            'others ack→seen p99 ms': round(percentile(ackToSeen, 99)),
            'others ack→seen max ms': round(maxOf(ackToSeen)),
            'others send→seen p99 ms': round(percentile(sendToSeen, 99)),
            'others reconnects': others.reduce((sum, member) => sum + member.reconnects.length, 0),
            'stored per s': round((acked.length * 1000) / ((maxOf(acked.map((m) => m.ackedAt!)) ?? 0) - Math.min(...senders.map((s) => s.messages[0]?.sentAt ?? Infinity)))),
          },
        };
      },
    });
    const { consumer, frozen, closesBefore } = faultResult!;
    expect(frozen, 'member 0 had a socket to stop reading').toBe(true);
    expect(consumer.closeCodes[closesBefore], 'the server closed the stalled socket with 1013 (too far behind)').toBe(CLOSE_TOO_SLOW);
    expect(report.figures?.['others reconnects'], "the other members' sockets stayed open").toBe(0);
    expect(report.figures?.['others ack→seen p99 ms'], 'stored → seen by the others, p99 (ms)').not.toBeNull();
    expect(report.figures!['others ack→seen p99 ms'] as number, 'stored → seen by the others, p99 (ms)').toBeLessThanOrEqual(1_000);
    expectExactlyOnceInOrder(report);
  });
});

function allAnswered(senders: Sender[], total: number): boolean {
  let answered = 0;
  for (const sender of senders) for (const message of sender.messages) if (message.seq !== null || message.refused !== null) answered++;
  return answered >= total;
}
