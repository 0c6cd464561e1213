import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRoom, type Guest, roomPage, signInGuests } from './support/guests.js';
import { Member } from './support/members.js';
import { judge, type Observations } from './support/oracle.js';
import { type ScenarioReport, writeReport } from './support/report.js';
import { MAX_RECOVERY_MS, problemsOf, type Stack, startStack, watchdogMsFor } from './support/scenario.js';
import { AckBoard, Sender } from './support/senders.js';
import { maxOf, now, sleep, tail, waitUntil } from './support/util.js';

// Random interleavings of sends, members losing and regaining their network, sockets dying, an
// instance killed (SIGKILL; started again at once, as a supervisor would) and Redis's pub/sub
// connections killed, on one stack, a new room per run. After each run has quiesced (every member
// back online, every message acknowledged) the oracle must find nothing lost, doubled or out of
// order, and every acknowledged message stored once.
//
// FAULT_SEED=<n> replays a run of the property (the seed is printed on failure, and at the start).
const RUNS = Number(process.env.FAULT_PROPERTY_RUNS) || 15;
const MEMBERS = 4;
const SENDERS = 2;
const SEED = Number(process.env.FAULT_SEED) || randomBytes(4).readUInt32BE() >>> 1;

type Command =
  | { kind: 'send'; sender: number; count: number }
  | { kind: 'offline'; member: number }
  | { kind: 'online'; member: number }
  | { kind: 'drop'; member: number }
  | { kind: 'kill'; instance: number }
  | { kind: 'pubsub' };

