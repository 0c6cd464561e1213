import { startCeiling } from './ceiling-process.js';
import type { Protocol } from './clients.js';
import { at, clean, lossNote } from './figures.js';
import { ReceiverPool } from './receivers.js';
import type { BenchContext, Figure, ProcessUsage } from './report.js';
import type { ProcessSampler } from './sample.js';
import { type Layout, setUp, type StepResult, step, type Target, tearDown } from './scenario.js';
import { startHubbub, watch } from './servers.js';
import { round } from './stats.js';

/**
 * Stepped load, for the max-rate phases (B, C): one set of rooms and members, then open-loop steps
 * at rising send rates until the server falls behind (last-recipient p99 past a limit) or a step is
 * not clean (anything lost, duplicated, out of order or refused). The highest clean step fast
 * enough is the rate the server sustains. Every process is sampled through each step, so the
 * report says what ran out (Hubbub, PostgreSQL, Redis or the driver).
 */

export interface Ladder {
  /** Send rates in all (messages/s, spread over every sender), rising. */
  rates: number[];
  stepMs: number;
  /** A clean step with a last-recipient p99 at most this (ms) is sustained. */
  sustainP99Ms: number;
  /** The stepping ends after a step that is not clean or whose last-recipient p99 passes this (ms). */
  stopP99Ms: number;
}

export interface SampledStep extends StepResult {
  /** CPU and memory of each process through the step: its traffic and its drain. */
  processes: ProcessUsage[];
}

export interface SteppedRun {
  target: string;
  protocol: Protocol;
  steps: SampledStep[];
  connectMs: number;
  failedMembers: number;
}

/** A running server to step: where the driver points, and a sampler of the processes it runs on. */
export interface Served {
  target: Target;
  watch(): ProcessSampler;
}

export type ServerKind = 'ceiling' | 'hubbub';

async function start(kind: ServerKind): Promise<Served & { stop(): Promise<void> }> {
  if (kind === 'ceiling') {
    const { instance, target } = await startCeiling();
    return { target, watch: () => watch({ instances: [instance], databaseUrl: null }, 'ceiling'), stop: () => instance.stop() };
  }
  const hubbub = await startHubbub('scaled');
  const target: Target = { name: 'hubbub', urls: hubbub.instances.map((instance) => instance.url), databaseUrl: hubbub.databaseUrl, ceiling: false };
  return { target, watch: () => watch(hubbub), stop: () => hubbub.stop() };
}

/** Starts the ceiling or a fresh Hubbub (scaled: PostgreSQL + Redis), runs `body` against it, and stops it. */
export async function against<T>(kind: ServerKind, body: (served: Served) => Promise<T>): Promise<T> {
  const server = await start(kind);
  try {
    return await body(server);
  } finally {
    await server.stop();
  }
}

const p99Of = (result: StepResult) => result.lastRecipient.p99;

/** A step after which the stepping ends: not clean, or too slow (no p99 at all counts as too slow). */
const ends = (result: StepResult, ladder: Ladder) => !clean(result) || !(p99Of(result) <= ladder.stopP99Ms);

const sustains = (result: StepResult, ladder: Ladder) => clean(result) && p99Of(result) <= ladder.sustainP99Ms;

/** A step's line in the log: latency, deliveries, the delivery check, and the busiest process. */
function describe(result: SampledStep): string {
  const d = result.delivery;
  const busiest = [...result.processes].sort((a, b) => b.cpuAvgPercent - a.cpuAvgPercent)[0];
  const cpu = busiest ? `, busiest ${busiest.name} ${Math.round(busiest.cpuAvgPercent)} % CPU` : '';
  return (
    `  ${result.rate} msg/s: last recipient p50 ${round(result.lastRecipient.p50)} p99 ${round(p99Of(result))} ms, ` +
    `${result.deliveriesPerSecond} deliveries/s, lost ${d.lost}, duplicated ${d.duplicated}, out of order ${d.outOfOrder}, failed sends ${d.failedSends}${cpu}`
  );
}

/** Sets up the layout on the server, then runs the ladder's steps, each sampled, until one ends the stepping. */
export async function stepUp(served: Served, layout: Layout, ladder: Ladder, context: BenchContext): Promise<SteppedRun> {
  const pool = ReceiverPool.start(2);
  try {
    const setup = await setUp(served.target, layout, pool, context.log);
    if (setup.failedMembers) context.log(`  ${setup.failedMembers} members failed: ${setup.failures.join('; ')}`);
    const steps: SampledStep[] = [];
    for (const rate of ladder.rates) {
      const sampler = served.watch();
      sampler.start();
      const result = await step(setup, pool, rate, ladder.stepMs);
      const sampled = { ...result, processes: sampler.stop() };
      context.log(describe(sampled));
      steps.push(sampled);
      if (ends(sampled, ladder)) break;
    }
    tearDown(setup);
    return { target: served.target.name, protocol: layout.protocol, steps, connectMs: setup.connectMs, failedMembers: setup.failedMembers };
  } finally {
    await pool.stop();
  }
}

/** The highest sustained step (clean, p99 within the limit), if any. */
function maxStep(run: SteppedRun, ladder: Ladder): SampledStep | undefined {
  return run.steps.filter((result) => sustains(result, ladder)).at(-1);
}

const maxRate = (run: SteppedRun, ladder: Ladder) => maxStep(run, ladder)?.rate ?? 0;

