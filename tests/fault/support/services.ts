import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { appendFile, chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../support/process.js';
import { now, sleep, waitUntil } from './util.js';

/**
 * Private PostgreSQL and Redis servers for one fault-suite file, on free ports in a scratch dir:
 * the machine's shared servers (5432, 6379) are never touched. Everything started here is also
 * stopped when the test process exits, and a later run clears what a killed run left behind.
 */

const run = promisify(execFile);
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const SCRATCH_PREFIX = 'hubbub-fault-';

// ---------------------------------------------------------------------------------------------
// Scratch dirs and the cleanup of last resort
// ---------------------------------------------------------------------------------------------

/** Synchronous stops, run if the test process exits with services still up (a crash, a timeout). */
const exitCleanups = new Set<() => void>();
process.once('exit', () => {
  for (const cleanup of exitCleanups) {
    try {
      cleanup();
    } catch {
      // best effort: the process is going away
    }
  }
});

/** Runs `cleanup` at process exit unless the returned function is called first (a normal stop). */
export function onExit(cleanup: () => void): () => void {
  exitCleanups.add(cleanup);
  return () => exitCleanups.delete(cleanup);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A process that still runs the command it was recorded with (a pid may have been reused since). */
function stillRuns(pid: number, marker: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(marker);
  } catch {
    return false;
  }
}

/**
 * A scratch dir for one file's services. `owner` names this test process and `pids` every process
 * started in it, so `sweepOrphans` can stop them should this process die without cleaning up.
 */
export async function scratchDir(): Promise<string> {
  sweepOrphans();
  const dir = await mkdtemp(join(tmpdir(), SCRATCH_PREFIX));
  await chmod(dir, 0o755); // the postgres user must reach its data dir inside
  await writeFile(join(dir, 'owner'), String(process.pid));
  return dir;
}

/** Notes a process started for the suite: `marker` is a piece of its command line. */
export async function recordPid(dir: string, pid: number | undefined, marker: string): Promise<void> {
  if (pid !== undefined) await appendFile(join(dir, 'pids'), `${pid}\t${marker}\n`);
}

/** Stops what earlier runs of the suite left behind when their test process was killed. */
export function sweepOrphans(): void {
  for (const name of readdirSync(tmpdir()).filter((entry) => entry.startsWith(SCRATCH_PREFIX))) {
    const dir = join(tmpdir(), name);
    const owner = readOwner(dir);
    // No owner yet: a run is creating the dir right now, unless it is old.
    if (owner === null ? Date.now() - statSync(dir).mtimeMs < 60_000 : alive(owner)) continue;
    killRecorded(dir);
    stopPostgresSync(join(dir, 'pg', 'data'));
    rmSync(dir, { recursive: true, force: true });
  }
}

function readOwner(dir: string): number | null {
  try {
    return Number(readFileSync(join(dir, 'owner'), 'utf8')) || null;
  } catch {
    return null;
  }
}

function killRecorded(dir: string): void {
  const file = join(dir, 'pids');
  if (!existsSync(file)) return;
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const [pid, marker] = line.split('\t') as [string, string];
    if (stillRuns(Number(pid), marker)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL
// ---------------------------------------------------------------------------------------------

const isRoot = process.getuid?.() === 0;

/** As root, PostgreSQL's tools run as the postgres user (initdb and the server refuse root). */
function asPostgres(tool: string, args: string[]): [string, string[]] {
  const path = join(PG_BIN, tool);
  return isRoot ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
}

function stopPostgresSync(dataDir: string): void {
  if (!existsSync(join(dataDir, 'postmaster.pid'))) return;
  const [command, args] = asPostgres('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '10']);
  spawnSync(command, args, { stdio: 'ignore', timeout: 15_000 });
}

export type PostgresStopMode = 'fast' | 'immediate';

/** A PostgreSQL cluster of its own, in `<scratch>/pg`, listening on 127.0.0.1 at a free port. */
export class PrivatePostgres {
  private readonly dataDir: string;
  private readonly forget: () => void;

  private constructor(
    private readonly home: string,
    readonly port: number,
  ) {
    this.dataDir = join(home, 'data');
    this.forget = onExit(() => stopPostgresSync(this.dataDir));
  }

  /** What the app and the oracle connect with. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async start(scratch: string): Promise<PrivatePostgres> {
    const home = join(scratch, 'pg');
    await mkdir(home, { mode: 0o700 });
    if (isRoot) {
      const { uid, gid } = postgresUser();
      await chown(home, uid, gid);
    }
    const pg = new PrivatePostgres(home, await freePort());
    await pg.tool('initdb', ['-D', pg.dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
    await pg.start();
    return pg;
  }

  /** Stops the server (`fast` ends sessions cleanly, `immediate` is a crash) and starts it again. */
  async restart(mode: PostgresStopMode, { downMs = 0 } = {}): Promise<{ stopMs: number; outageMs: number }> {
    const began = now();
    await this.tool('pg_ctl', ['stop', '-D', this.dataDir, '-m', mode, '-w', '-t', '60']);
    const stopMs = now() - began;
    if (downMs > 0) await sleep(downMs);
    await this.start();
    return { stopMs, outageMs: now() - began };
  }

  async stop(mode: PostgresStopMode = 'fast'): Promise<void> {
    if (existsSync(join(this.dataDir, 'postmaster.pid'))) {
      await this.tool('pg_ctl', ['stop', '-D', this.dataDir, '-m', mode, '-w', '-t', '60']).catch(() => stopPostgresSync(this.dataDir));
    }
    this.forget();
  }

  /** The server's own log (connection failures, crash recovery), for a failure message. */
  log(): string {
    try {
      return readFileSync(join(this.home, 'log'), 'utf8');
    } catch {
      return '';
    }
  }

  private async start(): Promise<void> {
    const options = `-p ${this.port} -k ${this.home} -c listen_addresses=127.0.0.1 -c max_connections=300`;
    await this.tool('pg_ctl', ['start', '-D', this.dataDir, '-l', join(this.home, 'log'), '-w', '-t', '60', '-o', options]);
  }

  private async tool(name: string, args: string[]): Promise<void> {
    const [command, full] = asPostgres(name, args);
    try {
      await run(command, full, { timeout: 120_000 });
    } catch (error) {
      const { stderr = '', stdout = '' } = error as { stderr?: string; stdout?: string };
      throw new Error(`${name} ${args.join(' ')} failed: ${String(error)}\n${stdout}${stderr}\n${this.log().slice(-2000)}`);
    }
  }
}

function postgresUser(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'));
  if (!line) throw new Error('running as root, but there is no postgres user to run PostgreSQL as');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

// ---------------------------------------------------------------------------------------------
// Redis
// ---------------------------------------------------------------------------------------------

/** A redis-server of its own: a child process on 127.0.0.1 at a free port, nothing saved to disk. */
export class PrivateRedis {
  private child: ChildProcess | null = null;
  private stalled = false;
  private output = '';
  private readonly forget: () => void;

  private constructor(
    private readonly scratch: string,
    readonly port: number,
  ) {
    this.forget = onExit(() => {
      if (this.child?.pid) process.kill(this.child.pid, 'SIGKILL');
    });
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(scratch: string): Promise<PrivateRedis> {
    const redis = new PrivateRedis(scratch, await freePort());
    await redis.launch();
    return redis;
  }

  /** Stops Redis (SIGTERM; its data is gone, as nothing is saved) and starts it again on the same port. */
  async restart({ downMs = 0 } = {}): Promise<{ outageMs: number }> {
    const began = now();
    await this.halt('SIGTERM');
    if (downMs > 0) await sleep(downMs);
    await this.launch();
    return { outageMs: now() - began };
  }

  /** Freezes the server (SIGSTOP) for `ms`: connections stay open but nothing is answered. */
  async stall(ms: number): Promise<void> {
    const pid = this.child?.pid;
    if (!pid) throw new Error('redis is not running');
    this.stalled = true;
    process.kill(pid, 'SIGSTOP');
    try {
      await sleep(ms);
    } finally {
      process.kill(pid, 'SIGCONT');
      this.stalled = false;
    }
  }

  /** Drops every pub/sub connection (CLIENT KILL TYPE pubsub); answers how many were dropped. */
  async killPubsub(): Promise<number> {
    return Number(await this.command('CLIENT', 'KILL', 'TYPE', 'pubsub'));
  }

  /** One command over a fresh connection; answers the reply (an error reply rejects). */
  command(...args: string[]): Promise<string> {
    return respCommand(this.port, args);
  }

  async stop(): Promise<void> {
    await this.halt('SIGKILL');
    this.forget();
  }

  log(): string {
    return this.output;
  }

  private async launch(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.scratch];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk) => (this.output += chunk));
    child.stderr!.on('data', (chunk) => (this.output += chunk));
    this.child = child;
    await recordPid(this.scratch, child.pid, 'redis-server');
    const ready = await waitUntil(() => this.command('PING').then((reply) => reply === 'PONG', () => false), 10_000, 50);
    if (!ready) throw new Error(`redis-server did not start on port ${this.port}:\n${this.output}`);
  }

  private async halt(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    if (this.stalled) process.kill(child.pid!, 'SIGCONT');
    child.kill(signal);
    await exited;
    this.child = null;
  }
}

/** A minimal RESP client: enough for PING, CLIENT KILL and other one-line replies. */
async function respCommand(port: number, args: string[]): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  socket.setTimeout(5_000);
  try {
    await once(socket, 'connect');
    socket.write(`*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`);
    let buffer = '';
    for await (const chunk of socket) {
      buffer += String(chunk);
      const reply = parseReply(buffer);
      if (reply !== undefined) return reply;
    }
    throw new Error(`redis closed the connection during ${args[0]}`);
  } finally {
    socket.destroy();
  }
}

function parseReply(buffer: string): string | undefined {
  const end = buffer.indexOf('\r\n');
  if (end < 0) return undefined;
  const [kind, line] = [buffer[0], buffer.slice(1, end)];
  if (kind === '-') throw new Error(`redis: ${line}`);
  if (kind !== '$') return line;
  const length = Number(line);
  if (length < 0) return '';
  return buffer.length >= end + 2 + length + 2 ? buffer.slice(end + 2, end + 2 + length) : undefined;
}

/** Removes a scratch dir once everything in it has stopped. */
export async function removeScratch(dir: string): Promise<void> {
  killRecorded(dir);
  await rm(dir, { recursive: true, force: true });
}
