import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, spawnServer, waitForHealthy } from '../../support/process.js';
import { onExit, recordPid } from './services.js';
import { tail } from './util.js';

/** How an instance's process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** An instance that ended without being told to: a crash. */
export interface UnexpectedExit extends Exit {
  instance: number;
  /** Wall-clock time (ISO) of the exit. */
  at: string;
  /** The end of its output: usually the reason. */
  output: string;
}

export interface ClusterOptions {
  instances: number;
  databaseUrl: string;
  redisUrl: string;
  /** Where pids are recorded (and DATA_DIR points, though PostgreSQL is used). */
  scratch: string;
  redisPrefix?: string;
  /** WS_PING_INTERVAL in seconds: 1 finds half-open sockets fast. */
  pingIntervalS?: number;
  /** More environment for every instance. */
  env?: Record<string, string>;
  /**
   * Like a process supervisor (systemd's Restart=always): an instance that exits on its own is
   * started again after this many ms (null: left down). The crash is still recorded.
   */
  restartCrashedAfterMs?: number | null;
}

interface Slot {
  port: number;
  url: string;
  process: (ChildProcess & { output: () => string }) | null;
  exited: Promise<Exit> | null;
  /** Set by `kill`: the coming exit is on purpose. */
  stopping: boolean;
  /** Restarts after crashes so far (the supervisor gives up after a few). */
  crashRestarts: number;
  /** While the process starts: resolves once it is healthy. */
  starting: Promise<void> | null;
  /** Output of earlier lives of this slot (before a kill and restart). */
  earlier: string;
}

const START_TIMEOUT_MS = 60_000;
// USER_HZ: the unit of /proc/<pid>/stat's times; 100 on Linux.
const CLOCK_TICKS = 100;
const MAX_CRASH_RESTARTS = 5;

/**
 * App instances as processes (the server from source, as in dev), all on one private PostgreSQL and Redis, each
 * on its own port that it keeps across restarts: `urls[i]` always names instance i.
 */
export class Cluster {
  private readonly slots: Slot[];
  private readonly crashes: UnexpectedExit[] = [];
  private closing = false;
  private readonly env: Record<string, string>;
  private readonly forget: () => void;

  private constructor(private readonly options: ClusterOptions, ports: number[]) {
    this.slots = ports.map((port) => ({ port, url: `http://127.0.0.1:${port}`, process: null, exited: null, stopping: false, crashRestarts: 0, starting: null, earlier: '' }));
    this.env = {
      HOST: '127.0.0.1',
      DATABASE_URL: options.databaseUrl,
      REDIS_URL: options.redisUrl,
      REDIS_PREFIX: options.redisPrefix ?? `fault_${randomBytes(4).toString('hex')}`,
      // The same secret on every instance, as a deployment has.
      SECRET: randomBytes(32).toString('base64url'),
      LOG_LEVEL: 'warn',
      WS_PING_INTERVAL: String(options.pingIntervalS ?? 1),
      DATA_DIR: join(options.scratch, 'app-data'),
      ...options.env,
    };
    this.forget = onExit(() => {
      for (const slot of this.slots) if (slot.process?.pid && this.isUp(this.slots.indexOf(slot))) process.kill(slot.process.pid, 'SIGKILL');
    });
  }

