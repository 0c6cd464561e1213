import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import type { ProcessUsage } from './report.js';

/**
 * CPU and memory of every process a phase involves (Hubbub, PostgreSQL's backends, Redis, the
 * driver), read from Linux's /proc a few times a second. CPU is in % of one core, so two busy cores
 * read 200 %. Reading /proc is cheap and needs no agent in the measured processes.
 */

export interface Watched {
  name: string;
  /** Asked again at every sample: PostgreSQL's backends come and go. */
  pids: () => number[];
}

let clockTicks: number | undefined;

/** Kernel clock ticks per second, the unit of utime and stime (100 on every common Linux). */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

function readProc(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null; // the process has gone
  }
}

/** The fields of /proc/<pid>/stat from field 3 on: comm (field 2) may hold spaces and parentheses. */
function statFields(pid: number): string[] | null {
  const stat = readProc(`/proc/${pid}/stat`);
  return stat === null ? null : stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime (fields 14 and 15), in clock ticks; null if the process has gone. */
function cpuTicks(pid: number): number | null {
  const fields = statFields(pid);
  return fields ? Number(fields[11]) + Number(fields[12]) : null;
}

const allPids = () => readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number);

/** `pid` and every process below it (children, grandchildren…), from the parent pid (field 4) of each process. */
export function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const candidate of allPids()) {
    const parent = Number(statFields(candidate)?.[1]);
    if (Number.isNaN(parent)) continue;
    const siblings = children.get(parent);
    if (siblings) siblings.push(candidate);
    else children.set(parent, [candidate]);
  }
  const found = [pid];
  for (let i = 0; i < found.length; i++) found.push(...(children.get(found[i]!) ?? []));
  return found;
}

/** Processes whose command line matches, e.g. /postgres/ for a PostgreSQL server and its backends. */
export function pidsByCommand(pattern: RegExp): number[] {
  return allPids().filter((pid) => {
    const cmdline = readProc(`/proc/${pid}/cmdline`);
    // Arguments are NUL-separated; backends rewrite theirs to one line ("postgres: user db ...").
    return cmdline !== null && cmdline !== '' && pattern.test(cmdline.replace(/\0/g, ' ').trim());
  });
}

/** CPU time (user + system, seconds) the processes have used so far; a process that has gone counts 0. */
export function cpuSecondsOf(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + (cpuTicks(pid) ?? 0), 0) / ticksPerSecond();
}

/** Resident memory (VmRSS) in bytes; 0 if the process has gone. */
export function processRssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readProc(`/proc/${pid}/status`) ?? '');
  return match ? Number(match[1]) * 1024 : 0;
}

interface Group {
  watched: Watched;
  /** CPU ticks of each pid at its last sample. */
  lastTicks: Map<number, number>;
  seen: Set<number>;
  cpuPercents: number[];
  rssBytes: number[];
}

/**
 * Samples each named group every `intervalMs` from `start()` to `stop()`. A group's CPU in one
 * interval is the ticks its pids used since the previous sample over the wall time between them; a
 * pid that vanished counts what it used while seen, and a new pid counts from its first sample on
 * (its life before that is unknown to the bench, and mostly is not part of the phase).
 */
export class ProcessSampler {
  private readonly groups: Group[];
  private timer: NodeJS.Timeout | undefined;
  private lastAt = 0;

  constructor(watched: Watched[], private readonly intervalMs = 250) {
    this.groups = watched.map((one) => ({ watched: one, lastTicks: new Map(), seen: new Set(), cpuPercents: [], rssBytes: [] }));
  }

  start(): void {
    this.lastAt = performance.now();
    for (const group of this.groups) this.readGroup(group);
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): ProcessUsage[] {
    // The last stretch since the previous tick counts too (once: a second stop() only reports).
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.sample();
    }
    return this.groups.map(usageOf);
  }

  private sample() {
    const now = performance.now();
    const elapsedSeconds = (now - this.lastAt) / 1000;
    this.lastAt = now;
    if (elapsedSeconds <= 0) return;
    for (const group of this.groups) {
      const { ticks, rss } = this.readGroup(group);
      group.cpuPercents.push((ticks / ticksPerSecond() / elapsedSeconds) * 100);
      group.rssBytes.push(rss);
    }
  }

  /** Reads every pid of the group now; answers the ticks used since the last reading, and the memory held. */
  private readGroup(group: Group): { ticks: number; rss: number } {
    const current = new Map<number, number>();
    let ticks = 0;
    let rss = 0;
    for (const pid of new Set(group.watched.pids())) {
      const now = cpuTicks(pid);
      if (now === null) continue;
      const before = group.lastTicks.get(pid);
      if (before !== undefined) ticks += Math.max(0, now - before);
      current.set(pid, now);
      group.seen.add(pid);
      rss += processRssBytes(pid);
    }
    group.lastTicks = current;
    return { ticks, rss };
  }
}

const average = (values: number[]) => (values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : 0);
const maximum = (values: number[]) => (values.length ? Math.max(...values) : 0);

function usageOf(group: Group): ProcessUsage {
  return {
    name: group.watched.name,
    pids: [...group.seen].sort((a, b) => a - b),
    cpuAvgPercent: average(group.cpuPercents),
    cpuMaxPercent: maximum(group.cpuPercents),
    rssAvgBytes: average(group.rssBytes),
    rssMaxBytes: maximum(group.rssBytes),
  };
}

/** The soft limit on open files: a run's socket count cannot go past it. */
function openFileLimit(): number | null {
  const line = (readProc('/proc/self/limits') ?? '').split('\n').find((row) => row.startsWith('Max open files'));
  const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
  const value = Number(soft);
  return Number.isFinite(value) ? value : null; // "unlimited" does not occur on Linux for open files
}

export interface MachineFacts {
  cpus: { model: string; count: number };
  memoryBytes: number;
  kernel: string;
  node: string;
  openFileLimit: number | null;
  loadAverage: number[];
}

/** What a reader needs to compare this run's figures with another machine's. */
export function machineFacts(): MachineFacts {
  const cpus = os.cpus();
  return {
    cpus: { model: cpus[0]?.model.trim() ?? 'unknown', count: cpus.length },
    memoryBytes: os.totalmem(),
    kernel: os.release(),
    node: process.version,
    openFileLimit: openFileLimit(),
    loadAverage: os.loadavg(),
  };
}
