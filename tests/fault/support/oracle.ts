import postgres from 'postgres';
import { type Member, recoveryMs } from './members.js';
import type { SentMessage } from './senders.js';
import { maxOf, now, percentile, sleep } from './util.js';

/**
 * The oracle: once traffic has stopped, compares what every member received with what the database
 * stored. The database is the truth: `rooms.last_seq` and the room's `messages` rows.
 */
export interface Observations {
  /** Messages the senders' schedules sent; acknowledged (200/201); rows in the room. */
  sent: number;
  acked: number;
  stored: number;
  /** Messages that needed more than one attempt. */
  retried: number;
  /** Refused with a 4xx (never retried), or never acknowledged before the senders gave up. */
  refused: number;
  unacked: number;
  /** Stored seqs above a member's starting cursor it never received, summed over members. */
  lost: number;
  /** Receipts of a seq the member had already received, summed over members. */
  duplicated: number;
  /** First arrivals lower than an earlier first arrival, summed over members. */
  outOfOrder: number;
  /** Acknowledged messages with no row of that client_id and seq. */
  ackedMissing: number;
  /** client_ids with more than one row. */
  clientIdsTwice: number;
  /** Rows no sender had acknowledged (stored, but the reply never arrived). */
  storedUnacked: number;
  /** Seqs up to last_seq with no message row. */
  seqGaps: number;
  lastSeq: number;
  /** Members whose cursor had not reached last_seq when the oracle stopped waiting. */
  membersBehind: number;
  /** Members that stopped for good (e.g. signed out). */
  membersEnded: number;
  /** Members without an open socket when the oracle finished (still reconnecting). */
  membersDisconnected: number;
  reconnects: number;
  /** Reconnects whose member never caught up with the acknowledged seq it reopened at. */
  unrecovered: number;
  /**
   * Close of the old socket (or the member's own network coming back, if later) to the cursor
   * reaching the senders' acked max at reopening.
   */
  recoveryMaxMs: number | null;
  recoveryP50Ms: number | null;
  /** First send of a message to its first arrival at a member, over every member and message. */
  deliveryLagMaxMs: number | null;
  deliveryLagP99Ms: number | null;
  /** First send of a message to its acknowledgement (retries included). */
  ackLatencyMaxMs: number | null;
  ackLatencyP99Ms: number | null;
  /** The message that took longest to be acknowledged, and what went wrong on the way. */
  slowestSend: { latencyMs: number; attempts: number; failures: string[] } | null;
  /** The slowest send→seen per instance that delivered it ("reload" for history pages). */
  deliveryLagMaxMsByInstance: Record<string, number>;
  /** Close codes the members saw, with counts. */
  closeCodes: Record<string, number>;
  reloads: number;
  cursorRegressions: number;
  /** Frames members dropped as following a change they never got (each followed by a 4004 reconnect). */
  gaps: number;
  /** How long the oracle waited for every member to reach last_seq. */
  catchUpWaitMs: number;
}

export interface JudgeInput {
  databaseUrl: string;
  slug: string;
  members: Member[];
  messages: SentMessage[];
  /** How long members may take to reach the room's last_seq. */
  waitMs?: number;
}

