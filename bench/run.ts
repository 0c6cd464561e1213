import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { machineFacts } from './lib/sample.js';
import { type BenchContext, met, type PhaseReport } from './lib/report.js';
import { buildHubbub, root } from './lib/servers.js';
import { lineChart } from './lib/svg.js';
import { drawRateChart } from './phases/big-room.js';
import { drawMemoryChart } from './phases/idle.js';
import type { FanoutRun } from './phases/fanout.js';

/**
 * `npm run bench` runs every phase and prints a table; `-- --smoke` runs each for seconds (CI: the
 * driver works and nothing is lost; no timing thresholds); `-- --phases A,E` picks phases. A full
 * run writes bench/results/latest.json and the charts in docs/benchmarks/.
 */

const PHASES: Record<string, () => Promise<{ run: (context: BenchContext) => Promise<PhaseReport[]> }>> = {
  A: () => import('./phases/fanout.js'),
  B: () => import('./phases/big-room.js'),
  C: () => import('./phases/many-rooms.js'),
  D: () => import('./phases/idle.js'),
  E: () => import('./phases/pages.js'),
  F: () => import('./phases/connect.js'),
  G: () => import('./phases/cold-start.js'),
  H: () => import('./phases/two-instances.js'),
};

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const chosen = (args.find((arg) => arg.startsWith('--phases='))?.slice('--phases='.length) ?? Object.keys(PHASES).join(',')).split(',');
const started = Date.now();
const context: BenchContext = { smoke, log: (message) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${message}`) };

buildHubbub();
const reports: PhaseReport[] = [];
for (const id of chosen) {
  const load = PHASES[id];
  if (!load) throw new Error(`no phase ${id}; phases: ${Object.keys(PHASES).join(', ')}`);
  context.log(`phase ${id}`);
  reports.push(...(await (await load()).run(context)));
}

// The table.
const rows = reports.flatMap((report) =>
  report.figures.map((figure) => {
    const verdict = met(figure);
    const target = figure.target ? `${figure.target.op} ${figure.target.value}` : '';
    return [report.id, figure.name, `${figure.value} ${figure.unit}`.trim(), target, verdict === null ? '' : verdict ? 'met' : 'NOT MET', figure.note ?? ''];
  }),
);
const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...rows.map((row) => row[i]!.length), 4));
for (const row of rows) console.log(row.map((cell, i) => (i < 5 ? cell.padEnd(widths[i]!) : cell)).join('  '));

const lostAnywhere = reports.some((report) =>
  report.figures.some((figure) => figure.name.includes('lost + duplicated') && figure.value > 0) || (report.delivery && report.delivery.lost + report.delivery.duplicated > 0),
);

const version = (name: string) => (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
const result = {
  when: new Date().toISOString(),
  smoke,
  commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim(),
  machine: machineFacts(),
  versions: { node: process.version, hono: version('hono'), ws: version('ws'), pg: version('pg'), redis: version('@redis/client'), pglite: version('@electric-sql/pglite') },
  reports,
};
const resultsDir = join(root, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
// Only a full run of every phase is the run of record (latest.json, the charts); a part or a smoke run is kept aside.
const full = !smoke && Object.keys(PHASES).every((id) => chosen.includes(id));
const written = smoke ? 'smoke.json' : full ? 'latest.json' : 'partial.json';
writeFileSync(join(resultsDir, written), `${JSON.stringify(result, null, 1)}\n`);
if (full) drawCharts(reports);
console.log(`\n${rows.length} figures; JSON in bench/results/${written}; ${((Date.now() - started) / 1000).toFixed(0)} s`);
// A smoke run checks that nothing is lost, duplicated or reordered; timing never fails it.
process.exit(smoke && lostAnywhere ? 1 : 0);

function drawCharts(all: PhaseReport[]) {
  const dir = join(root, 'docs', 'benchmarks');
  mkdirSync(dir, { recursive: true });
  const bigRoom = all.find((report) => report.id === 'B');
  if (bigRoom) writeFileSync(join(dir, 'rate-latency.svg'), drawRateChart(bigRoom));
  const idle = all.find((report) => report.id === 'D');
  if (idle) writeFileSync(join(dir, 'idle-memory.svg'), drawMemoryChart(idle));
  const fanout = all.find((report) => report.id === 'A');
  if (!fanout) return;
  const runs = (fanout.details?.runs ?? []) as FanoutRun[];
  const series = runs.flatMap((run) =>
    (['p50', 'p99'] as const).map((p) => ({
      name: `${run.target} ${run.protocol} ${p}`,
      dashed: p === 'p99',
      points: run.steps.map((step) => [step.rate, step.lastRecipient[p]] as [number, number]),
    })),
  );
  writeFileSync(
    join(dir, 'fanout-latency.svg'),
    lineChart({ title: 'A. Fan-out: last-recipient latency against send rate', xLabel: 'messages/s into the room', yLabel: 'ms', series, logY: true, guides: [{ y: 8, label: 'target p50 8 ms' }, { y: 20, label: 'target p99 20 ms' }] }),
  );
}
