import { createRoom, httpSender, memberSocket, mintTokens, type Person, type Protocol, signInGuests, socketSender } from './clients.js';
import { checkDelivery, readStored } from './oracle.js';
import type { ReceiverPool } from './receivers.js';
import type { DeliveryCheck } from './report.js';
import { round, type Summary, summarize } from './stats.js';
import { runTraffic, type SenderSlot } from './traffic.js';

/**
 * Rooms full of members and a few senders, on Hubbub (one or more instances) or on the ceiling
 * server; then steps of open-loop traffic, each checked against the database.
 */

export interface Target {
  name: string;
  /** Instances' base URLs; members are spread over them in turn, senders use the first. */
  urls: string[];
  /** Where Hubbub stores the log (null for the ceiling). */
  databaseUrl: string | null;
  ceiling: boolean;
}

export interface Layout {
  rooms: number;
  membersPerRoom: number;
  sendersPerRoom: number;
  protocol: Protocol;
  /** Members on instance i: the i-th share of each room's members (default: spread evenly). */
}

export interface Setup {
  target: Target;
  layout: Layout;
  slugs: string[];
  memberRooms: string[];
  slots: SenderSlot[];
  /** Spawn → all members ready (ms), and how the members' readiness spread. */
  connectMs: number;
  readyMs: Summary;
  /** Members that failed to connect or to become ready. */
  failedMembers: number;
  failures: string[];
}

export async function setUp(target: Target, layout: Layout, pool: ReceiverPool, log: (message: string) => void): Promise<Setup> {
  const { rooms, membersPerRoom, sendersPerRoom, protocol } = layout;
  const first = target.urls[0]!;
  const needPeople = !target.ceiling;
  log(`${target.name}: ${rooms} room(s) × ${membersPerRoom} members + ${sendersPerRoom} senders (${protocol})`);
  const people: Person[] = needPeople ? await signInGuests(first, rooms * (membersPerRoom + sendersPerRoom)) : [];
  if (needPeople && protocol === 'legacy') await mintTokens(first, target.databaseUrl!, people);
  const slugs: string[] = [];
  for (let r = 0; r < rooms; r++) slugs.push(needPeople ? await createRoom(first, people[r]!, `Bench ${Date.now().toString(36)} ${r}`) : `bench-${r}`);
  const person = (r: number, i: number) => (needPeople ? people[r * (membersPerRoom + sendersPerRoom) + i]! : null);

  const specs = [];
  const memberRooms: string[] = [];
  for (let r = 0; r < rooms; r++) {
    for (let m = 0; m < membersPerRoom; m++) {
      const url = target.urls[m % target.urls.length]!;
      specs.push(memberSocket(url, slugs[r]!, protocol, person(r, m), { ceiling: target.ceiling }));
      memberRooms.push(slugs[r]!);
    }
  }
  const started = process.hrtime.bigint();
  const opened = await pool.open(specs, { concurrency: 128, timeoutMs: 60_000 });
  const ready = opened.filter((o) => o.readyNs > 0n);
  const connectMs = ready.length ? Number(ready.reduce((a, o) => (o.readyNs > a ? o.readyNs : a), 0n) - started) / 1e6 : NaN;
  const failures = [...new Set(opened.filter((o) => o.readyNs === 0n).map((o) => o.error || 'not ready in time'))];

  const slots: SenderSlot[] = [];
  let id = 1;
  for (let r = 0; r < rooms; r++) {
    for (let s = 0; s < sendersPerRoom; s++) {
      const who = person(r, membersPerRoom + s);
      const sender = protocol === 'page' ? httpSender(first, slugs[r]!, who) : await socketSender(first, slugs[r]!, who);
      slots.push({ id: id++, room: slugs[r]!, sender, next: 1 });
    }
  }
  // Let the join notices and people lists of the crowd settle before measuring anything.
  await new Promise((resolve) => setTimeout(resolve, 500));
  await pool.collect();
  return {
    target,
    layout,
    slugs,
    memberRooms,
    slots,
    connectMs,
    readyMs: summarize(ready.map((o) => Number(o.readyNs - started) / 1e6)),
    failedMembers: opened.length - ready.length,
    failures,
  };
}

export interface StepResult {
  rate: number;
  durationMs: number;
  sent: number;
  /** Latency until the last member had the message (ms), per message. */
  lastRecipient: Summary;
  /** Latency of every single delivery (ms). */
  everyDelivery: Summary;
  deliveriesPerSecond: number;
  storedPerSecond: number;
  maxLagMs: number;
  delivery: DeliveryCheck;
  sendErrors: string[];
}

/** One step: `rate` messages/s in all (spread over every sender) for `durationMs`, then drain and check. */
export async function step(setup: Setup, pool: ReceiverPool, rate: number, durationMs: number): Promise<StepResult> {
  const { slots, memberRooms, target } = setup;
  const failedBefore = slots.reduce((sum, slot) => sum + slot.sender.failed, 0);
  // Counted before the traffic: the drain waits for this step's deliveries, not for as many again.
  const before = (await pool.count()).deliveries;
  const traffic = await runTraffic(slots, rate, durationMs);
  await Promise.all(slots.map((slot) => slot.sender.settle()));
  const membersOf = new Map<string, number>();
  for (const room of memberRooms) membersOf.set(room, (membersOf.get(room) ?? 0) + 1);
  let expected = 0;
  for (const [room, keys] of traffic.sentByRoom) expected += keys.length * (membersOf.get(room) ?? 0);
  await pool.drain(before + expected, { quietMs: 3000, maxMs: 30_000 });
  const collected = await pool.collect();
  const failedSends = slots.reduce((sum, slot) => sum + slot.sender.failed, 0) - failedBefore;
  const stored = target.databaseUrl ? await readStored(target.databaseUrl, [...traffic.sentByRoom.keys()]) : null;
  // Only this step's keys count: earlier steps' messages are in the database too.
  if (stored) {
    for (const [room, keys] of traffic.sentByRoom) {
      const mine = new Set(keys);
      const all = stored.byRoom.get(room)!;
      for (const key of [...all.keys()]) if (!mine.has(key)) all.delete(key);
    }
  }
  const delivery = checkDelivery({ sentByRoom: traffic.sentByRoom, stored, memberRooms, collected, failedSends });
  const lastRecipient: number[] = [];
  for (const [, seen] of collected.perKey) lastRecipient.push(seen.lastMs - seen.dueMs);
  const seconds = traffic.durationMs / 1000;
  return {
    rate,
    durationMs: round(traffic.durationMs, 0),
    sent: traffic.sent,
    lastRecipient: summarize(lastRecipient),
    everyDelivery: summarize(collected.latencies),
    deliveriesPerSecond: round(delivery.delivered / seconds, 0),
    storedPerSecond: round(delivery.stored / seconds, 0),
    maxLagMs: round(traffic.maxLagMs),
    delivery,
    sendErrors: slots.flatMap((slot) => slot.sender.errors).slice(0, 5),
  };
}

export function tearDown(setup: Setup): void {
  for (const slot of setup.slots) slot.sender.close();
}