/** The ladder's top step was sustained: the run's true max may lie higher. */
const maxAtTop = (run: SteppedRun, ladder: Ladder) => maxRate(run, ladder) === ladder.rates.at(-1);

/**
 * The step that ended the stepping past a step the server carried: the rate it cannot carry. Its
 * losses are overload, not a fault: they are reported, not counted. The first step is never
 * overload (a server that carries no rate at all is broken), nor is any step of a smoke run,
 * whose rates are far below overload: there every loss counts, and CI fails on it.
 */
function overloadStep(run: SteppedRun, ladder: Ladder, smoke: boolean): SampledStep | undefined {
  const last = run.steps.at(-1);
  return !smoke && run.steps.length > 1 && last && ends(last, ladder) ? last : undefined;
}

function lossFigure(prefix: string, run: SteppedRun, ladder: Ladder, smoke: boolean): Figure {
  const overload = overloadStep(run, ladder, smoke);
  const counted = run.steps.filter((result) => result !== overload);
  const faultsOf = ({ delivery: d }: StepResult) => d.lost + d.duplicated + d.outOfOrder;
  const value = counted.reduce((sum, result) => sum + faultsOf(result), 0);
  const faults = counted.filter((result) => !clean(result)).map((result) => `${result.rate} msg/s: ${lossNote(result)}`);
  const notes = [`${counted.length} step(s) counted${faults.length ? `; ${faults.join('; ')}` : ''}`];
  if (overload) notes.push(`not counted: ${overload.rate} msg/s, which ended the stepping: ${lossNote(overload)}`);
  const name = `${prefix}: lost + duplicated + out of order`;
  return { name, value, unit: '', target: at('<=', 0), note: notes.join('; ') };
}

/** How the stepping went: the ladder, and why it ended. */
function stepsNote(run: SteppedRun, ladder: Ladder): string {
  const rates = ladder.rates;
  const ladderNote = `steps ${rates[0]}–${rates.at(-1)} msg/s, ${ladder.stepMs / 1000} s each`;
  const last = run.steps.at(-1);
  if (!last) return ladderNote;
  const why = !clean(last) ? lossNote(last) : `p99 ${round(p99Of(last))} ms`;
  const ending = ends(last, ladder) ? `ended at ${last.rate} msg/s: ${why}` : `ran the whole ladder, no step unclean or past p99 ${ladder.stopP99Ms} ms`;
  const top = maxAtTop(run, ladder) ? '; the top step was sustained: the max may lie higher' : '';
  const failed = run.failedMembers ? `; ${run.failedMembers} members failed to connect` : '';
  return `${ladderNote}; ${ending}${top}${failed}`;
}

/**
 * A run's figures: its max sustained rate (and how many deliveries, how fast, at that step), and
 * what it lost in the steps that count (see `overloadStep`).
 */
export function steppedFigures(run: SteppedRun, ladder: Ladder, { rateTarget, smoke }: { rateTarget?: number; smoke: boolean }): Figure[] {
  const prefix = `${run.target} ${run.protocol}`;
  const best = maxStep(run, ladder);
  const figures: Figure[] = [
    {
      name: `${prefix}: max sustained rate (clean, p99 ≤ ${ladder.sustainP99Ms} ms)`,
      value: best?.rate ?? 0,
      unit: 'msg/s',
      target: rateTarget === undefined ? undefined : at('>=', rateTarget),
      note: best ? stepsNote(run, ladder) : `no step sustained; ${stepsNote(run, ladder)}`,
    },
  ];
  if (best) {
    figures.push(
      { name: `${prefix}: deliveries at max`, value: best.deliveriesPerSecond, unit: '/s', note: `${best.storedPerSecond} stored/s` },
      { name: `${prefix}: last recipient p50 at max`, value: round(best.lastRecipient.p50), unit: 'ms' },
      { name: `${prefix}: last recipient p99 at max`, value: round(p99Of(best)), unit: 'ms', note: `max ${round(best.lastRecipient.max)} ms` },
    );
  }
  figures.push(lossFigure(prefix, run, ladder, smoke));
  return figures;
}

/** Hubbub's max sustained rate as a share of the ceiling's (same layout, same driver). */
export function ratioFigure(hubbub: SteppedRun, ceiling: SteppedRun, ladder: Ladder, target?: number): Figure {
  const [hubbubRate, ceilingRate] = [maxRate(hubbub, ladder), maxRate(ceiling, ladder)];
  const topped = maxAtTop(ceiling, ladder) ? ["the ceiling sustained the ladder's top step: its max may lie higher, so this share is an upper bound"] : [];
  return {
    name: `hubbub ${hubbub.protocol} max rate as % of the ceiling's`,
    value: ceilingRate > 0 ? round((100 * hubbubRate) / ceilingRate, 0) : NaN,
    unit: '%',
    target: target === undefined ? undefined : at('>=', target),
    note: ceilingRate > 0 ? [`${hubbubRate} of ${ceilingRate} msg/s`, ...topped].join('; ') : 'the ceiling sustained no step',
  };
}

/** The processes at the run's max step (its first step when none was sustained): a report's `processes`. */
export const processesAtMax = (run: SteppedRun, ladder: Ladder): ProcessUsage[] => (maxStep(run, ladder) ?? run.steps[0])?.processes ?? [];
