import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, spawnServer, waitForHealthy } from '../../support/process.js';

/** A server process (from source) on embedded PGlite (no DATABASE_URL, no REDIS_URL). */
export interface EmbeddedServer {
  url: string;
  pid: number;
  /** Milliseconds from spawning the process to the first healthy answer. */
  startMs: number;
  output(): string;
  /** SIGKILL: no handler runs, nothing is flushed or closed. */
  kill(): Promise<void>;
  /** SIGTERM: the server closes the database itself. */
  stop(): Promise<void>;
}

export const SECRET = 'embedded-kill-secret-0123456789abcdef';

export async function startEmbedded(dataDir: string): Promise<EmbeddedServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  const child = spawnServer({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, SECRET, LOG_LEVEL: 'warn' });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const gone = exited.then(([code, signal]) => {
    throw new Error(`server exited (code ${code}, signal ${signal}) before it was healthy:\n${child.output()}`);
  });
  gone.catch(() => {});
  try {
    await Promise.race([waitForHealthy(url, 60_000), gone]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const startMs = Date.now() - started;
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const [code, got] = await exited;
    if (signal === 'SIGKILL' && got !== 'SIGKILL') throw new Error(`server ended by ${got ?? `exit ${code}`} before the SIGKILL:\n${child.output()}`);
    if (signal === 'SIGTERM' && code !== 0) throw new Error(`server stopped with ${got ?? `exit ${code}`}:\n${child.output()}`);
  };
  return { url, pid: child.pid!, startMs, output: child.output, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}

/** A guest's session: the cookie and the username it shows in messages. */
export interface Guest {
  cookie: string;
  username: string;
}

export async function signInGuest(url: string): Promise<Guest> {
  const response = await fetch(`${url}/guest/`, { method: 'POST', headers: { origin: url }, redirect: 'manual' });
  const line = response.headers.getSetCookie().find((l) => l.startsWith('hubbub_session='));
  if (response.status !== 303 || !line) throw new Error(`guest sign-in failed: ${response.status}`);
  const cookie = line.split(';')[0]!;
  const lobby = await request(url, cookie, 'GET', '/lobby/');
  if (lobby.status !== 200) throw new Error(`lobby refused the new guest: ${lobby.status}`);
  return { cookie, username: (lobby.body.user as { username: string }).username };
}

export async function request(url: string, cookie: string, method: string, path: string, json?: unknown) {
  const headers: Record<string, string> = { cookie, origin: url, accept: 'application/json' };
  if (json !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${url}${path}`, {
    method,
    headers,
    body: json === undefined ? undefined : JSON.stringify(json),
    redirect: 'manual',
  });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: response.status, body };
}

export async function createRoom(url: string, guest: Guest, name: string): Promise<string> {
  const { status, body } = await request(url, guest.cookie, 'POST', '/lobby/', { name, image: 'chat' });
  if (status !== 201) throw new Error(`could not create room ${name}: ${status} ${JSON.stringify(body)}`);
  return body.slug as string;
}

export interface StoredMessage {
  seq: number;
  updated_seq: number;
  body: string | null;
  author: { username: string };
}

/** The whole room log through the JSON history pages (newest page first, each oldest first). */
export async function readLog(url: string, guest: Guest, slug: string): Promise<StoredMessage[]> {
  const pages: StoredMessage[][] = [];
  let before: number | null = null;
  for (;;) {
    const path: string = `/lobby/${slug}/messages/${before === null ? '' : `?before=${before}`}`;
    const { status, body } = await request(url, guest.cookie, 'GET', path);
    if (status !== 200) throw new Error(`history ${path}: ${status} ${JSON.stringify(body)}`);
    pages.unshift(body.messages as StoredMessage[]);
    if (!body.has_older) break;
    before = body.next_before as number;
  }
  return pages.flat();
}

/** One send as the client saw it. */
export interface Send {
  clientId: string;
  body: string;
  guest: Guest;
  /** The seq of the answer (201 created, 200 already stored); absent if no such answer came. */
  seq?: number;
  /** The body the answer carried. */
  answeredBody?: string | null;
  status?: number;
  error?: string;
}

/**
 * A message body unique to its client_id, of varied length (some span several WAL pages and are
 * TOASTed), with non-ASCII text so a mangled byte shows.
 */
export function messageBody(label: string, clientId: string, n: number): string {
  const filler = 'Grüße, naïve café ✓ 🚀 — ';
  const length = [0, 40, 300, 1500, 3500][n % 5]!;
  return `${label} ${clientId} ${filler.repeat(Math.ceil(length / filler.length)).slice(0, length)}`.trim();
}

export async function sendMessage(url: string, slug: string, send: Send): Promise<void> {
  const { status, body } = await request(url, send.guest.cookie, 'POST', `/lobby/${slug}/messages/`, {
    body: send.body,
    client_id: send.clientId,
  });
  send.status = status;
  if (status === 201 || status === 200) {
    send.seq = body.seq as number;
    send.answeredBody = body.body as string | null;
  } else send.error = `${status} ${JSON.stringify(body).slice(0, 200)}`;
}

/**
 * Sends at a steady rate (round-robin over the guests) until stopped, never more than `maxInFlight`
 * at once. Every send is recorded; `stop()` stops launching new ones and answers those unanswered.
 */
export class Traffic {
  readonly sends: Send[] = [];
  private readonly pending = new Set<Promise<void>>();
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly slug: string,
    private readonly guests: Guest[],
    private readonly label: string,
    private readonly perSecond: number,
    private readonly maxInFlight: number,
  ) {
    this.loop = this.run();
  }

  get acknowledged(): Send[] {
    return this.sends.filter((s) => s.seq !== undefined);
  }

  get inFlight(): number {
    return this.pending.size;
  }

  private async run() {
    const started = Date.now();
    let launched = 0;
    while (!this.stopped) {
      const due = Math.floor(((Date.now() - started) / 1000) * this.perSecond);
      while (launched < due && this.pending.size < this.maxInFlight && !this.stopped) {
        const clientId = randomUUID();
        const send: Send = { clientId, body: messageBody(this.label, clientId, launched), guest: this.guests[launched % this.guests.length]! };
        launched++;
        this.sends.push(send);
        const done: Promise<void> = sendMessage(this.url, this.slug, send)
          .catch((error: unknown) => {
            send.error = String((error as Error & { cause?: unknown }).cause ?? error);
          })
          .finally(() => this.pending.delete(done));
        this.pending.add(done);
      }
      await sleep(2);
    }
  }

  /** Stops launching; answers how many sends were still unanswered at that moment. */
  halt(): number {
    this.stopped = true;
    return this.pending.size;
  }

  /** Waits for the loop and every send to settle (after the server died, they fail). */
  async settle(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await Promise.all([...this.pending]);
  }
}

export async function waitUntil(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

/** PostgreSQL's DBState, kept at byte 16 of global/pg_control. */
const DB_STATES = ['starting up', 'shut down', 'shut down in recovery', 'shutting down', 'in crash recovery', 'in archive recovery', 'in production'];

function controlState(dataDir: string): string | undefined {
  let control: Buffer;
  try {
    control = readFileSync(join(dataDir, 'pglite', 'global', 'pg_control'));
  } catch {
    return undefined;
  }
  return control.length >= 20 ? (DB_STATES[control.readUInt32LE(16)] ?? `state ${control.readUInt32LE(16)}`) : undefined;
}

export type RecoveryPhase = 'in crash recovery' | 'shutting down';

/**
 * Starts the server on a data directory left by a SIGKILL and kills it again the moment pg_control
 * shows `phase`: "in crash recovery" (replaying the WAL) or "shutting down" (the end-of-recovery
 * checkpoint, which writes the data pages). pg_control is polled without pause: the phases last
 * milliseconds. Answers the states seen, and the one pg_control was left in.
 */
export async function killDuringRecovery(dataDir: string, phase: RecoveryPhase): Promise<{ states: string[]; hit: boolean; left?: string }> {
  const port = await freePort();
  const child = spawnServer({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, SECRET, LOG_LEVEL: 'warn' });
  const exited = once(child, 'exit');
  const states = [controlState(dataDir) ?? 'missing'];
  const deadline = Date.now() + 60_000;
  let hit = false;
  while (Date.now() < deadline) {
    const state = controlState(dataDir);
    if (state && state !== states.at(-1)) states.push(state);
    if (state === phase) {
      hit = true;
      break;
    }
    // Past the phase (it was too short to see): kill now.
    if (states.length > 1 && state === 'in production') break;
  }
  child.kill('SIGKILL');
  await exited;
  return { states, hit, left: controlState(dataDir) };
}
