import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExactlyOnceInOrder } from './support/expect.js';
import { runScenario, type Stack, startStack } from './support/scenario.js';
import { maxOf, percentile } from './support/util.js';

// A burst: a hundred people sending as fast as the server answers (each sends the next message once
// the previous one is stored: a closed loop), 10,000 messages in all into one room, with members on
// both instances. Every member must receive every message once and in order; the report gives the
// throughput. Concurrent sends to the room share a transaction (group commit); one room stores a few
// hundred messages a second here (about 300 to 480: each HTTP send costs ~2 ms of server CPU).
const SENDERS = 100;
const PER_SENDER = 100;
const MEMBERS = 20;

describe(`a burst of ${SENDERS * PER_SENDER} messages`, () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it(`${SENDERS} senders × ${PER_SENDER} messages into one room: every member gets all, once, in order`, async () => {
    const { report } = await runScenario(stack, {
      file: import.meta.url,
      name: `burst from ${SENDERS} senders into one room`,
      fault: `none: ${SENDERS} senders (half to each instance) each send ${PER_SENDER} messages back to back; ${MEMBERS} members, half on each instance`,
      members: MEMBERS,
      senders: SENDERS,
      judgeWaitMs: 60_000,
      drive: async ({ senders }) => {
        await Promise.all(senders.map((sender) => sender.burst(PER_SENDER)));
      },
      assess: ({ members, senders, trafficStartedAt, observations }) => {
        const messages = senders.flatMap((sender) => sender.messages);
        const acked = messages.filter((message) => message.ackedAt !== null);
        const lastAck = maxOf(acked.map((message) => message.ackedAt!)) ?? Infinity;
        const ackedSeqs = acked.map((message) => message.seq!);
        // When each member had every acknowledged message: the burst is delivered once all have.
        const completeAt = members.map((member) => maxOf(ackedSeqs.map((seq) => member.arrivedAt.get(seq) ?? Infinity)) ?? Infinity);
        const deliveredAt = maxOf(completeAt) ?? Infinity;
        const lags = members.flatMap((member) => acked.map((m) => (member.arrivedAt.get(m.seq!) ?? Infinity) - m.sentAt));
        const ackLatencies = acked.map((m) => m.ackedAt! - m.sentAt);
        const round = (value: number | null) => (value === null || !Number.isFinite(value) ? null : Math.round(value));
        const perSecond = (count: number, ms: number) => (Number.isFinite(ms) && ms > 0 ? Math.round((count * 1000) / ms) : null);
        return {
          figures: {
            messages: acked.length,
            'stored per s': perSecond(acked.length, lastAck - trafficStartedAt),
            'delivered to all per s': perSecond(acked.length, deliveredAt - trafficStartedAt),
            'burst stored in ms': round(lastAck - trafficStartedAt),
            'burst delivered to all in ms': round(deliveredAt - trafficStartedAt),
            'send→ack p50 ms': round(percentile(ackLatencies, 50)),
            'send→ack p99 ms': round(percentile(ackLatencies, 99)),
            'send→seen p50 ms': round(percentile(lags, 50)),
            'send→seen p99 ms': round(percentile(lags, 99)),
            'frames per member': Math.round(members.reduce((sum, m) => sum + m.framesReceived, 0) / members.length),
            'member reconnects': observations.reconnects,
          },
        };
      },
    });
    expect(report.sent, 'messages sent').toBe(SENDERS * PER_SENDER);
    expect(report.reconnects, 'sockets that closed under the burst').toBe(0);
    expectExactlyOnceInOrder(report);
  });
});
