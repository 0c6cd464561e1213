/**
 * Prints the fault suite's results as a table:
 *   npx tsx tests/fault/support/print-report.ts [--all] [--check] [report.jsonl]
 * By default the latest run of each scenario; --all prints every line of the report. With --check it
 * exits 1 when a scenario shown broke a delivery guarantee.
 */
import { figuresText, REPORT_FILE, readReports, type ScenarioReport } from './report.js';

const args = process.argv.slice(2);
const all = args.includes('--all');
const check = args.includes('--check');
const file = args.find((arg) => !arg.startsWith('--')) ?? REPORT_FILE;

const reports = readReports(file);
if (reports.length === 0) {
  console.log(`No fault-suite results in ${file}: run npm run test:fault first.`);
  process.exit(0);
}

function latestPerScenario(lines: ScenarioReport[]): ScenarioReport[] {
  const latest = new Map<string, ScenarioReport>();
  for (const line of lines) {
    const key = `${line.file}\u0000${line.scenario}`;
    latest.delete(key); // keep the order of the latest runs
    latest.set(key, line);
  }
  return [...latest.values()];
}

const shown = all ? reports : latestPerScenario(reports);
const ms = (value: number | null) => (value === null ? '–' : String(value));

const columns: Array<[string, (r: ScenarioReport) => string]> = [
  ['scenario', (r) => `${r.file} › ${r.scenario}`],
  ['sent', (r) => String(r.sent)],
  ['acked', (r) => String(r.acked)],
  ['stored', (r) => String(r.stored)],
  ['retried', (r) => String(r.retried)],
  ['lost', (r) => String(r.lost)],
  ['dup', (r) => String(r.duplicated)],
  ['order', (r) => String(r.outOfOrder)],
  ['acked-missing', (r) => String(r.ackedMissing)],
  ['id-twice', (r) => String(r.clientIdsTwice)],
  ['reconn', (r) => String(r.reconnects)],
  ['recov max ms', (r) => ms(r.recoveryMaxMs)],
  ['recov p50 ms', (r) => ms(r.recoveryP50Ms)],
  ['after fault ms', (r) => ms(r.faultRecoveryMs)],
  ['gaps', (r) => String(r.gaps)],
  ['seen max ms', (r) => ms(r.deliveryLagMaxMs)],
  ['ack max ms', (r) => ms(r.ackLatencyMaxMs)],
  ['secs', (r) => (r.durationMs / 1000).toFixed(1)],
  ['result', (r) => (r.problems.length === 0 ? 'ok' : 'FAILED')],
];

const cells = shown.map((report) => columns.map(([, cell]) => cell(report)));
const widths = columns.map(([title], i) => Math.max(title.length, ...cells.map((row) => row[i]!.length)));
const line = (row: string[]) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');

console.log(line(columns.map(([title]) => title)));
console.log(widths.map((width) => '-'.repeat(width)).join('  '));
for (const row of cells) console.log(line(row));

const measured = shown.filter((report) => report.figures && Object.keys(report.figures).length > 0);
if (measured.length > 0) console.log('');
for (const report of measured) console.log(`${report.file} › ${report.scenario}: ${figuresText(report.figures!)}`);

const failed = shown.filter((report) => report.problems.length > 0);
for (const report of failed) console.log(`\n${report.file} › ${report.scenario}: ${report.problems.join('; ')}`);
process.exit(check && failed.length > 0 ? 1 : 0);
