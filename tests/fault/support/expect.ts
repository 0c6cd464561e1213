import { expect } from 'vitest';
import type { ScenarioReport } from './report.js';
import { MAX_RECOVERY_MS } from './scenario.js';

/**
 * The suite's promise: every message delivered to every member exactly once, in order, every
 * acknowledged message stored once, and every member caught up within the recovery bound, both
 * after each reconnect and after the fault as a whole. No instance may crash on the way.
 */
export function expectExactlyOnceInOrder(report: ScenarioReport): void {
  const { lost, duplicated, outOfOrder, ackedMissing, clientIdsTwice, refused, unacked, unrecovered, membersEnded } = report;
  expect({ lost, duplicated, outOfOrder, ackedMissing, clientIdsTwice, refused, unacked, unrecovered, membersEnded }, report.problems.join('; ')).toEqual({
    lost: 0,
    duplicated: 0,
    outOfOrder: 0,
    ackedMissing: 0,
    clientIdsTwice: 0,
    refused: 0,
    unacked: 0,
    unrecovered: 0,
    membersEnded: 0,
  });
  expect(report.sent, 'messages sent (a scenario without traffic proves nothing)').toBeGreaterThan(0);
  expect(report.unexpectedExits, 'instances that crashed').toEqual([]);
  expect(report.acked, 'every message sent was acknowledged').toBe(report.sent);
  expect(report.stored, 'every acknowledged message is a row').toBe(report.acked);
  const bound = report.recoveryBoundMs ?? MAX_RECOVERY_MS;
  expect(report.recoveryMaxMs ?? 0, 'slowest reconnect, closed to caught up (ms)').toBeLessThanOrEqual(bound);
  if (report.faultInjected) {
    expect(report.faultRecoveryMs, 'end of the fault to every member caught up (ms; null: never)').not.toBeNull();
    expect(report.faultRecoveryMs!, 'end of the fault to every member caught up (ms)').toBeLessThanOrEqual(bound);
  }
}