/** A command and the pause after it (ms): the traffic and the reconnects go on meanwhile. */
type Step = [Command, number];

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('send' as const), sender: fc.nat(SENDERS - 1), count: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('offline' as const), member: fc.nat(MEMBERS - 1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('online' as const), member: fc.nat(MEMBERS - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), member: fc.nat(MEMBERS - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('kill' as const), instance: fc.nat(1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pubsub' as const) }) },
);
const steps = fc.array(fc.tuple(command, fc.integer({ min: 0, max: 300 })), { minLength: 10, maxLength: 20 });

const describeStep = ([c, pause]: Step) => `${c.kind}${'sender' in c ? ` s${c.sender}×${c.count}` : ''}${'member' in c ? ` m${c.member}` : ''}${'instance' in c ? ` i${c.instance}` : ''} +${pause}ms`;

describe('property: random interleavings of faults', () => {
  let stack: Stack;
  let guests: Guest[];
  const runs: Array<{ steps: Step[]; observations: Observations; problems: string[] }> = [];
  const began = now();

  beforeAll(async () => {
    stack = await startStack();
    guests = await signInGuests(stack.cluster.urls, MEMBERS + SENDERS, []);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it(`${RUNS} runs of 10–20 commands: nothing lost, doubled or out of order, every acknowledged message stored once`, async () => {
    console.log(`[fault] property: seed ${SEED} (replay with FAULT_SEED=${SEED})`);
    let failure: unknown = null;
    try {
      await fc.assert(
        fc.asyncProperty(steps, async (script) => {
          const run = await runOnce(stack, guests, script);
          runs.push(run);
          if (run.problems.length > 0) {
            throw new Error(`${run.problems.join('; ')}\ncommands: ${script.map(describeStep).join(', ')}\n${stack.cluster.outputs(20)}`);
          }
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
    } catch (error) {
      failure = error;
      console.log(`[fault] property failed with seed ${SEED} (replay with FAULT_SEED=${SEED})`);
    } finally {
      writeReport(combined(runs, began));
    }
    expect(failure, `property failed (seed ${SEED})`).toBeNull();
  });
});

/** One run: a new room, the members and senders in it, the script, quiescence, the oracle. */
async function runOnce(stack: Stack, guests: Guest[], script: Step[]) {
  const { cluster } = stack;
  await cluster.ensureAll();
  const urls = cluster.urls;
  const board = new AckBoard();
  const slug = await createRoom(urls[0]!, guests[0]!, `Property ${randomBytes(4).toString('hex')}`);
  const { lastSeq: startCursor } = await roomPage(urls[0]!, guests[0]!, slug);
  const members = guests.slice(0, MEMBERS).map(
    (guest, j) => new Member({ guest, name: `member ${j}`, urls, home: j % urls.length, slug, board, startCursor, watchdogMs: watchdogMsFor(stack.pingIntervalS) }),
  );
  const senders = guests.slice(MEMBERS).map((guest, s) => new Sender({ guest, name: `sender ${s}`, urls, home: s % urls.length, slug, board, rate: 1 }));
  const sending: Array<Promise<void>> = [];
  const restarts: Array<Promise<void>> = [];
  const problems: string[] = [];
  try {
    await Promise.all(members.map((member) => member.join()));
    for (const [c, pause] of script) {
      switch (c.kind) {
        case 'send':
          sending.push(senders[c.sender]!.sendNow(c.count));
          break;
        case 'offline':
          members[c.member]!.goOffline();
          break;
        case 'online':
          members[c.member]!.goOnline();
          break;
        case 'drop':
          members[c.member]!.drop();
          break;
        case 'kill':
          // One instance down at a time: a kill waits for the last one's restart.
          await cluster.ensureAll();
          await cluster.kill(c.instance, 'SIGKILL');
          restarts.push(cluster.restart(c.instance));
          break;
        case 'pubsub':
          await stack.redis.killPubsub();
          break;
      }
      await sleep(pause);
    }
    // Quiescence: everyone back online, every message answered, the instances whole again.
    for (const member of members) member.goOnline();
    const answered = await Promise.race([Promise.all(sending).then(() => true), sleep(30_000).then(() => false)]);
    if (!answered) problems.push('messages still unanswered 30 s after the script');
    await Promise.all(restarts);
    if (!(await waitUntil(() => members.every((member) => member.settled), 15_000, 20))) {
      for (const member of members.filter((each) => !each.settled)) {
        problems.push(`${member.name} not settled 15 s after the script: connected ${member.connected}, last reconnect ${JSON.stringify(member.reconnects.at(-1))}, failures ${JSON.stringify(member.failures)}`);
      }
    }
    const observations = await judge({ databaseUrl: stack.postgres.url, slug, members, messages: senders.flatMap((sender) => sender.messages), waitMs: 20_000 });
    problems.push(...problemsOf(observations));
    for (const member of members) {
      const stuck = member.reconnects.filter((r) => r.caughtUpAt === null);
      if (stuck.length > 0) problems.push(`${member.name} reconnects that never caught up: ${JSON.stringify(stuck)}`);
    }
    if (observations.membersBehind > 0) problems.push(`${observations.membersBehind} members behind the room's last seq`);
    const crashes = cluster.takeUnexpectedExits();
    for (const crash of crashes) problems.push(`instance ${crash.instance} crashed (code ${crash.code}, signal ${crash.signal}):\n${tail(crash.output, 20)}`);
    return { steps: script, observations, problems };
  } finally {
    for (const member of members) member.stop();
    for (const sender of senders) sender.abandon();
  }
}

/** The runs as one report line: counts summed, worst times kept. */
function combined(runs: Array<{ steps: Step[]; observations: Observations; problems: string[] }>, began: number): ScenarioReport {
  const all = runs.map((run) => run.observations);
  const sum = (pick: (o: Observations) => number) => all.reduce((total, o) => total + pick(o), 0);
  const worst = (pick: (o: Observations) => number | null) => maxOf(all.map(pick).filter((value): value is number => value !== null));
  const merge = (pick: (o: Observations) => Record<string, number>) => {
    const merged: Record<string, number> = {};
    for (const o of all) for (const [key, value] of Object.entries(pick(o))) merged[key] = (merged[key] ?? 0) + value;
    return merged;
  };
  const commands = runs.flatMap((run) => run.steps.map(([c]) => c.kind));
  const count = (kind: Command['kind']) => commands.filter((each) => each === kind).length;
  const slowest = all.map((o) => o.slowestSend).reduce((a, b) => (!a || (b && b.latencyMs > a.latencyMs) ? b : a), null as Observations['slowestSend']);
  const problems = runs.flatMap((run, i) => run.problems.map((problem) => `run ${i + 1}: ${problem.split('\n')[0]}`));
  return {
    file: basename(import.meta.url).replace(/\.test\.ts$/, ''),
    scenario: 'random interleavings of faults',
    fault: 'fast-check: sends, members offline/online, sockets dropped, an instance SIGKILLed (restarted at once), Redis pub/sub connections killed',
    at: new Date().toISOString(),
    durationMs: Math.round(now() - began),
    trafficMs: 0,
    instances: 2,
    memberCount: MEMBERS,
    senderCount: SENDERS,
    rate: 0,
    timeline: [],
    faultInjected: false,
    faultRecoveryMs: null,
    unexpectedExits: [],
    setupFailures: 0,
    sent: sum((o) => o.sent),
    acked: sum((o) => o.acked),
    stored: sum((o) => o.stored),
    retried: sum((o) => o.retried),
    refused: sum((o) => o.refused),
    unacked: sum((o) => o.unacked),
    lost: sum((o) => o.lost),
    duplicated: sum((o) => o.duplicated),
    outOfOrder: sum((o) => o.outOfOrder),
    ackedMissing: sum((o) => o.ackedMissing),
    clientIdsTwice: sum((o) => o.clientIdsTwice),
    storedUnacked: sum((o) => o.storedUnacked),
    seqGaps: sum((o) => o.seqGaps),
    lastSeq: sum((o) => o.lastSeq),
    membersBehind: sum((o) => o.membersBehind),
    membersEnded: sum((o) => o.membersEnded),
    membersDisconnected: sum((o) => o.membersDisconnected),
    reconnects: sum((o) => o.reconnects),
    unrecovered: sum((o) => o.unrecovered),
    recoveryMaxMs: worst((o) => o.recoveryMaxMs),
    recoveryP50Ms: worst((o) => o.recoveryP50Ms),
    deliveryLagMaxMs: worst((o) => o.deliveryLagMaxMs),
    deliveryLagP99Ms: worst((o) => o.deliveryLagP99Ms),
    ackLatencyMaxMs: worst((o) => o.ackLatencyMaxMs),
    ackLatencyP99Ms: worst((o) => o.ackLatencyP99Ms),
    slowestSend: slowest,
    deliveryLagMaxMsByInstance: merge((o) => o.deliveryLagMaxMsByInstance),
    closeCodes: merge((o) => o.closeCodes),
    reloads: sum((o) => o.reloads),
    cursorRegressions: sum((o) => o.cursorRegressions),
    gaps: sum((o) => o.gaps),
    catchUpWaitMs: sum((o) => o.catchUpWaitMs),
    figures: {
      seed: SEED,
      'runs done': runs.length,
      commands: commands.length,
      sends: count('send'),
      'offline/online': `${count('offline')}/${count('online')}`,
      drops: count('drop'),
      'instance kills': count('kill'),
      'pub/sub kills': count('pubsub'),
      'recovery bound ms': MAX_RECOVERY_MS,
    },
    problems,
  };
}
