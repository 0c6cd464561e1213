import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../support/process.js';
import type { Cleanup } from './cleanup.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const STARTUP_MS = 60_000;

/** One Hubbub process, run from the build as the container runs it (`node dist/server.mjs`). */
export interface Instance {
  url: string;
  port: number;
  /** Everything it wrote (JSON log lines), stdout and stderr together. */
  output(): string;
  /** SIGTERM, as a deploy or `docker stop` sends; answers the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL if it still runs (cleanup after a failure). */
  kill(): Promise<void>;
}

/**
 * Starts the built server with `env` on a free port and waits until /readyz answers 200, or fails
 * with what the process wrote. The environment is only what is given here (plus PATH), so nothing
 * of the caller's (a DATABASE_URL, say) leaks in.
 */
export async function startInstance(env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--enable-source-maps', 'dist/server.mjs'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const running = () => child.exitCode === null && child.signalCode === null;

  const instance: Instance = {
    url,
    port,
    output: () => output,
    async stop() {
      if (running()) child.kill('SIGTERM');
      const [code] = await exited;
      return code;
    },
    async kill() {
      if (running()) child.kill('SIGKILL');
      await exited;
    },
  };

  const deadline = Date.now() + STARTUP_MS;
  while (Date.now() < deadline && running()) {
    const ready = await fetch(`${url}/readyz`).then((response) => response.status === 200, () => false);
    if (ready) return instance;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await instance.kill();
  throw new Error(`the instance on port ${port} never became ready:\n${output}`);
}

/** Instances started at the same moment; each one that started is left to `cleanup`, even when another failed. */
export async function startTogether(envs: Array<Record<string, string>>, cleanup: Cleanup): Promise<Instance[]> {
  const started = await Promise.allSettled(envs.map((env) => startInstance(env)));
  for (const result of started) if (result.status === 'fulfilled') cleanup.add(() => result.value.kill());
  for (const result of started) if (result.status === 'rejected') throw result.reason;
  return started.map((result) => (result as PromiseFulfilledResult<Instance>).value);
}

/** The JSON log lines an instance wrote (other lines are skipped). */
export function logLines(instance: Instance): Array<Record<string, unknown>> {
  return instance
    .output()
    .split('\n')
    .flatMap((line) => {
      try {
        const parsed = JSON.parse(line) as unknown;
        return parsed && typeof parsed === 'object' ? [parsed as Record<string, unknown>] : [];
      } catch {
        return [];
      }
    });
}
