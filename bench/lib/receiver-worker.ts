import { parentPort } from 'node:worker_threads';
import WebSocket from 'ws';
import { MARKER, messageKey } from './marker.js';

/**
 * A share of the members' sockets, in a thread of its own so that reading frames is not what limits
 * a run. For each frame it notes which bench messages arrived and when; the main thread collects
 * and merges what every worker saw.
 */

export interface SocketSpec {
  url: string;
  headers?: Record<string, string>;
  /** A source address of 127.0.0.x, for runs with more sockets than one address has ports. */
  localAddress?: string;
  /** The frame that means "joined and caught up": the page's people list, the old protocol's old_data. */
  protocol: 'page' | 'legacy' | 'ceiling-page';
}

export type Command =
  | { type: 'open'; id: number; sockets: SocketSpec[]; concurrency: number; timeoutMs: number }
  | { type: 'count'; id: number }
  | { type: 'collect'; id: number }
  | { type: 'close'; id: number };

interface Member {
  ws: WebSocket;
  protocol: SocketSpec['protocol'];
  /** Message keys in the order they arrived. */
  keys: number[];
  frames: number;
  bytes: number;
  openedNs: bigint;
  readyNs: bigint;
  closeCode: number;
  error: string;
}

const members: Member[] = [];
/** Per message key: how many members got it, the latest arrival (ns), and the sum of latencies. */
let latencies: number[] = [];
const perKey = new Map<number, { count: number; lastNs: number; dueNs: number }>();
let deliveries = 0;

const READY = {
  page: (frame: string) => frame.includes('id="presence"'),
  'ceiling-page': () => true,
  legacy: (frame: string) => frame.includes('"message_type":"old_data"'),
};

function onFrame(member: Member, data: WebSocket.RawData) {
  const arrived = process.hrtime.bigint();
  const frame = data.toString();
  member.frames++;
  member.bytes += frame.length;
  if (member.readyNs === 0n && READY[member.protocol](frame)) member.readyNs = arrived;
  if (!frame.includes('bench s')) return;
  const arrivedMs = Number(arrived) / 1e6;
  // The author's copy of a page item also holds the body in its edit form: count each message once a frame.
  let previous = -1;
  for (const match of frame.matchAll(MARKER)) {
    const key = messageKey(Number(match[1]), Number(match[2]));
    if (key === previous) continue;
    previous = key;
    const dueMs = Number(match[3]) / 1e6;
    member.keys.push(key);
    deliveries++;
    latencies.push(arrivedMs - dueMs);
    const seen = perKey.get(key);
    if (seen) {
      seen.count++;
      if (arrivedMs > seen.lastNs) seen.lastNs = arrivedMs;
    } else perKey.set(key, { count: 1, lastNs: arrivedMs, dueNs: dueMs });
  }
}

function open(spec: SocketSpec): Promise<void> {
  return new Promise((resolve) => {
    const member: Member = {
      ws: new WebSocket(spec.url, { headers: spec.headers, localAddress: spec.localAddress, perMessageDeflate: false }),
      protocol: spec.protocol,
      keys: [],
      frames: 0,
      bytes: 0,
      openedNs: 0n,
      readyNs: 0n,
      closeCode: 0,
      error: '',
    };
    members.push(member);
    member.ws.on('open', () => {
      member.openedNs = process.hrtime.bigint();
      resolve();
    });
    member.ws.on('message', (data) => onFrame(member, data));
    member.ws.on('unexpected-response', (_request, response) => {
      member.error = `HTTP ${response.statusCode}`;
      resolve();
    });
    member.ws.on('error', (error) => {
      member.error ||= error.message;
      resolve();
    });
    member.ws.on('close', (code) => {
      member.closeCode = code;
      resolve();
    });
  });
}

async function openAll(sockets: SocketSpec[], concurrency: number, timeoutMs: number) {
  const first = members.length;
  let next = 0;
  const worker = async () => {
    while (next < sockets.length) await open(sockets[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, sockets.length)) }, worker));
  // Then wait until every new member is ready (or failed, or the time is up).
  const deadline = Date.now() + timeoutMs;
  const fresh = members.slice(first);
  while (Date.now() < deadline && fresh.some((m) => m.readyNs === 0n && !m.error && m.closeCode === 0)) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return fresh.map((m) => ({
    openedNs: m.openedNs.toString(),
    readyNs: m.readyNs.toString(),
    frames: m.frames,
    bytes: m.bytes,
    error: m.error || (m.closeCode ? `closed ${m.closeCode}` : ''),
  }));
}

function collect() {
  const result = {
    members: members.map((m) => ({ keys: m.keys, frames: m.frames, bytes: m.bytes, closeCode: m.closeCode, error: m.error })),
    perKey: [...perKey.entries()].map(([key, seen]) => [key, seen.count, seen.lastNs, seen.dueNs]),
    latencies: Float64Array.from(latencies),
  };
  for (const member of members) {
    member.keys = [];
    member.frames = 0;
    member.bytes = 0;
  }
  perKey.clear();
  latencies = [];
  return result;
}

async function closeAll() {
  await Promise.all(
    members.map(
      (m) =>
        new Promise<void>((resolve) => {
          if (m.ws.readyState === WebSocket.CLOSED) return resolve();
          m.ws.once('close', () => resolve());
          m.ws.terminate();
        }),
    ),
  );
  members.length = 0;
}

parentPort!.on('message', async (command: Command) => {
  switch (command.type) {
    case 'open':
      return parentPort!.postMessage({ id: command.id, result: await openAll(command.sockets, command.concurrency, command.timeoutMs) });
    case 'count':
      return parentPort!.postMessage({
        id: command.id,
        result: {
          deliveries,
          open: members.filter((m) => m.ws.readyState === WebSocket.OPEN).length,
          frames: members.reduce((sum, m) => sum + m.frames, 0),
        },
      });
    case 'collect': {
      const result = collect();
      return parentPort!.postMessage({ id: command.id, result }, [result.latencies.buffer]);
    }
    case 'close':
      await closeAll();
      return parentPort!.postMessage({ id: command.id, result: null });
  }
});
