import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createRoom, type Person, request, signInGuests } from '../lib/clients.js';
import { at } from '../lib/figures.js';
import type { BenchContext, Figure, PhaseReport } from '../lib/report.js';
import { BENCH_SECRET, type Deployment, HUBBUB, HUBBUB_FROM_SOURCE, type Mode, REDIS_URL, root, spawnInstance, startHubbub } from '../lib/servers.js';
import { round, summarize } from '../lib/stats.js';

/**
 * G. Cold start: spawn → first 200 on /healthz, as an operator starts Hubbub (the build, `node
 * --enable-source-maps dist/server.mjs`, as `npm start` and the image run it; no profiler, no bench
 * limits), against a database that is already there: scaled (a migrated PostgreSQL database, Redis)
 * and embedded (PGlite on disk holding 10,000 messages). For context, the same from the TypeScript
 * sources through tsx, and what Node itself and importing the app's stack cost, measured the same way.
 */

/** What an operator sets to start one more instance on an existing deployment. */
export function operatorEnv(deployment: Deployment): Record<string, string> {
  const env: Record<string, string> = { LOG_LEVEL: 'warn', SECRET: BENCH_SECRET, DATA_DIR: deployment.dataDir, NODE_ENV: 'production' };
  if (!deployment.databaseUrl) return env;
  return { ...env, DATABASE_URL: deployment.databaseUrl, REDIS_URL, REDIS_PREFIX: `bench-cold-${randomBytes(4).toString('hex')}` };
}

/** Starts Hubbub `count` times, one after another, each stopped before the next; answers the times to ready. */
async function timeStarts(command: string[], env: Record<string, string>, count: number, check?: (url: string) => Promise<void>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const instance = await spawnInstance(command, env, { timeoutMs: 20_000 });
    try {
      times.push(instance.readyMs);
      if (check) await check(instance.url);
    } finally {
      await instance.stop();
    }
  }
  return times;
}

/** Runs a node command to its end `count` times; answers the wall times. */
async function timeCommand(args: string[], count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: root, stdio: 'ignore', timeout: 30_000 });
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`node ${args.join(' ')} exited with ${code}`);
    times.push(performance.now() - started);
  }
  return times;
}

function startFigure(name: string, times: number[], target?: number, note = ''): Figure {
  const summary = summarize(times);
  return {
    name,
    value: round(summary.p50, 0),
    unit: 'ms',
    target: target === undefined ? undefined : at('<=', target),
    note: `${times.length === 1 ? 'one start' : `median of ${times.length}, max ${round(summary.max, 0)} ms`}${note}`,
  };
}

interface Prepared {
  deployment: Deployment;
  /** Embedded: a guest who can see the rooms, to check each start really opened the data. */
  person: Person | null;
}

/** A deployment past its first start (which migrates, or creates the PGlite data), stopped; embedded also gets its rooms and their history. */
async function prepare(mode: Mode, rooms: number, perRoom: number): Promise<Prepared> {
  const deployment = await startHubbub(mode);
  try {
    const person = mode === 'embedded' ? await makeRooms(deployment.instances[0]!.url, rooms) : null;
    await deployment.instances[0]!.stop();
    if (mode === 'embedded') await fillRooms(deployment.dataDir, perRoom);
    return { deployment, person };
  } catch (error) {
    await deployment.stop();
    throw error;
  }
}

/** Guests and their rooms, made over HTTP as people would (one guest per room). */
async function makeRooms(url: string, rooms: number): Promise<Person> {
  const people = await signInGuests(url, rooms, 4);
  await Promise.all(people.map((person, i) => createRoom(url, person, `Cold start ${i + 1}`)));
  return people[0]!;
}

/**
 * Each room's history, written straight into the stopped instance's PGlite: over HTTP it takes
 * ~6 ms a message here (over a minute for 10,000). The rows are what a send stores: the next seq of
 * the room, by the room's creator, a minute apart, and the room's last_seq moved past them.
 */
async function fillRooms(dataDir: string, perRoom: number): Promise<void> {
  const client = await PGlite.create(join(dataDir, 'pglite'));
  try {
    await client.transaction(async (tx) => {
      await tx.query(
        `insert into messages (room_id, seq, updated_seq, author_id, body, created_at)
         select r.id, r.last_seq + g, r.last_seq + g, r.created_by,
                'History line ' || g || ': the quick brown fox jumps over the lazy dog.',
                now() - ($1::int - g) * interval '1 minute'
         from rooms r cross join generate_series(1, $1::int) g
         where r.created_by is not null`,
        [perRoom],
      );
      await tx.query('update rooms set last_seq = last_seq + $1::int where created_by is not null', [perRoom]);
    });
  } finally {
    await client.close();
  }
}

