import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExactlyOnceInOrder } from './support/expect.js';
import { type FaultContext, runScenario, type Stack, startStack } from './support/scenario.js';

// Redis only carries nudges between instances: whatever happens to it, every member still gets every
// message once and in order, because each instance reads the changes from the database.
describe('Redis faults', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const faults: Array<{ name: string; fault: string; inject: (context: FaultContext) => Promise<number | void> }> = [
    {
      name: 'redis restarted',
      fault: 'redis-server stopped (SIGTERM, nothing saved) and started again on its port',
      inject: async ({ stack, mark }) => {
        const { outageMs } = await stack.redis.restart();
        mark(`redis back after ${Math.round(outageMs)} ms`);
      },
    },
    {
      name: 'pubsub connections killed',
      fault: 'CLIENT KILL TYPE pubsub: every instance loses its subscriber connection',
      inject: async ({ stack, mark }) => {
        const killed = await stack.redis.killPubsub();
        mark(`${killed} pub/sub connections killed`);
        return killed;
      },
    },
    {
      name: 'redis stalled 3 s',
      fault: 'redis-server frozen with SIGSTOP for 3 s, then SIGCONT',
      inject: ({ stack }) => stack.redis.stall(3_000),
    },
  ];
  // Senders on both instances nudge both locally, which hides a bus that never recovers; with every
  // sender on instance 0, the members on instance 1 hear of new messages through Redis alone.
  const layouts: Array<{ label: string; senderHomes?: number[] }> = [
    { label: 'senders on both instances' },
    { label: 'every sender on instance 0', senderHomes: [0, 0, 0, 0] },
  ];

  for (const { name, fault, inject } of faults) {
    for (const { label, senderHomes } of layouts) {
      it(`${name} mid-traffic (${label})`, async () => {
        const { report, faultResult } = await runScenario(stack, { file: import.meta.url, name: `${name}, ${label}`, fault, inject, senderHomes });
        if (name === 'pubsub connections killed') {
          expect(faultResult, 'subscriber connections killed (one per instance at least)').toBeGreaterThanOrEqual(stack.cluster.size);
        }
        expectExactlyOnceInOrder(report);
      });
    }
  }
});
