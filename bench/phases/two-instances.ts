import { at, lossNote, stepFigures } from '../lib/figures.js';
import type { BenchContext, Figure, PhaseReport } from '../lib/report.js';
import type { Target } from '../lib/scenario.js';
import { startHubbub } from '../lib/servers.js';
import { round } from '../lib/stats.js';
import { type FanoutRun, fanout } from './fanout.js';

/**
 * H. Two instances: A's room and senders (5 senders into one room of 1,000, page protocol, scaled),
 * once on one instance and once on two sharing PostgreSQL and Redis, with every other member on the
 * second instance (senders post to the first, so half the deliveries cross Redis). Both runs happen
 * here, back to back, so the difference is the price of the second instance: the target is at most
 * 0.3 ms more at the median, nothing lost, and the same deliveries per second within 10 %.
 */

const EXTRA_P50_MS = 0.3;

async function onInstances(count: number, context: BenchContext, members: number, durationMs: number): Promise<FanoutRun> {
  const hubbub = await startHubbub('scaled', count);
  try {
    const target: Target = { name: `hubbub ×${count}`, urls: hubbub.instances.map((i) => i.url), databaseUrl: hubbub.databaseUrl, ceiling: false };
    return await fanout(target, 'page', context, members, durationMs);
  } finally {
    await hubbub.stop();
  }
}

function compare(one: FanoutRun, two: FanoutRun): Figure[] {
  return two.steps.flatMap((step, i) => {
    const alone = one.steps[i]!;
    const prefix = `${step.rate} msg/s`;
    return [
      {
        name: `${prefix}: extra last-recipient p50 with two instances`,
        value: round(step.lastRecipient.p50 - alone.lastRecipient.p50),
        unit: 'ms',
        target: at('<=', EXTRA_P50_MS),
        note: `one instance ${round(alone.lastRecipient.p50)} ms, two ${round(step.lastRecipient.p50)} ms; p99 ${round(alone.lastRecipient.p99)} → ${round(step.lastRecipient.p99)} ms`,
      },
      {
        name: `${prefix}: deliveries/s, two instances over one`,
        value: round((100 * step.deliveriesPerSecond) / alone.deliveriesPerSecond, 1),
        unit: '%',
        target: at('>=', 90),
        note: `${alone.deliveriesPerSecond} → ${step.deliveriesPerSecond} /s`,
      },
      ...[alone, step].map((run, n) => ({
        name: `${prefix}: ${n + 1} instance${n ? 's' : ''} lost + duplicated + out of order`,
        value: run.delivery.lost + run.delivery.duplicated + run.delivery.outOfOrder,
        unit: '',
        target: at('<=', 0),
        note: lossNote(run),
      })),
    ];
  });
}

export async function run(context: BenchContext): Promise<PhaseReport[]> {
  const members = context.smoke ? 50 : 1000;
  const durationMs = context.smoke ? 2000 : 15_000;
  const one = await onInstances(1, context, members, durationMs);
  const two = await onInstances(2, context, members, durationMs);
  const figures = [
    ...compare(one, two),
    ...two.steps.flatMap((step) => stepFigures(`two instances ${step.rate} msg/s`, step).filter((figure) => !figure.name.includes('lost + duplicated'))),
  ];
  return [{ id: 'H', title: `Two instances: ${members} members in one room, half on each, 5 senders`, figures, details: { runs: [one, two] } }];
}
