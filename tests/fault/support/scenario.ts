import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { Cluster, type UnexpectedExit } from './cluster.js';
import { createRoom, retrying, roomPage, signInGuests } from './guests.js';
import { Member, type MemberOptions, recoveryMs } from './members.js';
import { judge, type Observations } from './oracle.js';
import { type Figures, type ScenarioReport, type TimelineEntry, writeReport } from './report.js';
import { AckBoard, Sender, type SenderOptions } from './senders.js';
import { PrivatePostgres, PrivateRedis, removeScratch, scratchDir } from './services.js';
import { now, sleep, tail, waitUntil } from './util.js';

/** The bound every scenario holds members to: closed socket to caught up again. */
export const MAX_RECOVERY_MS = 2_000;
const PING_INTERVAL_S = 1;
/** The pages' watchdog: 2.5 ping intervals of silence (live.js reads it from the page). */
export const watchdogMsFor = (pingIntervalS: number) => pingIntervalS * 2500;

/** One file's private world: PostgreSQL, Redis and the app instances on them. */
export interface Stack {
  postgres: PrivatePostgres;
  redis: PrivateRedis;
  cluster: Cluster;
  /** WS_PING_INTERVAL of the instances, in seconds. */
  pingIntervalS: number;
  close(): Promise<void>;
}

export interface StackOptions {
  instances?: number;
  /** WS_PING_INTERVAL in seconds (1 by default: half-open sockets are found fast). */
  pingIntervalS?: number;
  /** More environment for every instance. */
  env?: Record<string, string>;
}

export async function startStack({ instances = 2, pingIntervalS = PING_INTERVAL_S, env }: StackOptions = {}): Promise<Stack> {
  const scratch = await scratchDir();
  const [pg, redis] = await Promise.allSettled([PrivatePostgres.start(scratch), PrivateRedis.start(scratch)]);
  const stopServices = async () => {
    if (pg.status === 'fulfilled') await pg.value.stop('immediate');
    if (redis.status === 'fulfilled') await redis.value.stop();
    await removeScratch(scratch);
  };
  if (pg.status === 'rejected' || redis.status === 'rejected') {
    await stopServices();
    throw pg.status === 'rejected' ? pg.reason : (redis as PromiseRejectedResult).reason;
  }
  let cluster: Cluster;
  try {
    cluster = await Cluster.start({ instances, databaseUrl: pg.value.url, redisUrl: redis.value.url, scratch, pingIntervalS, ...(env ? { env } : {}) });
  } catch (error) {
    await stopServices();
    throw error;
  }
  return {
    postgres: pg.value,
    redis: redis.value,
    cluster,
    pingIntervalS,
    async close() {
      await cluster.stop();
      await stopServices();
    },
  };
}

/** What a fault sees while it runs in the middle of the traffic. */
export interface FaultContext {
  stack: Stack;
  members: Member[];
  senders: Sender[];
  /** Notes a moment in the report's timeline (ms since the traffic started). */
  mark(label: string): void;
}

