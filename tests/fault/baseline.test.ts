import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExactlyOnceInOrder } from './support/expect.js';
import { createRoom, signInGuests } from './support/guests.js';
import { CLOSE_RELOAD, Member } from './support/members.js';
import { judge } from './support/oracle.js';
import { runScenario, type Stack, startStack } from './support/scenario.js';
import { AckBoard, Sender } from './support/senders.js';

// The controls. With nothing broken, the oracle must count nothing; a member too far behind to be
// replayed must get everything through the page's reload (4002), once and in order. If these fail,
// the harness is wrong, not the faults.
describe('no fault', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('delivers every message to every member exactly once, in order', async () => {
    const { report } = await runScenario(stack, { file: import.meta.url, name: 'no fault', fault: 'none' });
    expectExactlyOnceInOrder(report);
  });

  it('a page too far behind to replay reloads (4002) and still shows every message once, in order', async () => {
    const urls = stack.cluster.urls;
    const [author, reader] = await signInGuests(urls, 2, []);
    const slug = await createRoom(urls[0]!, author!, 'Far Behind');
    const board = new AckBoard();
    // More than the 500 changes a socket is replayed: the page is sent a reload instead.
    const sender = new Sender({ guest: author!, name: 'burst', urls, home: 0, slug, board, rate: 200 });
    sender.start();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    sender.stop();
    expect(await sender.drain(20_000), 'the burst was acknowledged').toBe(true);

    const member = new Member({ guest: reader!, name: 'stale page', urls, home: 1, slug, board, startCursor: 0, watchdogMs: 2_500 });
    try {
      await member.join();
      const o = await judge({ databaseUrl: stack.postgres.url, slug, members: [member], messages: sender.messages });
      expect(o.acked).toBeGreaterThan(500);
      expect(member.closeCodes, 'the server sent the page a reload').toContain(CLOSE_RELOAD);
      expect(member.reloads).toBeGreaterThanOrEqual(1);
      expect({ lost: o.lost, duplicated: o.duplicated, outOfOrder: o.outOfOrder, behind: o.membersBehind }).toEqual({ lost: 0, duplicated: 0, outOfOrder: 0, behind: 0 });
    } finally {
      member.stop();
    }
  });
});
