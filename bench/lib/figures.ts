import type { Figure, Target as Goal } from './report.js';
import type { StepResult } from './scenario.js';
import { round } from './stats.js';

export const at = (op: Goal['op'], value: number): Goal => ({ op, value });

/** The usual figures of one traffic step, prefixed (e.g. "page 20 msg/s"). */
export function stepFigures(prefix: string, result: StepResult, targets: { p50?: number; p99?: number } = {}): Figure[] {
  const figures: Figure[] = [
    { name: `${prefix}: last recipient p50`, value: round(result.lastRecipient.p50), unit: 'ms', target: targets.p50 === undefined ? undefined : at('<=', targets.p50) },
    { name: `${prefix}: last recipient p99`, value: round(result.lastRecipient.p99), unit: 'ms', target: targets.p99 === undefined ? undefined : at('<=', targets.p99) },
    { name: `${prefix}: every delivery p50 / p99`, value: round(result.everyDelivery.p50), unit: 'ms', note: `p99 ${round(result.everyDelivery.p99)} ms, max ${round(result.everyDelivery.max)} ms` },
    { name: `${prefix}: deliveries`, value: result.deliveriesPerSecond, unit: '/s', note: `${result.delivery.stored} stored of ${result.sent} sent` },
    { name: `${prefix}: lost + duplicated + out of order`, value: result.delivery.lost + result.delivery.duplicated + result.delivery.outOfOrder, unit: '', target: at('<=', 0), note: lossNote(result) },
  ];
  return figures;
}

export function lossNote(result: StepResult): string {
  const d = result.delivery;
  const parts = [`lost ${d.lost}`, `duplicated ${d.duplicated}`, `out of order ${d.outOfOrder}`];
  if (d.failedSends) parts.push(`failed sends ${d.failedSends} (${result.sendErrors.join('; ')})`);
  if (result.maxLagMs > 50) parts.push(`driver lagged ${result.maxLagMs} ms`);
  return parts.join(', ');
}

/** A step without loss, duplicates, reordering or failed sends. */
export const clean = (result: StepResult) =>
  result.delivery.lost === 0 && result.delivery.duplicated === 0 && result.delivery.outOfOrder === 0 && result.delivery.failedSends === 0 && result.delivery.stored === result.sent;
