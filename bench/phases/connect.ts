import { createRoom, memberSocket, mintTokens, type Person, postHistory, type Protocol, signInGuests } from '../lib/clients.js';
import { at } from '../lib/figures.js';
import { ReceiverPool } from '../lib/receivers.js';
import type { BenchContext, Figure, PhaseReport } from '../lib/report.js';
import { cpuSecondsOf, descendantsOf } from '../lib/sample.js';
import { type Deployment, startHubbub } from '../lib/servers.js';
import { round, type Summary, summarize } from '../lib/stats.js';

/**
 * F. Connect: a crowd of N people opens a room with 50 messages at the same moment (a class starting,
 * a stream going live) and each socket receives the history: the page's socket replays the log from
 * the start (`?after=0`), the old protocol's sends `old_data`. A member is ready when it has the
 * history and the list of people. Run at several N in a fresh room each, so the cost per socket can
 * be compared across crowd sizes: every arrival is announced to everyone present, so without care
 * a crowd costs O(N²) frames; coalesced, the frames each member gets stay flat as N grows.
 */

const HISTORY = 50;
const READY_TARGET_MS = 1000;
// Past this the frames per member grow with the crowd, i.e. the crowd's total grows faster than N.
const GROWTH_TARGET = 2;

export interface CrowdResult {
  protocol: Protocol;
  sockets: number;
  ready: number;
  /** From the first connect to each member being ready (ms). */
  readyMs: Summary;
  /** Server CPU (ms) spent on the crowd, from the first connect until the room settled, per socket. */
  serverCpuMsPerSocket: number;
  /** Frames and bytes each member received until the room settled (history, lists, notices). */
  framesPerMember: number;
  bytesPerMember: number;
  failures: string[];
}

/** One crowd into a fresh room: connect all at once, wait until everything settled, count. */
async function crowd(hubbub: Deployment, people: Person[], protocol: Protocol, pool: ReceiverPool): Promise<CrowdResult> {
  const url = hubbub.instances[0]!.url;
  const slug = await createRoom(url, people[0]!, `Crowd ${Date.now().toString(36)}`);
  await postHistory(url, people[0]!, slug, HISTORY);
  const specs = people.map((person) => memberSocket(url, slug, protocol, person, { after: 0 }));
  const pids = descendantsOf(hubbub.instances[0]!.pid);
  const cpuBefore = cpuSecondsOf(pids);
  const started = process.hrtime.bigint();
  // Everyone at once: as many connects in flight as there are people.
  const opened = await pool.open(specs, { concurrency: specs.length, timeoutMs: 60_000 });
  await settle(pool);
  const cpuMs = (cpuSecondsOf(pids) - cpuBefore) * 1000;
  const collected = await pool.collect();
  await pool.closeAll();
  const ready = opened.filter((one) => one.readyNs > 0n);
  const members = collected.members;
  return {
    protocol,
    sockets: specs.length,
    ready: ready.length,
    readyMs: summarize(ready.map((one) => Number(one.readyNs - started) / 1e6)),
    serverCpuMsPerSocket: round(cpuMs / specs.length, 3),
    framesPerMember: round(members.reduce((sum, m) => sum + m.frames, 0) / members.length, 1),
    bytesPerMember: round(members.reduce((sum, m) => sum + m.bytes, 0) / members.length, 0),
    failures: [...new Set(opened.filter((one) => one.readyNs === 0n).map((one) => one.error || 'not ready in time'))].slice(0, 5),
  };
}

/** Until no member has received anything for a second (notices and lists of the crowd included). */
async function settle(pool: ReceiverPool): Promise<void> {
  let frames = -1;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const now = (await pool.count()).frames;
    if (now === frames) return;
    frames = now;
  }
}

function figures(results: CrowdResult[]): Figure[] {
  const out: Figure[] = [];
  for (const protocol of ['page', 'legacy'] as const) {
    const mine = results.filter((one) => one.protocol === protocol);
    if (mine.length === 0) continue;
    const largest = mine[mine.length - 1]!;
    const smallest = mine[0]!;
    for (const one of mine) {
      const headline = one === largest;
      out.push(
        {
          name: `${protocol} ${one.sockets} sockets: all ready`,
          value: round(one.readyMs.max, 0),
          unit: 'ms',
          target: headline ? at('<=', READY_TARGET_MS) : undefined,
          note: `p50 ${round(one.readyMs.p50, 0)} ms; ${one.ready} of ${one.sockets} ready${one.failures.length ? ` (${one.failures.join('; ')})` : ''}`,
        },
        {
          name: `${protocol} ${one.sockets} sockets: per member`,
          value: one.framesPerMember,
          unit: 'frames',
          note: `${round(one.bytesPerMember / 1024, 1)} KiB; server CPU ${one.serverCpuMsPerSocket} ms per socket`,
        },
      );
    }
    out.push(
      { name: `${protocol}: sockets not ready`, value: mine.reduce((sum, one) => sum + one.sockets - one.ready, 0), unit: '', target: at('<=', 0) },
      {
        name: `${protocol}: frames per member, ${largest.sockets} vs ${smallest.sockets} sockets`,
        value: round(largest.framesPerMember / smallest.framesPerMember, 2),
        unit: '×',
        target: at('<=', GROWTH_TARGET),
        note: `server CPU per socket ${round(largest.serverCpuMsPerSocket / smallest.serverCpuMsPerSocket, 2)}×; O(N) in all keeps both near 1`,
      },
    );
  }
  return out;
}

export async function run(context: BenchContext): Promise<PhaseReport[]> {
  const sizes = context.smoke ? [10, 40] : [250, 500, 1000];
  const results: CrowdResult[] = [];
  for (const protocol of ['page', 'legacy'] as const) {
    const hubbub = await startHubbub('scaled');
    const pool = ReceiverPool.start(2);
    try {
      const url = hubbub.instances[0]!.url;
      const people = await signInGuests(url, sizes[sizes.length - 1]!);
      if (protocol === 'legacy') await mintTokens(url, hubbub.databaseUrl!, people);
      for (const size of sizes) {
        const result = await crowd(hubbub, people.slice(0, size), protocol, pool);
        context.log(
          `  ${protocol} ${size}: all ready ${round(result.readyMs.max, 0)} ms (p50 ${round(result.readyMs.p50, 0)}), ${result.framesPerMember} frames and ${round(result.bytesPerMember / 1024, 1)} KiB per member, server ${result.serverCpuMsPerSocket} ms CPU per socket`,
        );
        results.push(result);
      }
    } finally {
      await pool.stop();
      await hubbub.stop();
    }
  }
  return [{ id: 'F', title: `Connect: a crowd opens a room with ${HISTORY} messages at once`, figures: figures(results), details: { results } }];
}
