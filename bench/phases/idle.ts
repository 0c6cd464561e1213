import { readdirSync } from 'node:fs';
import { createRoom, memberSocket, type Person, signInGuests } from '../lib/clients.js';
import { at } from '../lib/figures.js';
import { collectGarbage, heapUsedBytes, INSPECT, inspectorUrl } from '../lib/inspector.js';
import { ReceiverPool } from '../lib/receivers.js';
import type { BenchContext, Figure, PhaseReport, ProcessUsage } from '../lib/report.js';
import { descendantsOf, ProcessSampler } from '../lib/sample.js';
import { type Deployment, type Instance, spawnInstance, startHubbub, watch } from '../lib/servers.js';
import { median, round } from '../lib/stats.js';
import { lineChart, type Series } from '../lib/svg.js';

/**
 * D. Idle sockets: what an open, idle room-page socket costs the server. 19,000 signed-in guests,
 * one socket each (page protocol), in rooms of 100, on Hubbub in scaled mode (PostgreSQL + Redis),
 * and the same crowd of sockets on the ceiling server (a bare `ws` server, no people). Both servers
 * start side by side; Hubbub's guests sign in (~20 s) while the ceiling ages (see
 * SHRUNK_AFTER_START_MS), then the ceiling's ladder runs, then Hubbub's.
 *
 * Memory: the crowd is opened in a ladder (1k, 2k, 5k, 10k, 19k sockets), room by room, 128
 * handshakes at a time. Before the first socket the server is warmed up (a room of sockets opened
 * and closed again). At every rung, once the server is quiet (the crowd's join notices and people
 * lists are done), it is made to collect its garbage and its RSS is read (and its JavaScript heap,
 * to tell objects from native memory). Memory per socket at N is (RSS at N − RSS at 0) / N, in KB
 * of 1,024 bytes. To be asked for a collection, both servers run with an inspector listening
 * (lib/inspector.ts); nothing is attached to it in between.
 *
 * Idle CPU: with every socket open, Hubbub's CPU (% of one core) over one heartbeat period
 * (WS_PING_INTERVAL, 30 s), which also holds every other periodic timer of Hubbub (presence
 * refresh and sweep every 10 s, catch-up every 15 s) a whole number of times: the average is the
 * steady state whatever moment the window starts.
 *
 * Also: how long the whole crowd took to connect (the ladder's steps added up, the waits between
 * them left out), and how many sockets failed to open or never got their first frame (the people
 * list on Hubbub).
 */

const ROOM_SIZE = 100;
/** Source addresses of the sockets, in turn: each has its own ephemeral ports. */
const SOURCE_ADDRESSES = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
/** Handshakes in flight at once: a crowd arriving, not a stampede. */
const CONCURRENCY = 128;
/** Hubbub's leave grace (3 s) and a margin: the warm-up crowd's "left" notices are done by then. */
const LEAVE_GRACE_MS = 3500;
/** The server is quiet once it used less than this (% of one core) for two seconds running. */
const QUIET_CPU_PERCENT = 5;
const QUIET_MAX_MS = 30_000;
/**
 * In its first half minute a fresh Node process gives memory back on its own, more than a forced
 * collection does (V8's memory reducer; seen here ~8 s after the spawn for the ceiling, ~17 and
 * ~25 s for Hubbub, up to 40 MB): the rung with no sockets is read no sooner than this.
 */
const SHRUNK_AFTER_START_MS = 30_000;
/** One heartbeat period: WS_PING_INTERVAL's default. */
const HEARTBEAT_MS = 30_000;
const TARGET_KB = 8;
const TARGET_CPU_PERCENT = 2;

interface Size {
  sockets: number;
  /** The rungs below `sockets` (the ladder also starts at none and ends at `sockets`). */
  rungs: number[];
  warmUp: number;
  idleMs: number;
}

const FULL: Size = { sockets: 19_000, rungs: [1000, 2000, 5000, 10_000], warmUp: ROOM_SIZE, idleMs: HEARTBEAT_MS };
const SMOKE: Size = { sockets: 200, rungs: [100], warmUp: 20, idleMs: 1000 };

