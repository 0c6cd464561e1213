import type { BenchContext, PhaseReport } from '../lib/report.js';
import { against, type Ladder, processesAtMax, ratioFigure, steppedFigures, stepUp } from '../lib/stepped.js';

/**
 * C. Max rate, many rooms: 1,000 members in 100 rooms of 10, one sender per room (page protocol:
 * sends over HTTP), the total send rate stepped up. Where B loads one room's fan-out, C loads the
 * sends and commits of many rooms at once, persisted in scaled mode (PostgreSQL + Redis). The max
 * sustained rate is the highest clean step with a last-recipient p99 ≤ 50 ms; the stepping goes on
 * until p99 passes 500 ms or anything is lost, so the report shows where it breaks. Against the
 * ceiling too, for the ratio. Target: ≥ 8,000 msg/s persisted, p99 ≤ 50 ms, 0 lost.
 */

const RATE_TARGET = 8000;

const LADDERS: Record<'full' | 'smoke', Ladder> = {
  full: { rates: [100, 250, 500, 750, 1000, 1500, 2000, 4000, 8000], stepMs: 5000, sustainP99Ms: 50, stopP99Ms: 500 },
  smoke: { rates: [20, 50], stepMs: 1000, sustainP99Ms: 50, stopP99Ms: 500 },
};

export async function run(context: BenchContext): Promise<PhaseReport[]> {
  const { smoke } = context;
  const layout = { rooms: smoke ? 10 : 100, membersPerRoom: smoke ? 5 : 10, sendersPerRoom: 1, protocol: 'page' as const };
  const ladder = LADDERS[smoke ? 'smoke' : 'full'];
  const ceiling = await against('ceiling', (served) => stepUp(served, layout, ladder, context));
  const hubbub = await against('hubbub', (served) => stepUp(served, layout, ladder, context));
  const figures = [
    ...steppedFigures(ceiling, ladder, { smoke }),
    ...steppedFigures(hubbub, ladder, { rateTarget: RATE_TARGET, smoke }),
    ratioFigure(hubbub, ceiling, ladder),
  ];
  return [
    {
      id: 'C',
      title: `Max rate, many rooms: ${layout.rooms * layout.membersPerRoom} sockets in ${layout.rooms} rooms of ${layout.membersPerRoom}, one sender each`,
      figures,
      // The headline processes: Hubbub's at its max step; every step's are in the details.
      processes: processesAtMax(hubbub, ladder),
      details: { layout, ladder, runs: [ceiling, hubbub] },
    },
  ];
}
