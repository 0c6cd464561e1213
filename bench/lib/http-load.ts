import net from 'node:net';
import { type Summary, summarize } from './stats.js';

/**
 * A closed-loop HTTP/1.1 GET load on raw TCP sockets: `connections` clients, each sending its next
 * request as soon as the previous answer has fully arrived. Keep-alive reuses each socket; without
 * it every request opens a new connection (`connection: close`) and its latency includes the connect.
 *
 * Why not a library: on 2 cores the driver shares the CPU with the server it measures, so every
 * microsecond it spends is one the server loses. Against a bare server sending 67 KB pages, this
 * loop spent ~30 µs of CPU per page, autocannon ~55 µs (its HTTP parser is JavaScript; it also
 * brings 63 packages) and Node's http client ~165 µs. It writes one prebuilt Buffer per request,
 * reads every answer into one reused buffer, and looks only at the status line and the framing
 * (content-length or chunked; no pipelining, no 1xx), which is all a page benchmark needs.
 */

export interface LoadOptions {
  url: string;
  headers?: Record<string, string>;
  connections: number;
  durationMs: number;
  keepAlive: boolean;
}

export interface LoadResult {
  durationMs: number;
  /** Answers read in full, whatever their status. */
  answers: number;
  /** Answers with status 200 per second of the run: the page rate. */
  okPerSecond: number;
  statuses: Record<string, number>;
  /** Answers that were not 200, plus connections that failed or closed mid-answer. */
  errors: number;
  socketErrors: string[];
  /** Request start (connect, for a new connection) to the last byte of the answer, of every 200. */
  latencyMs: Summary;
  /** Sizes of the 200 answers' bodies (a constant size says every answer was the same page). */
  bodyBytes: { min: number; max: number };
}

const READ_BUFFER_BYTES = 256 * 1024;
const NO_ANSWER_GRACE_MS = 5_000;
const HEAD_END = Buffer.from('\r\n\r\n');
const CHUNKED_END = Buffer.from('0\r\n\r\n');

function requestBytes(url: URL, headers: Record<string, string>, keepAlive: boolean): Buffer {
  const lines = [`GET ${url.pathname}${url.search} HTTP/1.1`, `host: ${url.host}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  lines.push(`connection: ${keepAlive ? 'keep-alive' : 'close'}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

/** Reads one answer's status and framing from the chunks of a socket. */
class AnswerReader {
  status = 0;
  bodyBytes = 0;
  private head: Buffer | null = null;
  private remaining = -1; // body bytes still to come (content-length framing)
  private chunked = false;
  private tail = Buffer.alloc(0); // the last bytes seen, for the end of a chunked body

  /** Answers true once the whole answer has arrived. */
  push(chunk: Buffer): boolean {
    if (this.status === 0) {
      const head = this.head ? Buffer.concat([this.head, chunk]) : chunk;
      const end = head.indexOf(HEAD_END);
      if (end < 0) {
        this.head = Buffer.from(head); // the chunk's memory is read into again
        return false;
      }
      const text = head.toString('latin1', 0, end);
      this.status = Number(text.slice(9, 12));
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(text);
      this.chunked = length === null && /\r\ntransfer-encoding:[^\r]*chunked/i.test(text);
      this.remaining = length ? Number(length[1]) : 0;
      chunk = head.subarray(end + HEAD_END.length);
    }
    this.bodyBytes += chunk.length;
    if (!this.chunked) {
      this.remaining -= chunk.length;
      return this.remaining <= 0;
    }
    this.tail = Buffer.concat([this.tail, chunk]).subarray(-CHUNKED_END.length);
    return this.tail.equals(CHUNKED_END);
  }
}

class Tally {
  readonly latencies: number[] = [];
  readonly statuses: Record<string, number> = {};
  readonly socketErrors: string[] = [];
  answers = 0;
  errors = 0;
  minBody = Infinity;
  maxBody = 0;

  answer(reader: AnswerReader, startedAt: number) {
    this.answers++;
    this.statuses[reader.status] = (this.statuses[reader.status] ?? 0) + 1;
    if (reader.status !== 200) {
      this.errors++;
      return;
    }
    this.latencies.push(performance.now() - startedAt);
    this.minBody = Math.min(this.minBody, reader.bodyBytes);
    this.maxBody = Math.max(this.maxBody, reader.bodyBytes);
  }

  fail(reason: string) {
    this.errors++;
    if (this.socketErrors.length < 10) this.socketErrors.push(reason);
  }
}

/** One client: a connection that asks again as soon as it is answered, until `running()` says stop. */
function client(target: URL, request: Buffer, keepAlive: boolean, tally: Tally, running: () => boolean, open: Set<net.Socket>): Promise<void> {
  return new Promise((resolve) => {
    let socket: net.Socket;
    let reader = new AnswerReader();
    let startedAt = 0;
    let waiting = false;
    let failed = false;

    // Every read lands in the same memory: a page's worth of bytes costs no allocation.
    const readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
    const onRead = (length: number, buffer: Uint8Array) => {
      if (!waiting || !reader.push(Buffer.from(buffer.buffer, buffer.byteOffset, length))) return true;
      waiting = false;
      tally.answer(reader, startedAt);
      if (!keepAlive) socket.destroy();
      else if (running()) send();
      else socket.end();
      return true;
    };
    const send = () => {
      reader = new AnswerReader();
      startedAt = performance.now();
      waiting = true;
      socket.write(request);
    };
    const connect = () => {
      const own = net.connect({ host: target.hostname, port: Number(target.port), noDelay: true, onread: { buffer: readBuffer, callback: onRead } });
      socket = own;
      open.add(own);
      own.on('error', (error) => {
        if (waiting) tally.fail(error.message);
        failed ||= waiting;
        waiting = false;
      });
      own.on('close', () => {
        open.delete(own);
        if (waiting) tally.fail('closed before the answer ended');
        failed ||= waiting;
        waiting = false;
        if (!running()) resolve();
        // A new connection after every answer without keep-alive, and after a lost one with it
        // (a moment later, so a refusing server is not hammered in a tight loop).
        else if (failed) setTimeout(connect, 10);
        else connect();
        failed = false;
      });
      send();
    };
    connect();
  });
}

export async function load({ url, headers = {}, connections, durationMs, keepAlive }: LoadOptions): Promise<LoadResult> {
  const target = new URL(url);
  const request = requestBytes(target, headers, keepAlive);
  const tally = new Tally();
  const startedAt = performance.now();
  const endsAt = startedAt + durationMs;
  const running = () => performance.now() < endsAt;
  const open = new Set<net.Socket>();
  // A server that stops answering must not hang the run: what is still unanswered by then fails.
  const hung = setTimeout(() => {
    for (const socket of open) socket.destroy();
  }, durationMs + NO_ANSWER_GRACE_MS);
  await Promise.all(Array.from({ length: connections }, () => client(target, request, keepAlive, tally, running, open)));
  clearTimeout(hung);
  const elapsedMs = performance.now() - startedAt;
  return {
    durationMs: elapsedMs,
    answers: tally.answers,
    okPerSecond: ((tally.statuses['200'] ?? 0) * 1000) / elapsedMs,
    statuses: tally.statuses,
    errors: tally.errors,
    socketErrors: tally.socketErrors,
    latencyMs: summarize(tally.latencies),
    bodyBytes: { min: tally.latencies.length ? tally.minBody : 0, max: tally.maxBody },
  };
}