export async function judge({ databaseUrl, slug, members, messages, waitMs = 15_000 }: JudgeInput): Promise<Observations> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const [room] = await sql<{ id: number; last_seq: number }[]>`select id, last_seq::int as last_seq from rooms where slug = ${slug}`;
    if (!room) throw new Error(`no room ${slug} in the database`);

    const waitStarted = now();
    let lastSeq = room.last_seq;
    for (;;) {
      const active = members.filter((member) => member.ended === null);
      if (active.every((member) => member.cursor >= lastSeq) || now() - waitStarted > waitMs) break;
      await sleep(100);
      const [fresh] = await sql<{ last_seq: number }[]>`select last_seq::int as last_seq from rooms where id = ${room.id}`;
      lastSeq = fresh?.last_seq ?? lastSeq;
    }
    const catchUpWaitMs = now() - waitStarted;

    const rows = await sql<{ seq: number; client_id: string | null }[]>`
      select seq::int as seq, client_id from messages where room_id = ${room.id} order by seq`;
    return {
      ...delivery(members, rows.map((row) => row.seq)),
      ...storage(messages, rows, lastSeq),
      ...recovery(members, messages),
      lastSeq,
      membersBehind: members.filter((member) => member.cursor < lastSeq).length,
      membersEnded: members.filter((member) => member.ended !== null).length,
      membersDisconnected: members.filter((member) => !member.connected).length,
      catchUpWaitMs: Math.round(catchUpWaitMs),
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Lost, duplicated and out-of-order receipts, against the stored seqs. */
export function delivery(members: Array<Pick<Member, 'startCursor' | 'counts' | 'arrivals'>>, storedSeqs: number[]) {
  let lost = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  for (const member of members) {
    lost += storedSeqs.filter((seq) => seq > member.startCursor && !member.counts.has(seq)).length;
    for (const times of member.counts.values()) duplicated += times - 1;
    let highest = -Infinity;
    for (const seq of member.arrivals) {
      if (seq < highest) outOfOrder++;
      highest = Math.max(highest, seq);
    }
  }
  return { lost, duplicated, outOfOrder };
}

/** What was sent and acknowledged against what the database holds. */
export function storage(messages: SentMessage[], rows: Array<{ seq: number; client_id: string | null }>, lastSeq: number) {
  const rowsByClientId = new Map<string, number[]>();
  for (const row of rows) {
    if (row.client_id === null) continue;
    rowsByClientId.set(row.client_id, [...(rowsByClientId.get(row.client_id) ?? []), row.seq]);
  }
  const acked = messages.filter((message) => message.seq !== null);
  const ackedIds = new Set(acked.map((message) => message.clientId));
  const storedSeqs = new Set(rows.map((row) => row.seq));
  let seqGaps = 0;
  for (let seq = 1; seq <= lastSeq; seq++) if (!storedSeqs.has(seq)) seqGaps++;
  return {
    sent: messages.length,
    acked: acked.length,
    stored: rows.length,
    retried: messages.filter((message) => message.attempts > 1).length,
    refused: messages.filter((message) => message.refused !== null).length,
    unacked: messages.filter((message) => message.seq === null && message.refused === null).length,
    ackedMissing: acked.filter((message) => !rowsByClientId.get(message.clientId)?.includes(message.seq!)).length,
    clientIdsTwice: [...rowsByClientId.values()].filter((seqs) => seqs.length > 1).length,
    storedUnacked: rows.filter((row) => row.client_id === null || !ackedIds.has(row.client_id)).length,
    seqGaps,
  };
}

function slowest(acked: SentMessage[]) {
  const message = acked.reduce<SentMessage | null>((worst, m) => (!worst || m.ackedAt! - m.sentAt > worst.ackedAt! - worst.sentAt ? m : worst), null);
  return message && { latencyMs: Math.round(message.ackedAt! - message.sentAt), attempts: message.attempts, failures: message.failures };
}

/** Reconnect recovery times, delivery lags and what the members saw close their sockets. */
function recovery(members: Member[], messages: SentMessage[]) {
  const reconnects = members.flatMap((member) => member.reconnects);
  const recoveries = reconnects.map(recoveryMs).filter((ms): ms is number => ms !== null);
  const acked = messages.filter((m) => m.seq !== null);
  const sentAt = new Map(acked.map((m) => [m.seq!, m.sentAt]));
  const ackLatencies = acked.map((m) => m.ackedAt! - m.sentAt);
  const lags: number[] = [];
  const byInstance: Record<string, number> = {};
  for (const member of members) {
    for (const [seq, at] of member.arrivedAt) {
      const sent = sentAt.get(seq);
      if (sent === undefined) continue;
      lags.push(at - sent);
      const on = member.arrivedOn.get(seq) ?? -1;
      const key = on < 0 ? 'reload' : String(on);
      byInstance[key] = Math.round(Math.max(byInstance[key] ?? 0, at - sent));
    }
  }
  const closeCodes: Record<string, number> = {};
  for (const code of members.flatMap((member) => member.closeCodes)) closeCodes[code] = (closeCodes[code] ?? 0) + 1;
  const round = (value: number | null) => (value === null ? null : Math.round(value));
  return {
    reconnects: reconnects.length,
    unrecovered: reconnects.length - recoveries.length,
    recoveryMaxMs: round(maxOf(recoveries)),
    recoveryP50Ms: round(percentile(recoveries, 50)),
    deliveryLagMaxMs: round(maxOf(lags)),
    deliveryLagP99Ms: round(percentile(lags, 99)),
    ackLatencyMaxMs: round(maxOf(ackLatencies)),
    ackLatencyP99Ms: round(percentile(ackLatencies, 99)),
    slowestSend: slowest(acked),
    deliveryLagMaxMsByInstance: byInstance,
    closeCodes,
    reloads: members.reduce((sum, member) => sum + member.reloads, 0),
    cursorRegressions: members.reduce((sum, member) => sum + member.cursorRegressions, 0),
    gaps: members.reduce((sum, member) => sum + member.gaps, 0),
  };
}
