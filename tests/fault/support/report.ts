import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Observations } from './oracle.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
export const REPORT_FILE = join(root, 'test-results', 'fault-report.jsonl');

/** A scenario's own measurements (throughput, time until a crowd caught up…), by name. */
export type Figures = Record<string, number | string | null>;

/** A moment of a scenario, in ms from the start of traffic (e.g. "redis stopped"). */
export interface TimelineEntry {
  label: string;
  atMs: number;
}

/** One scenario's line in test-results/fault-report.jsonl. */
export interface ScenarioReport extends Observations {
  file: string;
  /** The recovery bound this scenario was held to (ms). */
  recoveryBoundMs?: number;
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
  /**
   * From the end of the fault until every member had every message acknowledged by then, on an open
   * socket (null: never).
   */
  faultRecoveryMs: number | null;
  /** Instances that exited without being told to (crashes) during the scenario. */
  unexpectedExits: Array<{ instance: number; code: number | null; signal: string | null; at: string }>;
  /** Setup requests (sign-in, room creation, room page) that failed and were repeated. */
  setupFailures: number;
  /** How long the members took to connect at setup (each until it had the presence list). */
  joinMs?: number;
  /** Figures only this scenario measures. */
  figures?: Figures;
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
  if (r.sent === 0 && r.memberCount === 0) {
    // A guarantee without chat traffic: its figures are the whole story.
    const result = r.problems.length === 0 ? 'OK' : `FAILED: ${r.problems.join('; ')}`;
    return `[fault] ${r.file} › ${r.scenario}: ${figuresText(r.figures ?? {})} | ${(r.durationMs / 1000).toFixed(1)} s | ${result}`;
  }
  return [
    `[fault] ${r.file} › ${r.scenario}:`,
    `sent ${r.sent} acked ${r.acked} stored ${r.stored} (retried ${r.retried}) |`,
    `lost ${r.lost} dup ${r.duplicated} order ${r.outOfOrder} acked-missing ${r.ackedMissing} twice ${r.clientIdsTwice} |`,
    `reconnects ${r.reconnects} (gaps ${r.gaps}) recovery max ${ms(r.recoveryMaxMs)} p50 ${ms(r.recoveryP50Ms)} after fault ${ms(r.faultRecoveryMs)} | send→seen max ${ms(r.deliveryLagMaxMs)} send→ack max ${ms(r.ackLatencyMaxMs)} |`,
    `crashes ${r.unexpectedExits.length} setup failures ${r.setupFailures}${r.joinMs === undefined ? '' : ` join ${(r.joinMs / 1000).toFixed(1)} s`} | ${(r.durationMs / 1000).toFixed(1)} s |`,
    ...(r.figures ? [`${figuresText(r.figures)} |`] : []),
    r.problems.length === 0 ? 'OK' : `FAILED: ${r.problems.join('; ')}`,
  ].join(' ');
}

export function figuresText(figures: Figures): string {
  return Object.entries(figures)
    .map(([name, value]) => `${name} ${value ?? '–'}`)
    .join(', ');
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

/**
 * The report line of a guarantee that carries no chat traffic (sign-ups, session expiry): the
 * message counts are zero, and what it measured is in `figures`.
 */
export function guaranteeReport(line: { file: string; scenario: string; fault: string; durationMs: number; instances: number; figures: Figures; problems: string[] }): ScenarioReport {
  return {
    file: basename(line.file).replace(/\.test\.ts$/, ''),
    scenario: line.scenario,
    fault: line.fault,
    at: new Date().toISOString(),
    durationMs: Math.round(line.durationMs),
    trafficMs: 0,
    instances: line.instances,
    memberCount: 0,
    senderCount: 0,
    rate: 0,
    timeline: [],
    faultInjected: false,
    faultRecoveryMs: null,
    unexpectedExits: [],
    setupFailures: 0,
    sent: 0,
    acked: 0,
    stored: 0,
    retried: 0,
    refused: 0,
    unacked: 0,
    lost: 0,
    duplicated: 0,
    outOfOrder: 0,
    ackedMissing: 0,
    clientIdsTwice: 0,
    storedUnacked: 0,
    seqGaps: 0,
    lastSeq: 0,
    membersBehind: 0,
    membersEnded: 0,
    membersDisconnected: 0,
    reconnects: 0,
    unrecovered: 0,
    recoveryMaxMs: null,
    recoveryP50Ms: null,
    deliveryLagMaxMs: null,
    deliveryLagP99Ms: null,
    ackLatencyMaxMs: null,
    ackLatencyP99Ms: null,
    slowestSend: null,
    deliveryLagMaxMsByInstance: {},
    closeCodes: {},
    reloads: 0,
    cursorRegressions: 0,
    gaps: 0,
    catchUpWaitMs: 0,
    figures: line.figures,
    problems: line.problems,
  };
}
