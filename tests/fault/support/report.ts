import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Observations } from './oracle.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
export const REPORT_FILE = join(root, 'test-results', 'fault-report.jsonl');

/** A moment of a scenario, in ms from the start of traffic (e.g. "redis stopped"). */
export interface TimelineEntry {
  label: string;
  atMs: number;
}

/** One scenario's line in test-results/fault-report.jsonl. */
export interface ScenarioReport extends Observations {
  file: string;
  scenario: string;
  /** What was broken, in words. */
  fault: string;
  /** When the scenario ran (ISO time). */
  at: string;
  /** Wall time of the whole scenario (setup to verdict) and of its traffic. */
  durationMs: number;
  trafficMs: number;
  instances: number;
  memberCount: number;
  senderCount: number;
  /** Messages per second, all senders together. */
  rate: number;
  timeline: TimelineEntry[];
  faultInjected: boolean;
  /** From the end of the fault until every member had every message acknowledged by then (null: never). */
  faultRecoveryMs: number | null;
  /** Instances that exited without being told to (crashes) during the scenario. */
  unexpectedExits: Array<{ instance: number; code: number | null; signal: string | null; at: string }>;
  /** Setup requests (sign-in, room creation, room page) that failed and were repeated. */
  setupFailures: number;
  /** The delivery guarantees this scenario broke, in words; empty when it held them all. */
  problems: string[];
}

/** Appends the scenario's line to the report and prints its one-line summary. */
export function writeReport(report: ScenarioReport): void {
  mkdirSync(dirname(REPORT_FILE), { recursive: true });
  appendFileSync(REPORT_FILE, `${JSON.stringify(report)}\n`);
  console.log(summaryLine(report));
}

const ms = (value: number | null) => (value === null ? '–' : `${value} ms`);

export function summaryLine(r: ScenarioReport): string {
  return [
    `[fault] ${r.file} › ${r.scenario}:`,
    `sent ${r.sent} acked ${r.acked} stored ${r.stored} (retried ${r.retried}) |`,
    `lost ${r.lost} dup ${r.duplicated} order ${r.outOfOrder} acked-missing ${r.ackedMissing} twice ${r.clientIdsTwice} |`,
    `reconnects ${r.reconnects} (gaps ${r.gaps}) recovery max ${ms(r.recoveryMaxMs)} p50 ${ms(r.recoveryP50Ms)} after fault ${ms(r.faultRecoveryMs)} | send→seen max ${ms(r.deliveryLagMaxMs)} send→ack max ${ms(r.ackLatencyMaxMs)} |`,
    `crashes ${r.unexpectedExits.length} setup failures ${r.setupFailures} | ${(r.durationMs / 1000).toFixed(1)} s |`,
    r.problems.length === 0 ? 'OK' : `FAILED: ${r.problems.join('; ')}`,
  ].join(' ');
}

/** Every line of the report file, oldest first (an absent file has none). */
export function readReports(file = REPORT_FILE): ScenarioReport[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as ScenarioReport);
}
