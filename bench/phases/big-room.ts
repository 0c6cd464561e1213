import type { BenchContext, PhaseReport } from '../lib/report.js';
import { against, type Ladder, processesAtMax, ratioFigure, type SteppedRun, steppedFigures, stepUp } from '../lib/stepped.js';
import { lineChart } from '../lib/svg.js';

/**
 * B. Max rate, big room: 100 members in one room and 10 senders, the send rate stepped up until the
 * last recipient's p99 passes 500 ms or anything is lost, duplicated, out of order or refused. It
 * finds what one busy room costs per message end to end (the send, the commit, the fan-out to
 * every member), persisted in scaled mode (PostgreSQL + Redis). Against the ceiling, then a fresh
 * Hubbub per protocol (page: sends over HTTP; old: socket frames), as A runs them. Targets: ≥ 1,000
 * msg/s (100,000 deliveries/s), and Hubbub ≥ 50 % of the ceiling's max rate.
 */

const SENDERS = 10;
const RATE_TARGET = 1000;
const SHARE_TARGET = 50;
const P99_LIMIT_MS = 500;

const LADDERS: Record<'full' | 'smoke', Ladder> = {
  full: { rates: [50, 100, 200, 400, 700, 1000, 1400, 2000, 2800, 4000], stepMs: 5000, sustainP99Ms: P99_LIMIT_MS, stopP99Ms: P99_LIMIT_MS },
  smoke: { rates: [20, 50], stepMs: 1000, sustainP99Ms: P99_LIMIT_MS, stopP99Ms: P99_LIMIT_MS },
};

/** What B keeps in its report's details, and draws its chart from. A type, not an interface: details take any record. */
type BigRoomDetails = {
  members: number;
  senders: number;
  ladder: Ladder;
  runs: SteppedRun[];
};

export async function run(context: BenchContext): Promise<PhaseReport[]> {
  const { smoke } = context;
  const members = smoke ? 20 : 100;
  const ladder = LADDERS[smoke ? 'smoke' : 'full'];
  const layout = (protocol: SteppedRun['protocol']) => ({ rooms: 1, membersPerRoom: members, sendersPerRoom: SENDERS, protocol });
  const ceiling = await against('ceiling', (served) => stepUp(served, layout('page'), ladder, context));
  const hubbub: SteppedRun[] = [];
  for (const protocol of ['page', 'legacy'] as const) hubbub.push(await against('hubbub', (served) => stepUp(served, layout(protocol), ladder, context)));
  const figures = [
    ...steppedFigures(ceiling, ladder, { smoke }),
    ...hubbub.flatMap((one) => steppedFigures(one, ladder, { rateTarget: RATE_TARGET, smoke })),
    ...hubbub.map((one) => ratioFigure(one, ceiling, ladder, SHARE_TARGET)),
  ];
  const details: BigRoomDetails = { members, senders: SENDERS, ladder, runs: [ceiling, ...hubbub] };
  return [
    {
      id: 'B',
      title: `Max rate, big room: ${members} sockets in one room, ${SENDERS} senders`,
      figures,
      // The headline processes: Hubbub's, page protocol, at its max step; every step's are in the details.
      processes: processesAtMax(hubbub[0]!, ladder),
      details,
    },
  ];
}

/** Last-recipient p50 (solid) and p99 (dashed) against the send rate, per target and protocol, with the 500 ms limit. */
export function drawRateChart(report: PhaseReport): string {
  const { members, ladder, runs } = report.details as BigRoomDetails;
  const series = runs.flatMap((one) =>
    (['p50', 'p99'] as const).map((p) => ({
      name: `${one.target} ${one.protocol} ${p}`,
      dashed: p === 'p99',
      points: one.steps.map((result) => [result.rate, result.lastRecipient[p]] as [number, number]),
    })),
  );
  return lineChart({
    title: `B. Big room (${members} members): last-recipient latency against send rate`,
    xLabel: 'messages/s into the room',
    yLabel: 'ms',
    series,
    logX: true,
    logY: true,
    guides: [{ y: ladder.stopP99Ms, label: `p99 limit ${ladder.stopP99Ms} ms` }],
  });
}
