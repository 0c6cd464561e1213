import { startCeiling } from '../lib/ceiling-process.js';
import type { Protocol } from '../lib/clients.js';
import { stepFigures } from '../lib/figures.js';
import { ReceiverPool } from '../lib/receivers.js';
import type { BenchContext, PhaseReport } from '../lib/report.js';
import { setUp, type StepResult, step, type Target, tearDown } from '../lib/scenario.js';
import { startHubbub } from '../lib/servers.js';

/**
 * A. Fan-out: 1,000 sockets in one room, 5 senders at 20 then 50 messages/s, persisted, scaled mode
 * (PostgreSQL + Redis). Through the page protocol, the old protocol, and against the ceiling.
 */

const RATES = [20, 50];

export interface FanoutRun {
  target: string;
  protocol: Protocol;
  steps: StepResult[];
  connectMs: number;
  failedMembers: number;
}

export async function fanout(target: Target, protocol: Protocol, context: BenchContext, members: number, durationMs: number): Promise<FanoutRun> {
  const pool = ReceiverPool.start(2);
  try {
    const setup = await setUp(target, { rooms: 1, membersPerRoom: members, sendersPerRoom: 5, protocol }, pool, context.log);
    if (setup.failedMembers) context.log(`  ${setup.failedMembers} members failed: ${setup.failures.join('; ')}`);
    const steps: StepResult[] = [];
    for (const rate of RATES) {
      const result = await step(setup, pool, rate, durationMs);
      context.log(`  ${rate} msg/s: last recipient p50 ${result.lastRecipient.p50.toFixed(2)} p99 ${result.lastRecipient.p99.toFixed(2)} ms, lost ${result.delivery.lost}`);
      steps.push(result);
    }
    tearDown(setup);
    return { target: target.name, protocol, steps, connectMs: setup.connectMs, failedMembers: setup.failedMembers };
  } finally {
    await pool.stop();
  }
}

export async function run(context: BenchContext): Promise<PhaseReport[]> {
  const members = context.smoke ? 50 : 1000;
  const durationMs = context.smoke ? 2000 : 15_000;
  const runs: FanoutRun[] = [];
  const ceiling = await startCeiling();
  try {
    runs.push(await fanout(ceiling.target, 'page', context, members, durationMs));
  } finally {
    await ceiling.instance.stop();
  }
  for (const protocol of ['page', 'legacy'] as const) {
    const hubbub = await startHubbub('scaled');
    try {
      const target: Target = { name: 'hubbub', urls: hubbub.instances.map((i) => i.url), databaseUrl: hubbub.databaseUrl, ceiling: false };
      runs.push(await fanout(target, protocol, context, members, durationMs));
    } finally {
      await hubbub.stop();
    }
  }
  const figures = runs.flatMap((run) =>
    run.steps.flatMap((result) =>
      stepFigures(`${run.target} ${run.protocol} ${result.rate} msg/s`, result, run.target === 'hubbub' ? { p50: 8, p99: 20 } : {}),
    ),
  );
  return [{ id: 'A', title: `Fan-out: ${members} sockets in one room, 5 senders`, figures, details: { runs } }];
}