export interface ScenarioOptions<T> {
  /** The test file (import.meta.url or a name) and the scenario's name, for the report. */
  file: string;
  name: string;
  /** Closed socket to caught up, at most (default MAX_RECOVERY_MS); a scenario may state its own, with why. */
  recoveryBoundMs?: number;
  /** What is broken, in words, for the report. */
  fault: string;
  /** Breaks something; runs `faultAtMs` into the traffic, which goes on meanwhile. */
  inject?: (context: FaultContext) => Promise<T>;
  members?: number;
  senders?: number;
  /** Messages per second, all senders together. */
  rate?: number;
  trafficMs?: number;
  faultAtMs?: number;
  /** The members' watchdog (live.js's, 2.5 ping intervals of silence); on by default. */
  watchdog?: boolean;
  /** The instance each sender sends to first; by default they alternate over the instances. */
  senderHomes?: number[];
  /**
   * The traffic, instead of the senders' open-loop schedule at `rate` for `trafficMs`: the senders
   * are not started, and the traffic is over once this resolves (e.g. closed-loop bursts).
   */
  drive?: (context: FaultContext) => Promise<void>;
  /** More options for member j (other addresses, presence tracking, no watchdog…). */
  memberOptions?: (j: number) => Partial<MemberOptions>;
  /** More options for sender s (larger bodies…). */
  senderOptions?: (s: number) => Partial<SenderOptions>;
  /** How many members connect at a time while the scenario is set up (all at once by default). */
  joinBatch?: number;
  /** How long one member may take to join while the scenario is set up (20 s by default). */
  joinTimeoutMs?: number;
  /** How long the oracle waits for every member to reach the room's last seq (15 s by default). */
  judgeWaitMs?: number;
  /** Scenario-specific figures and problems, added to the report line before it is written. */
  assess?: (run: Assessment<T>) => { figures?: Figures; problems?: string[] };
}

/** What `assess` sees: everything the scenario recorded, once the oracle has judged. */
export interface Assessment<T> {
  stack: Stack;
  members: Member[];
  senders: Sender[];
  observations: Observations;
  timeline: TimelineEntry[];
  faultResult: T | undefined;
  /** `now()` when the traffic started: the timeline's zero. */
  trafficStartedAt: number;
  /** From the end of the fault until every member had every message acknowledged by then. */
  faultRecoveryMs: number | null;
}

export interface ScenarioRun<T> {
  report: ScenarioReport;
  slug: string;
  members: Member[];
  senders: Sender[];
  /** What `inject` answered. */
  faultResult: T | undefined;
}

/**
 * One scenario: a new room, members split over the instances, senders spread over them at a fixed
 * total rate, the fault in the middle of the traffic, then the oracle. Appends the report line;
 * prints the instances' output when a delivery guarantee broke.
 */