export interface Rung {
  sockets: number;
  rssBytes: number;
  /** RSS above the rung with no sockets. */
  growthBytes: number;
  kbPerSocket: number;
  /** The JavaScript heap in use (the rest of RSS is native: sockets, buffers, code). */
  heapBytes: number;
  /** First handshake to last socket ready, for this rung's new sockets. */
  connectMs: number;
  /** How long the server took to become quiet after that. */
  quietMs: number;
}

export interface IdleRun {
  target: 'hubbub' | 'ceiling';
  rungs: Rung[];
  /** The ladder's connect steps added up (first handshake to last socket ready, per step). */
  connectMs: number;
  failed: number;
  failures: string[];
  /** Open files of the driver and of the server with every socket open: the headroom under the limit. */
  driverFds: number;
  serverFds: number;
}

/** Where a socket goes, and whose it is (nobody's on the ceiling, which has no accounts). */
interface Seat {
  room: string;
  person: Person | null;
}

/** What the ladder needs of a server: where it is, its inspector, and the seat of each socket. */
interface Crowd {
  target: IdleRun['target'];
  instance: Instance;
  /** When the server was spawned (performance.now()). */
  spawnedAt: number;
  inspector: string;
  seat: (i: number) => Seat;
  /** The warm-up's sockets, opened and closed before the first rung. */
  warmUpSeat: (i: number) => Seat;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const last = <T>(list: T[]) => list[list.length - 1]!;
const mb = (bytes: number) => round(bytes / 2 ** 20, 1);
const seats = (from: number, to: number, seat: (i: number) => Seat) => Array.from({ length: to - from }, (_, k) => seat(from + k));
const openFiles = (pid: number | 'self') => readdirSync(`/proc/${pid}/fd`).length;

/** One second of the server's CPU and RSS (with its child processes; averages of four samples). */
async function oneSecond(pid: number): Promise<ProcessUsage> {
  const sampler = new ProcessSampler([{ name: 'server', pids: () => descendantsOf(pid) }], 250);
  sampler.start();
  await sleep(1000);
  return sampler.stop()[0]!;
}

/** Waits until the server is quiet (bounded); answers how long that took. */
async function quiet(pid: number): Promise<number> {
  const started = performance.now();
  let quietSeconds = 0;
  while (quietSeconds < 2 && performance.now() - started < QUIET_MAX_MS) {
    quietSeconds = (await oneSecond(pid)).cpuAvgPercent < QUIET_CPU_PERCENT ? quietSeconds + 1 : 0;
  }
  return performance.now() - started;
}

/** The server's memory right after a full collection (the second one frees what the first left to finalize). */
async function afterGc(crowd: Crowd): Promise<{ rssBytes: number; heapBytes: number }> {
  await collectGarbage(crowd.inspector);
  await collectGarbage(crowd.inspector);
  const heapBytes = await heapUsedBytes(crowd.inspector);
  return { rssBytes: (await oneSecond(crowd.instance.pid)).rssAvgBytes, heapBytes };
}

/** Opens a page-protocol socket for each seat, the source addresses in turn; answers how long until the last was ready. */
async function connect(crowd: Crowd, pool: ReceiverPool, places: Seat[]) {
  const ceiling = crowd.target === 'ceiling';
  const specs = places.map(({ room, person }, i) =>
    memberSocket(crowd.instance.url, room, 'page', person, { ceiling, localAddress: SOURCE_ADDRESSES[i % SOURCE_ADDRESSES.length] }),
  );
  const started = process.hrtime.bigint();
  const opened = await pool.open(specs, { concurrency: CONCURRENCY, timeoutMs: 60_000 });
  const ms = Math.max(0, ...opened.map((o) => (o.readyNs > 0n ? Number(o.readyNs - started) / 1e6 : 0)));
  const failed = opened.filter((o) => o.readyNs === 0n);
  return { ms, failed: failed.length, failures: failed.map((o) => o.error || 'not ready in time') };
}

/** The warm-up, the rung with no sockets, then each rung of the ladder. The sockets stay open. */
async function climb(crowd: Crowd, pool: ReceiverPool, size: Size, log: (message: string) => void): Promise<IdleRun> {
  const { pid } = crowd.instance;
  const warmUp = await connect(crowd, pool, seats(0, size.warmUp, crowd.warmUpSeat));
  await pool.closeAll();
  await sleep(Math.max(LEAVE_GRACE_MS, crowd.spawnedAt + SHRUNK_AFTER_START_MS - performance.now()));
  const quietMs = await quiet(pid);
  const base = await afterGc(crowd);
  const rungs: Rung[] = [{ sockets: 0, ...base, growthBytes: 0, kbPerSocket: 0, connectMs: 0, quietMs }];
  log(`  ${crowd.target}: warmed up (${size.warmUp} sockets, ${warmUp.failed} failed); ${mb(base.rssBytes)} MB with no sockets`);
  const run: IdleRun = { target: crowd.target, rungs, connectMs: 0, failed: 0, failures: [], driverFds: 0, serverFds: 0 };
  let open = 0;
  for (const sockets of [...size.rungs, size.sockets]) {
    const step = await connect(crowd, pool, seats(open, sockets, crowd.seat));
    open = sockets;
    run.connectMs += step.ms;
    run.failed += step.failed;
    run.failures = [...new Set([...run.failures, ...step.failures])].slice(0, 5);
    const quietMs = await quiet(pid);
    const memory = await afterGc(crowd);
    const growthBytes = memory.rssBytes - base.rssBytes;
    rungs.push({ sockets, ...memory, growthBytes, kbPerSocket: growthBytes / sockets / 1024, connectMs: step.ms, quietMs });
    log(
      `  ${crowd.target} ${sockets} sockets: connected in ${round(step.ms / 1000, 1)} s (${step.failed} failed), quiet after ${round(quietMs / 1000, 1)} s, ` +
        `${mb(memory.rssBytes)} MB, ${round(growthBytes / sockets / 1024)} KB/socket (JS heap ${round((memory.heapBytes - base.heapBytes) / sockets / 1024)})`,
    );
  }
  run.driverFds = openFiles('self');
  run.serverFds = descendantsOf(pid).reduce((sum, one) => sum + openFiles(one), 0);
  log(`  ${crowd.target}: open files: driver ${run.driverFds}, server ${run.serverFds}`);
  return run;
}

/** Both servers, started side by side: each must be half a minute old before its memory is read. */
interface Servers {
  spawnedAt: number;
  ceiling: Instance;
  hubbub: Deployment;
  stop(): Promise<void>;
}

/** The ceiling (as lib/ceiling-process.ts starts it) and Hubbub in scaled mode, each with an inspector to collect its garbage. */
async function startServers(): Promise<Servers> {
  const spawnedAt = performance.now();
  const [ceiling, hubbub] = await Promise.allSettled([
    // The ceiling pings as Hubbub does (WS_PING_INTERVAL's default), so its idling costs what a bare server's would.
    spawnInstance(['--import', 'tsx', 'bench/ceiling.ts'], { NODE_OPTIONS: INSPECT, CEILING_PING_MS: String(HEARTBEAT_MS) }),
    startHubbub('scaled', 1, { NODE_OPTIONS: INSPECT }),
  ]);
  const stop = async () => {
    await Promise.all([ceiling.status === 'fulfilled' && ceiling.value.stop(), hubbub.status === 'fulfilled' && hubbub.value.stop()]);
  };
  if (ceiling.status === 'rejected' || hubbub.status === 'rejected') {
    await stop();
    throw ceiling.status === 'rejected' ? ceiling.reason : (hubbub as PromiseRejectedResult).reason;
  }
  return { spawnedAt, ceiling: ceiling.value, hubbub: hubbub.value, stop };
}

/** The ladder on the ceiling, then a heartbeat period of idling; the ceiling is stopped afterwards. */
async function ceilingLadder(servers: Servers, size: Size, log: (message: string) => void): Promise<{ run: IdleRun; idle: Idle }> {
  const pool = ReceiverPool.start(2);
  try {
    const crowd: Crowd = {
      target: 'ceiling',
      instance: servers.ceiling,
      spawnedAt: servers.spawnedAt,
      inspector: inspectorUrl(servers.ceiling.output()),
      seat: (i) => ({ room: `idle-${Math.floor(i / ROOM_SIZE)}`, person: null }),
      warmUpSeat: () => ({ room: 'idle-warm-up', person: null }),
    };
    const run = await climb(crowd, pool, size, log);
    const idle = await idling({ instances: [servers.ceiling], databaseUrl: null }, size.idleMs);
    log(`  ceiling idle with ${size.sockets} sockets: ${round(idle.processes[0]!.cpuAvgPercent)} % CPU over ${size.idleMs / 1000} s; by second ${bySecond(idle)}`);
    return { run, idle };
  } finally {
    await pool.stop();
    await servers.ceiling.stop();
  }
}

interface Idle {
  /** Every process of the deployment, over the window; Hubbub's first. */
  processes: ProcessUsage[];
  /** Hubbub's CPU in each second of the window (% of one core): the periodic work stands out. */
  seconds: number[];
}

/** The deployment's processes over `ms` of idling, and Hubbub's CPU second by second meanwhile. */
async function idling(deployment: Pick<Deployment, 'instances' | 'databaseUrl'>, ms: number): Promise<Idle> {
  const sampler = watch(deployment);
  sampler.start();
  const seconds: number[] = [];
  while (seconds.length < ms / 1000) seconds.push((await oneSecond(deployment.instances[0]!.pid)).cpuAvgPercent);
  return { processes: sampler.stop(), seconds };
}

const bySecond = (idle: Idle) => idle.seconds.map((cpu) => round(cpu, 0)).join(' ');

function idleCpuFigure(target: IdleRun['target'], sockets: number, idle: Idle, ms: number, goal?: number): Figure {
  const { seconds } = idle;
  return {
    name: `${target}: idle CPU with ${sockets} sockets`,
    value: round(idle.processes[0]!.cpuAvgPercent),
    unit: '%',
    target: goal === undefined ? undefined : at('<=', goal),
    note: `% of one core over ${ms / 1000} s (one heartbeat period in a full run); median second ${round(median(seconds))} %, busiest ${round(Math.max(...seconds))} %`,
  };
}

/** Guests, one per socket (and the warm-up's), and their rooms; the last room is the warm-up's. */
async function people(url: string, sockets: number, warmUp: number): Promise<Pick<Crowd, 'seat' | 'warmUpSeat'>> {
  const guests = await signInGuests(url, sockets + warmUp, 64);
  const rooms: string[] = [];
  for (let r = 0; r * ROOM_SIZE < sockets + warmUp; r++) rooms.push(await createRoom(url, guests[r * ROOM_SIZE]!, `Idle ${r + 1}`));
  return {
    seat: (i) => ({ room: rooms[Math.floor(i / ROOM_SIZE)]!, person: guests[i]! }),
    warmUpSeat: (i) => ({ room: last(rooms), person: guests[sockets + i]! }),
  };
}

/** The ladder on Hubbub, then a heartbeat period of idling with every socket open. */
async function hubbubLadder(servers: Servers, seating: Pick<Crowd, 'seat' | 'warmUpSeat'>, size: Size, log: (message: string) => void) {
  const instance = servers.hubbub.instances[0]!;
  const pool = ReceiverPool.start(2);
  try {
    const crowd: Crowd = { target: 'hubbub', instance, spawnedAt: servers.spawnedAt, inspector: inspectorUrl(instance.output()), ...seating };
    const run = await climb(crowd, pool, size, log);
    const idle = await idling(servers.hubbub, size.idleMs);
    log(`  hubbub idle with ${size.sockets} sockets: ${round(idle.processes[0]!.cpuAvgPercent)} % CPU over ${size.idleMs / 1000} s; by second ${bySecond(idle)}`);
    return { run, idle };
  } finally {
    await pool.stop();
  }
}

function memoryFigure(run: IdleRun, target?: number, note = ''): Figure {
  const [base, top] = [run.rungs[0]!, last(run.rungs)];
  const ladder = run.rungs.slice(1).map((rung) => `${rung.sockets}: ${round(rung.kbPerSocket, 1)}`);
  const heap = (top.heapBytes - base.heapBytes) / top.sockets / 1024;
  return {
    name: `${run.target}: memory per idle socket at ${top.sockets}`,
    value: round(top.kbPerSocket),
    unit: 'KB',
    target: target === undefined ? undefined : at('<=', target),
    note: `RSS after GC ${mb(base.rssBytes)} → ${mb(top.rssBytes)} MB, JS heap ${round(heap, 1)} KB/socket of it; KB/socket by sockets ${ladder.join(', ')}${note}`,
  };
}

function crowdFigures(run: IdleRun): Figure[] {
  const { sockets } = last(run.rungs);
  return [
    {
      name: `${run.target}: connect ${sockets} sockets`,
      value: round(run.connectMs / 1000, 1),
      unit: 's',
      note: `${round(sockets / (run.connectMs / 1000), 0)} sockets/s, ${CONCURRENCY} handshakes at a time, room by room; open files: driver ${run.driverFds}, server ${run.serverFds}`,
    },
    { name: `${run.target}: sockets failed`, value: run.failed, unit: '', target: at('<=', 0), note: run.failures.join('; ') },
  ];
}

function report(size: Size, ceiling: { run: IdleRun; idle: Idle }, hubbub: { run: IdleRun; idle: Idle }): PhaseReport {
  const { sockets, idleMs } = size;
  const seconds = hubbub.idle.seconds;
  const figures: Figure[] = [
    memoryFigure(hubbub.run, TARGET_KB, `; ceiling ${round(last(ceiling.run.rungs).kbPerSocket)} KB`),
    idleCpuFigure('hubbub', sockets, hubbub.idle, idleMs, TARGET_CPU_PERCENT),
    ...crowdFigures(hubbub.run),
    memoryFigure(ceiling.run),
    idleCpuFigure('ceiling', sockets, ceiling.idle, idleMs),
    ...crowdFigures(ceiling.run),
  ];
  return {
    id: 'D',
    title: `Idle sockets: ${sockets} signed-in guests, one page socket each, rooms of ${ROOM_SIZE}`,
    figures,
    processes: hubbub.idle.processes,
    details: { runs: [hubbub.run, ceiling.run], idleCpuBySecond: seconds, ceilingIdleCpuBySecond: ceiling.idle.seconds, roomSize: ROOM_SIZE, sourceAddresses: SOURCE_ADDRESSES },
  };
}

export async function run(context: BenchContext): Promise<PhaseReport[]> {
  const size = context.smoke ? SMOKE : FULL;
  const servers = await startServers();
  try {
    // Hubbub's people first: the ceiling ages meanwhile.
    const started = performance.now();
    const seating = await people(servers.hubbub.instances[0]!.url, size.sockets, size.warmUp);
    context.log(`  hubbub: ${size.sockets + size.warmUp} guests and their rooms in ${round((performance.now() - started) / 1000, 1)} s`);
    const ceiling = await ceilingLadder(servers, size, context.log);
    const hubbub = await hubbubLadder(servers, seating, size, context.log);
    return [report(size, ceiling, hubbub)];
  } finally {
    await servers.stop();
  }
}

/** Memory against sockets: RSS growth over the server with no sockets, with the target's KB/socket as a line. */
export function drawMemoryChart(report: PhaseReport): string {
  const runs = (report.details?.runs ?? []) as IdleRun[];
  const most = Math.max(0, ...runs.flatMap((one) => one.rungs.map((rung) => rung.sockets)));
  const series: Series[] = runs.map((one) => ({ name: one.target, points: one.rungs.map((rung) => [rung.sockets, rung.growthBytes / 2 ** 20]) }));
  series.push({ name: `target ${TARGET_KB} KB/socket`, points: [[0, 0], [most, (most * TARGET_KB) / 1024]], dashed: true });
  return lineChart({ title: 'D. Idle sockets: server memory against open sockets', xLabel: 'open idle sockets', yLabel: 'RSS above no sockets, after GC (MB)', series });
}
