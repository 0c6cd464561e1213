import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExactlyOnceInOrder } from './support/expect.js';
import { runScenario, type Stack, startStack } from './support/scenario.js';
import type { PostgresStopMode } from './support/services.js';

// The database is the log: while it is away nothing can be stored, so senders get errors (503) and
// retry with the same client_id; once it is back every acknowledged message is there, once, and
// every member gets everything.
describe('PostgreSQL faults', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const modes: Array<[PostgresStopMode, string]> = [
    ['fast', 'sessions ended, clean shutdown'],
    ['immediate', 'a crash: recovery from the WAL at start'],
  ];
  for (const [mode, what] of modes) {
    it(`PostgreSQL restarted with -m ${mode} mid-traffic`, async () => {
      const { report } = await runScenario(stack, {
        file: import.meta.url,
        name: `postgres restarted (-m ${mode})`,
        fault: `pg_ctl restart -m ${mode} (${what})`,
        inject: async ({ stack, mark }) => {
          const { stopMs, outageMs } = await stack.postgres.restart(mode);
          mark(`postgres stopped in ${Math.round(stopMs)} ms, back after ${Math.round(outageMs)} ms`);
        },
      });
      expect(report.retried, 'sends that failed and were retried (the outage was felt)').toBeGreaterThan(0);
      expectExactlyOnceInOrder(report);
    });
  }
});
