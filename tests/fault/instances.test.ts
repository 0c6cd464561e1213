import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExactlyOnceInOrder } from './support/expect.js';
import { CLOSE_RESTARTING, type Member } from './support/members.js';
import { runScenario, type Stack, startStack } from './support/scenario.js';
import { sleep } from './support/util.js';

// An instance that dies takes its sockets with it: their pages reconnect to the other instance and
// catch up from the database, and senders retry elsewhere with the same client_id.
describe('instance faults', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('one instance killed (SIGKILL) while clients chat, then started again', async () => {
    const { report, faultResult } = await runScenario(stack, {
      file: import.meta.url,
      name: 'instance killed (SIGKILL)',
      fault: 'instance 1 killed with SIGKILL; started again 1 s later',
      trafficMs: 8_000,
      inject: async ({ stack, members, mark }) => {
        const onKilled = members.filter((member) => member.instance === 1);
        const exit = await stack.cluster.kill(1, 'SIGKILL');
        mark('instance 1 gone');
        await sleep(1_000);
        await stack.cluster.restart(1);
        mark('instance 1 healthy again');
        return { exit, onKilled };
      },
    });
    expect(faultResult!.exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(faultResult!.onKilled.length, 'members on the killed instance').toBeGreaterThan(0);
    for (const member of faultResult!.onKilled) {
      expect(reconnectedElsewhere(member, 1), `${member.name} reconnected to another instance`).toBe(true);
    }
    expect(report.membersDisconnected, 'members without a socket when the oracle finished').toBe(0);
    expectExactlyOnceInOrder(report);
  });

  it('one instance stopped (SIGTERM): exits 0, its pages get 1012 and reconnect elsewhere', async () => {
    const { report, faultResult } = await runScenario(stack, {
      file: import.meta.url,
      name: 'instance stopped (SIGTERM)',
      fault: 'instance 1 stopped with SIGTERM (graceful shutdown)',
      inject: async ({ stack, members, mark }) => {
        const onStopped = members.filter((member) => member.instance === 1);
        const exit = await stack.cluster.kill(1, 'SIGTERM');
        mark(`instance 1 exited (${JSON.stringify(exit)})`);
        return { exit, onStopped };
      },
    });
    const { exit, onStopped } = faultResult!;
    if (exit.code !== 0) console.log(`instance 1 output:\n${stack.cluster.output(1)}`);
    expect(exit, 'exit of the stopped instance').toEqual({ code: 0, signal: null });
    expect(onStopped.length, 'members on the stopped instance').toBeGreaterThan(0);
    const closes = onStopped.map((member) => ({ member: member.name, first: member.reconnects[0]?.code ?? null }));
    expect(closes.filter((close) => close.first !== CLOSE_RESTARTING), 'members whose socket did not close with 1012').toEqual([]);
    for (const member of onStopped) {
      expect(reconnectedElsewhere(member, 1), `${member.name} reconnected to another instance`).toBe(true);
    }
    expectExactlyOnceInOrder(report);
  });
});

/** The member's first reconnect after losing `instance` opened a socket on another one. */
function reconnectedElsewhere(member: Member, instance: number): boolean {
  const first = member.reconnects[0];
  return first !== undefined && first.openedAt !== null && first.instance !== instance;
}