export async function runScenario<T = void>(stack: Stack, options: ScenarioOptions<T>): Promise<ScenarioRun<T>> {
  const bound = options.recoveryBoundMs ?? MAX_RECOVERY_MS;
  const { members: memberCount = 30, senders: senderCount = 4, rate = 20, faultAtMs = 3_000, watchdog = true } = options;
  const began = now();
  const { cluster } = stack;
  // A crash after the previous scenario's verdict is still a crash: this scenario reports it.
  const crashes: UnexpectedExit[] = cluster.takeUnexpectedExits();
  await cluster.ensureAll();
  const watchdogMs = watchdogMsFor(stack.pingIntervalS);
  const urls = cluster.urls;
  const board = new AckBoard();

  const timeline: TimelineEntry[] = [];
  let t0 = now();
  const mark = (label: string) => timeline.push({ label, atMs: Math.round(now() - t0) });
  let faultResult: T | undefined;
  let faultRecovery: Promise<number | null> = Promise.resolve(null);
  let observations: Observations;
  let faultRecoveryMs: number | null = null;
  let trafficMs = options.trafficMs ?? 7_000;
  let joinMs = 0;
  let assessed: { figures?: Figures; problems?: string[] } = {};
  let slug = '';
  const setupTrouble: string[] = [];
  let members: Member[] = [];
  let senders: Sender[] = [];
  const outputBefore = urls.map((_, i) => cluster.output(i).length);
  try {
    const guests = await signInGuests(urls, memberCount + senderCount, setupTrouble);
    const name = `Fault ${randomBytes(5).toString('hex')}`;
    slug = await retrying('room creation', () => createRoom(urls[0]!, guests[0]!, name), setupTrouble);
    const { lastSeq: startCursor } = await retrying('room page', () => roomPage(urls[0]!, guests[0]!, slug), setupTrouble);

    members = guests.slice(0, memberCount).map(
      (guest, j) =>
        new Member({
          guest,
          name: `member ${j}`,
          urls,
          home: j % urls.length,
          slug,
          board,
          startCursor,
          watchdogMs: watchdog ? watchdogMs : null,
          ...options.memberOptions?.(j),
        }),
    );
    senders = guests.slice(memberCount).map(
      (guest, s) =>
        new Sender({
          guest,
          name: `sender ${s}`,
          urls,
          home: options.senderHomes?.[s] ?? s % urls.length,
          slug,
          board,
          rate: rate / senderCount,
          offsetMs: (s * 1000) / rate,
          ...options.senderOptions?.(s),
        }),
    );

    const batch = options.joinBatch ?? members.length;
    const joinStarted = now();
    for (let i = 0; i < members.length; i += batch) await Promise.all(members.slice(i, i + batch).map((member) => member.join(options.joinTimeoutMs)));
    joinMs = Math.round(now() - joinStarted);
    for (const member of members) setupTrouble.push(...member.failures.map((failure) => `${member.name} first connect: ${failure}`));
    if (setupTrouble.length > 0) {
      const logs = urls.map((_, i) => `--- instance ${i} during setup ---\n${tail(cluster.output(i).slice(outputBefore[i]), 10)}`);
      console.log(`[fault] ${options.name}: setup requests that failed and were repeated:\n  ${setupTrouble.join('\n  ')}\n${logs.join('\n')}`);
    }
    t0 = now();
    mark('traffic starts');
    const context: FaultContext = { stack, members, senders, mark };
    if (!options.drive) for (const sender of senders) sender.start();
    const injected = options.inject
      ? sleep(faultAtMs).then(async () => {
          mark('fault starts');
          faultResult = await options.inject!(context);
          mark('fault over');
          faultRecovery = caughtUpWith(members, board.max(slug), 30_000);
        })
      : Promise.resolve();
    injected.catch(() => {}); // awaited below, after the traffic
    if (options.drive) {
      await options.drive(context);
      trafficMs = Math.round(now() - t0);
    } else {
      await sleep(trafficMs);
    }
    for (const sender of senders) sender.stop();
    mark('traffic stops');
    await injected;
    const drained = (await Promise.all(senders.map((sender) => sender.drain(20_000)))).every(Boolean);
    mark(drained ? 'every message acknowledged' : 'gave up waiting for acknowledgements');
    if (!drained) for (const sender of senders) sender.abandon();
    observations = await judge({
      databaseUrl: stack.postgres.url,
      slug,
      members,
      messages: senders.flatMap((sender) => sender.messages),
      ...(options.judgeWaitMs ? { waitMs: options.judgeWaitMs } : {}),
    });
    mark('oracle done');
    faultRecoveryMs = await faultRecovery;
    crashes.push(...cluster.takeUnexpectedExits());
    assessed = options.assess?.({ stack, members, senders, observations, timeline, faultResult, trafficStartedAt: t0, faultRecoveryMs }) ?? {};
  } catch (error) {
    console.log(`[fault] ${options.name}: the scenario itself failed (${String(error)}); instance output:\n${cluster.outputs()}`);
    throw error;
  } finally {
    for (const member of members) member.stop();
    for (const sender of senders) {
      sender.stop();
      sender.abandon();
    }
  }

  const report: ScenarioReport = {
    file: basename(options.file).replace(/\.test\.ts$/, ''),
    scenario: options.name,
    fault: options.fault,
    at: new Date().toISOString(),
    durationMs: Math.round(now() - began),
    trafficMs,
    instances: urls.length,
    memberCount,
    senderCount,
    rate,
    timeline,
    faultInjected: options.inject !== undefined,
    faultRecoveryMs,
    unexpectedExits: crashes.map(({ instance, code, signal, at }) => ({ instance, code, signal, at })),
    setupFailures: setupTrouble.length,
    joinMs,
    ...observations,
    recoveryBoundMs: bound,
    ...(assessed.figures ? { figures: assessed.figures } : {}),
    problems: [
      ...problemsOf(observations, bound),
      ...(assessed.problems ?? []),
      ...(faultRecoveryMs === null && options.inject ? ['members never caught up after the fault'] : []),
      ...(faultRecoveryMs !== null && faultRecoveryMs > bound ? [`members caught up ${faultRecoveryMs} ms after the fault (bound ${bound} ms)`] : []),
      ...crashes.map((crash) => `instance ${crash.instance} exited unexpectedly (code ${crash.code}, signal ${crash.signal})`),
    ],
  };
  for (const crash of crashes) console.log(`[fault] instance ${crash.instance} exited unexpectedly at ${crash.at}:\n${crash.output}`);
  writeReport(report);
  if (report.problems.length > 0) console.log(diagnostics(stack, members, senders, report));
  return { report, slug, members, senders, faultResult };
}

