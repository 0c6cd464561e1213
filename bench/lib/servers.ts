import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from '../../tests/support/process.js';
import { descendantsOf, pidsByCommand, ProcessSampler, type Watched } from './sample.js';

/**
 * The processes a bench phase measures: Hubbub instances (scaled: a fresh PostgreSQL database and a
 * private Redis key prefix; embedded: PGlite in a scratch dir) and the ceiling server. Everything
 * started here is stopped by `stop()`, and at exit should the driver crash.
 */

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const POSTGRES_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Signs the old protocol's access tokens, so the driver can mint them for the guests it signs in. */
export const BENCH_SECRET = 'bench-secret-not-for-production-0123456789abcdef';

// Limits are for people; the driver is thousands of them from one address.
const BENCH_LIMITS = {
  RATE_LIMIT_AUTH_PER_IP: '100000000',
  SIGNIN_FREE_FAILURES: '100000000',
  RATE_LIMIT_MESSAGES: '100000000',
  SOCKETS_PER_USER: '100000',
};

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});


export interface Instance {
  url: string;
  pid: number;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Spawns one process, as `npm start` runs it; answers when it listens (first 200 on /healthz). */
export async function spawnInstance(
  command: string[],
  env: Record<string, string>,
  { port, timeoutMs = 60_000 }: { port?: number; timeoutMs?: number } = {},
): Promise<Instance & { readyMs: number }> {
  const chosen = port ?? (await freePort());
  const started = performance.now();
  const child = spawn(process.execPath, command, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: String(chosen), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = `http://127.0.0.1:${chosen}`;
  const exited = once(child, 'exit');
  const deadline = started + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command.join(' ')} exited with ${child.exitCode}:\n${output}`);
    const ok = await fetch(`${url}/healthz`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ok) break;
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${url} was not healthy within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const readyMs = performance.now() - started;
  return {
    url,
    pid: child.pid!,
    child,
    readyMs,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      running.delete(child);
    },
  };
}

/** Hubbub as `npm start` and the image run it: the build (see buildHubbub). */
export const HUBBUB = ['--enable-source-maps', 'dist/server.mjs'];
/** From the TypeScript sources through tsx, as `npm run dev` runs it. */
export const HUBBUB_FROM_SOURCE = ['--import', 'tsx', 'src/server.ts'];

/** `npm run build`: every phase then runs the server as it is deployed. */
export function buildHubbub(): void {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
}

export type Mode = 'scaled' | 'embedded';

/** BENCH_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) go to every Hubbub process: for profiling a phase. */
export const profilingArgs = () => (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

export interface Deployment {
  mode: Mode;
  instances: Instance[];
  /** The database the instances share (scaled mode), for the oracle. */
  databaseUrl: string | null;
  /** Embedded mode: the PGlite data dir (read by the oracle once the instance has stopped). */
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * Hubbub as an operator runs it: `count` instances sharing a fresh PostgreSQL database and Redis
 * (scaled), or one embedded instance with PGlite on disk.
 */
export async function startHubbub(mode: Mode, count = 1, extraEnv: Record<string, string> = {}): Promise<Deployment> {
  if (mode === 'embedded' && count !== 1) throw new Error('embedded mode runs one instance');
  const dataDir = await mkdtemp(join(tmpdir(), 'hubbub-bench-'));
  const databaseUrl = mode === 'scaled' ? await createDatabase() : null;
  const env: Record<string, string> = {
    LOG_LEVEL: 'warn',
    SECRET: BENCH_SECRET,
    DATA_DIR: dataDir,
    NODE_ENV: 'production',
    ...BENCH_LIMITS,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl, REDIS_URL, REDIS_PREFIX: `bench-${randomBytes(4).toString('hex')}` } : {}),
    ...extraEnv,
  };
  const instances: Instance[] = [];
  const stop = async () => {
    await Promise.allSettled(instances.map((instance) => instance.stop()));
    if (databaseUrl) await dropDatabase(databaseUrl);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    // One after another: the first migrates, the others find it done.
    for (let i = 0; i < count; i++) instances.push(await spawnInstance([...profilingArgs(), ...HUBBUB], env));
  } catch (error) {
    await stop();
    throw error;
  }
  return { mode, instances, databaseUrl, dataDir, stop };
}

/** A fresh database on the PostgreSQL server for one deployment. */
export async function createDatabase(): Promise<string> {
  const name = `hubbub_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropDatabase(databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`drop database if exists "${name}" with (force)`);
  } finally {
    await admin.end();
  }
}

/**
 * A sampler of everything a deployment runs on: its instances (each on its own line: "hubbub",
 * "hubbub-b", …; "ceiling" for the bare server), this database's PostgreSQL backends (other work on the machine may use the same
 * server), Redis and the driver. `extra` adds more (the ceiling server, say).
 */
export function watch(deployment: Pick<Deployment, 'instances' | 'databaseUrl'>, label = 'hubbub', extra: Watched[] = []): ProcessSampler {
  const watched: Watched[] = deployment.instances.map((instance, i) => ({
    name: i === 0 ? label : `${label}-${String.fromCharCode(97 + i)}`,
    pids: () => descendantsOf(instance.pid),
  }));
  if (deployment.databaseUrl) {
    const database = new URL(deployment.databaseUrl).pathname.slice(1);
    watched.push({ name: 'postgres', pids: () => pidsByCommand(new RegExp(`^postgres: .*${database}`)) });
    watched.push({ name: 'redis', pids: () => pidsByCommand(/^redis-server/) });
  }
  watched.push(...extra, { name: 'driver', pids: () => [process.pid] });
  return new ProcessSampler(watched, 250);
}