  static async start(options: ClusterOptions): Promise<Cluster> {
    const ports: number[] = [];
    for (let i = 0; i < options.instances; i++) ports.push(await freePort());
    const cluster = new Cluster(options, ports);
    try {
      // Together, as a deployment starts them: migrations queue on their advisory lock.
      await Promise.all(cluster.slots.map((_, i) => cluster.launch(i)));
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  get urls(): string[] {
    return this.slots.map((slot) => slot.url);
  }

  get size(): number {
    return this.slots.length;
  }

  isUp(i: number): boolean {
    const child = this.slot(i).process;
    return child !== null && child.exitCode === null && child.signalCode === null;
  }

  /** Signals instance i and waits for its process to end (SIGTERM: a graceful stop). */
  async kill(i: number, signal: NodeJS.Signals = 'SIGKILL', timeoutMs = 15_000): Promise<Exit> {
    const slot = this.slot(i);
    if (!slot.process || !slot.exited) throw new Error(`instance ${i} is not running`);
    const exited = slot.exited;
    slot.stopping = true;
    slot.process.kill(signal);
    const timer = setTimeout(() => slot.process?.kill('SIGKILL'), timeoutMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Starts instance i again (it must have stopped) on its port, and waits until it is healthy. */
  async restart(i: number): Promise<void> {
    if (this.isUp(i)) throw new Error(`instance ${i} is still running`);
    await this.launch(i);
  }

  /**
   * CPU time (user + system, in seconds) instance i's current process has used so far, from
   * /proc; null when it is down or /proc cannot tell.
   */
  cpuSeconds(i: number): number | null {
    const pid = this.slot(i).process?.pid;
    if (!pid || !this.isUp(i)) return null;
    try {
      // The command name (in parentheses) may hold spaces: the fields are counted after it.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    } catch {
      return null;
    }
  }

  /** Restarts every instance that is down, so a scenario starts on a whole, healthy cluster. */
  async ensureAll(): Promise<void> {
    await Promise.all(this.slots.map((slot, i) => (this.isUp(i) ? slot.starting : this.launch(i))));
  }

  /** Instances that exited without `kill` since the last call (crashes), and forgets them. */
  takeUnexpectedExits(): UnexpectedExit[] {
    return this.crashes.splice(0);
  }

  /** Everything instance i wrote (over all its lives), for diagnostics. */
  output(i: number): string {
    const slot = this.slot(i);
    return slot.earlier + (slot.process?.output() ?? '');
  }

  /** The end of every instance's output, labelled: printed when a scenario fails. */
  outputs(lines = 40): string {
    return this.slots.map((slot, i) => `--- instance ${i} (${slot.url}) ---\n${tail(this.output(i), lines) || '(no output)'}`).join('\n');
  }

  async stop(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((_, i) => (this.isUp(i) ? this.kill(i, 'SIGTERM', 5_000) : undefined)));
    this.forget();
  }

  private slot(i: number): Slot {
    const slot = this.slots[i];
    if (!slot) throw new Error(`there is no instance ${i}`);
    return slot;
  }

  private restartCrashed(i: number): void {
    const { restartCrashedAfterMs = 1_000 } = this.options;
    const slot = this.slot(i);
    if (restartCrashedAfterMs === null || slot.crashRestarts >= MAX_CRASH_RESTARTS) return;
    slot.crashRestarts++;
    setTimeout(() => {
      if (this.closing || this.isUp(i)) return;
      this.launch(i).catch((error) => console.log(`[fault] instance ${i} did not come back after a crash: ${String(error)}`));
    }, restartCrashedAfterMs);
  }

  private launch(i: number): Promise<void> {
    const slot = this.slot(i);
    const starting = this.spawnAndWait(i).finally(() => {
      if (slot.starting === starting) slot.starting = null;
    });
    slot.starting = starting;
    return starting;
  }

  private async spawnAndWait(i: number): Promise<void> {
    const slot = this.slot(i);
    if (slot.process) slot.earlier += `${slot.process.output()}\n[fault suite] --- instance ${i} restarted ---\n`;
    const child = spawnServer({ ...this.env, PORT: String(slot.port) });
    slot.process = child;
    slot.stopping = false;
    slot.exited = new Promise<Exit>((resolve) =>
      child.once('exit', (code, signal) => {
        resolve({ code, signal });
        if (slot.stopping || this.closing) return;
        this.crashes.push({ instance: i, code, signal, at: new Date().toISOString(), output: tail(child.output(), 30) });
        this.restartCrashed(i);
      }),
    );
    await recordPid(this.options.scratch, child.pid, 'src/server.ts');
    const died = slot.exited.then((exit) => {
      throw new Error(`instance ${i} exited while starting (${JSON.stringify(exit)}):\n${tail(child.output())}`);
    });
    died.catch(() => {}); // it may exit later on purpose: only an exit while starting is a failure
    await Promise.race([waitForHealthy(slot.url, START_TIMEOUT_MS), died]);
  }
}