/**
 * How long after the fault was over every member had every message acknowledged by then (the
 * senders' acked max at that moment) and an open socket again: null if not within `timeoutMs`.
 */
async function caughtUpWith(members: Member[], target: number, timeoutMs: number): Promise<number | null> {
  const from = now();
  const done = await waitUntil(() => members.every((member) => member.ended !== null || (member.cursor >= target && member.settled)), timeoutMs, 10);
  return done ? Math.round(now() - from) : null;
}

/** Every delivery guarantee the observations break, in words. */
export function problemsOf(o: Observations, bound = MAX_RECOVERY_MS): string[] {
  const problems: string[] = [];
  const count = (value: number, what: string) => value > 0 && problems.push(`${value} ${what}`);
  count(o.lost, 'lost (stored, never received by a member)');
  count(o.duplicated, 'duplicated receipts');
  count(o.outOfOrder, 'out-of-order arrivals');
  count(o.ackedMissing, 'acknowledged but missing in the database');
  count(o.clientIdsTwice, 'client_ids stored twice');
  count(o.refused, 'messages refused with a 4xx');
  count(o.unacked, 'messages never acknowledged');
  count(o.unrecovered, 'reconnects that never caught up');
  count(o.membersEnded, 'members stopped for good');
  if (o.recoveryMaxMs !== null && o.recoveryMaxMs > bound) problems.push(`a reconnect took ${o.recoveryMaxMs} ms to catch up (bound ${bound} ms)`);
  return problems;
}

/** What helps to find the cause: the timeline, the members' and senders' troubles, the servers' logs. */
function diagnostics(stack: Stack, members: Member[], senders: Sender[], report: ScenarioReport): string {
  const lines = [`[fault] ${report.scenario}: diagnostics`, `timeline: ${report.timeline.map((entry) => `${entry.atMs} ms ${entry.label}`).join(', ')}`];
  for (const member of members) {
    const missing = report.lastSeq > 0 ? [...Array(report.lastSeq).keys()].map((i) => i + 1).filter((seq) => seq > member.startCursor && !member.counts.has(seq)) : [];
    const slow = member.reconnects.filter((r) => (recoveryMs(r) ?? Infinity) > MAX_RECOVERY_MS);
    if (missing.length === 0 && slow.length === 0 && member.ended === null) continue;
    lines.push(
      `${member.name} (instance ${member.instance}, cursor ${member.cursor}): missing [${missing.slice(0, 20).join(',')}${missing.length > 20 ? ',…' : ''}]` +
        ` closes [${member.closeCodes.join(',')}] slow reconnects ${JSON.stringify(slow)} ended ${member.ended} failures ${JSON.stringify(member.failures)}`,
    );
  }
  for (const sender of senders) {
    const troubled = sender.messages.filter((message) => message.seq === null);
    if (troubled.length > 0) lines.push(`${sender.name}: ${troubled.length} unacknowledged, e.g. ${JSON.stringify(troubled[0])}`);
  }
  lines.push(stack.cluster.outputs());
  lines.push(`--- postgres log ---\n${tail(stack.postgres.log(), 20)}`);
  return lines.join('\n');
}