/** The instance really opened the data: the lobby lists the rooms and their messages. */
async function checkData(url: string, person: Person, messages: number): Promise<void> {
  const answer = await request(`${url}/lobby/`, { headers: { cookie: person.cookie, accept: 'application/json' } });
  const rooms = answer.status === 200 ? (JSON.parse(answer.body) as { rooms: { last_seq: number }[] }).rooms : [];
  const stored = rooms.reduce((sum, room) => sum + room.last_seq, 0);
  if (stored < messages) throw new Error(`the restarted instance shows ${stored} messages, not ${messages} (${answer.status})`);
}

async function bytesUnder(dir: string): Promise<number> {
  const files = await readdir(dir, { recursive: true });
  const sizes = await Promise.all(files.map((file) => stat(join(dir, file)).then((info) => (info.isFile() ? info.size : 0))));
  return sizes.reduce((sum, size) => sum + size, 0);
}

export async function run(context: BenchContext): Promise<PhaseReport[]> {
  const starts = context.smoke ? 2 : 5;
  const [rooms, perRoom] = context.smoke ? [4, 250] : [20, 500];
  const messages = rooms * perRoom;
  // Context only: a smoke run (PGlite's first start alone takes ~5 s of its 15) times Node once and skips the import.
  const node = await timeCommand(['-e', '0'], context.smoke ? 1 : starts);
  const stack = context.smoke ? [] : await timeCommand(['--import', 'tsx', '-e', "await import('./src/app.tsx')"], starts);

  // Both deployments are set up side by side (nothing is timed then; PGlite's first start alone takes seconds).
  const prepared = await Promise.allSettled([prepare('scaled', rooms, perRoom), prepare('embedded', rooms, perRoom)]);
  try {
    const [scaled, embedded] = prepared.map((one) => {
      if (one.status === 'rejected') throw one.reason;
      return one.value;
    }) as [Prepared, Prepared];
    const scaledTimes = await timeStarts(HUBBUB, operatorEnv(scaled.deployment), starts);
    const scaledFromSource = await timeStarts(HUBBUB_FROM_SOURCE, operatorEnv(scaled.deployment), starts);
    context.log(`  scaled: ${scaledTimes.map((ms) => Math.round(ms)).join(', ')} ms; from source ${scaledFromSource.map((ms) => Math.round(ms)).join(', ')} ms`);
    const dataBytes = await bytesUnder(embedded.deployment.dataDir);
    const check = (url: string) => checkData(url, embedded.person!, messages);
    const embeddedTimes = await timeStarts(HUBBUB, operatorEnv(embedded.deployment), starts, check);
    const embeddedFromSource = await timeStarts(HUBBUB_FROM_SOURCE, operatorEnv(embedded.deployment), starts, check);
    context.log(
      `  embedded (${messages} messages, ${Math.round(dataBytes / 2 ** 20)} MiB): ${embeddedTimes.map((ms) => Math.round(ms)).join(', ')} ms; from source ${embeddedFromSource.map((ms) => Math.round(ms)).join(', ')} ms`,
    );
    const stackFigures = [startFigure('node -e 0', node)];
    if (stack.length) stackFigures.push(startFigure('import the app (tsx, src/app.tsx)', stack, undefined, ', Node and tsx included'));
    return [
      {
        id: 'G-scaled',
        title: 'Cold start, scaled: spawn → first 200 on /healthz (migrated PostgreSQL, Redis)',
        figures: [startFigure('scaled start', scaledTimes, 250), startFigure('scaled start from source (tsx)', scaledFromSource), ...stackFigures],
        details: { scaledTimes, scaledFromSource, node, stack },
      },
      {
        id: 'G-embedded',
        title: `Cold start, embedded: spawn → first 200 on /healthz (PGlite on disk, ${messages} messages)`,
        figures: [
          startFigure('embedded start', embeddedTimes, 1500, `, ${rooms} rooms × ${perRoom} messages, ${round(dataBytes / 2 ** 20, 1)} MiB`),
          startFigure('embedded start from source (tsx)', embeddedFromSource),
        ],
        details: { embeddedTimes, embeddedFromSource, rooms, perRoom, dataBytes },
      },
    ];
  } finally {
    await Promise.all(prepared.map((one) => (one.status === 'fulfilled' ? one.value.deployment.stop() : undefined)));
  }
}
