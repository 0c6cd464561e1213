import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { itemSeqs } from '../../support/socket.js';
import { type Guest, historyBefore, roomPage } from './guests.js';
import type { AckBoard } from './senders.js';
import { maxOf, now, sleep, waitUntil } from './util.js';

/** The close codes the page reconnects on: htmx's own list plus live.js's 4003 (silent) and 4004 (gap). */
export const RECONNECT_CODES = new Set([1001, 1005, 1006, 1011, 1012, 1013, 1014, 4003, 4004]);
export const CLOSE_RESTARTING = 1012;
export const CLOSE_SIGNED_OUT = 4001;
export const CLOSE_RELOAD = 4002;
export const CLOSE_SILENT = 4003;
export const CLOSE_GAP = 4004;

/**
 * One reconnect: what closed the socket, when a new one opened, and when the member had caught up.
 * A socket that opens and closes again before the member caught up belongs to the same reconnect.
 */
export interface Reconnect {
  /** The close code that started it (4003/4004 when the member itself closed: silence, a gap). */
  code: number;
  closedAt: number;
  /** Sockets that closed before the member caught up (1 + those that opened and closed again). */
  closes: number;
  /** Connection attempts that failed (refused, handshake error or timeout) before one opened. */
  failedAttempts: number;
  openedAt: number | null;
  /** The instance the new socket opened on. */
  instance: number | null;
  /** The senders' highest acknowledged seq when the new socket opened. */
  target: number | null;
  /** When the cursor reached `target`: closedAt (or linkUpAt) to here is the recovery time. */
  caughtUpAt: number | null;
  /**
   * When the member's own network came back, if it was down after the close (offline, a dead link):
   * the wait for the network is not the server's, so recovery counts from here.
   */
  linkUpAt: number | null;
}

/** Closed socket (or the member's network back, if later) to caught up again; null if never. */
export function recoveryMs(r: Reconnect): number | null {
  return r.caughtUpAt === null ? null : r.caughtUpAt - Math.max(r.closedAt, r.linkUpAt ?? -Infinity);
}

export interface MemberOptions {
  guest: Guest;
  name: string;
  urls: string[];
  /** The instance the member first connects to. */
  home: number;
  slug: string;
  board: AckBoard;
  /** The cursor the page starts from (the room's last seq when it loaded). */
  startCursor: number;
  /** Closes a socket silent this long with 4003, as live.js does (2.5 ping intervals); null: off. */
  watchdogMs?: number | null;
  /** htmx's first reconnect delay, doubling per failed attempt up to the cap (jitter ±30%). */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  handshakeTimeoutMs?: number;
  /** Keeps the latest presence list (`presence`); off by default, as 1,000-person lists are large. */
  trackPresence?: boolean;
}

const CURSOR_TAG = /<[^>]*\bid="room-cursor"[^>]*>/;

/** The cursor a messages frame moves the page to, and the change it follows (if it says). */
export function frameCursor(frame: string): { seq: number; after: number | null } | null {
  const tag = frame.match(CURSOR_TAG)?.[0];
  const seq = tag?.match(/\bdata-seq="(\d+)"/)?.[1];
  if (seq === undefined) return null;
  const after = tag!.match(/\bdata-after="(\d+)"/)?.[1];
  return { seq: Number(seq), after: after === undefined ? null : Number(after) };
}

/**
 * A guest with a room page open, doing what the page (htmx + live.js) does: one socket at a time,
 * `?after=<cursor>` on every (re)connect, the cursor moved by each messages frame, a frame that
 * follows a change the page never got dropped (4004, reconnect), reconnects on htmx's codes with
 * its backoff (capped), a reload on 4002, and a watchdog for silent sockets (4003).
 * A reconnect that is refused moves on to the next instance at once, as a load balancer would.
 *
 * Everything received is recorded: item seqs with repeats, first arrivals in order and when.
 */
export class Member {
  cursor: number;
  readonly startCursor: number;
  /** Times each item seq was received (socket frames and reloaded history pages). */
  readonly counts = new Map<number, number>();
  /** Item seqs in the order they first arrived. */
  readonly arrivals: number[] = [];
  readonly arrivedAt = new Map<number, number>();
  /** The instance whose socket first delivered each seq (-1: a reloaded history page). */
  readonly arrivedOn = new Map<number, number>();
  readonly reconnects: Reconnect[] = [];
  /** Every close code seen, in order (4003 for the member's own watchdog). */
  readonly closeCodes: number[] = [];
  /** The last few failed connection attempts, for diagnostics. */
  readonly failures: string[] = [];
  /** Frames and bytes received over all sockets (presence lists included). */
  framesReceived = 0;
  bytesReceived = 0;
  /** Frames whose cursor was lower than the member's cursor. */
  cursorRegressions = 0;
  /** Frames dropped because they followed a change the member never got (then 4004). */
  gaps = 0;
  reloads = 0;
  /** Why the member stopped for good (signed out, or a close htmx does not reconnect on). */
  ended: string | null = null;
  /** The instance of the current (or last) socket. */
  instance: number;
  /** With `trackPresence`: the usernames (`@name`) of the latest presence list, and when it came. */
  presence: string[] | null = null;
  presenceAt: number | null = null;

  private ws: WebSocket | null = null;
  private joined = false;
  private stopped = false;
  private attempt = 0;
  private lastHeard = now();
  private reconnectTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  /** `goOffline`: no socket opens until `goOnline`; the reconnect that waits for it. */
  private offline = false;
  private waiting: Reconnect | null = null;
  /** The reconnect whose htmx delay is running (`reconnectTimer`). */
  private scheduled: Reconnect | null = null;
  /** `freeze`: the page's script is stopped (a frozen tab): nothing is read, no watchdog runs. */
  private frozen = false;

  constructor(private readonly options: MemberOptions) {
    this.cursor = options.startCursor;
    this.startCursor = options.startCursor;
    this.instance = options.home;
  }

  get name(): string {
    return this.options.name;
  }

  get guest(): Guest {
    return this.options.guest;
  }

  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Connected, and caught up since its last reconnect (if any): nothing of its own is pending. */
  get settled(): boolean {
    const last = this.reconnects[this.reconnects.length - 1];
    return this.connected && (last === undefined || last.caughtUpAt !== null);
  }

  /**
   * Opens the first socket at the home instance (a refused one is tried again after htmx's delay)
   * and waits until the room has listed who is here.
   */
  async join(timeoutMs = 20_000): Promise<void> {
    const deadline = now() + timeoutMs;
    while (!(await this.open(this.options.home, null))) {
      if (now() > deadline) throw new Error(`${this.name} could not connect: ${this.failures.join('; ')}`);
      this.attempt++;
      await sleep(Math.min(500 * 2 ** (this.attempt - 1), 1_000));
    }
    if (!(await waitUntil(() => this.joined, Math.max(0, deadline - now())))) throw new Error(`${this.name} never got the presence list`);
    const { watchdogMs = null } = this.options;
    if (watchdogMs !== null) {
      this.watchdog = setInterval(() => this.checkSilence(watchdogMs), Math.min(250, watchdogMs / 4));
    }
  }

  /** Closes the page: no more reconnects. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.watchdog);
    this.ws?.terminate();
    this.ws = null;
  }

  /**
   * The socket dies under the page, as when the network drops it (close 1006, no closing handshake):
   * the member reconnects with htmx's backoff. False when there was no open socket.
   */
  drop(): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.terminate();
    return true;
  }

  /**
   * The member's network goes away (a laptop lid closed): the socket is dropped, and no new one
   * opens until `goOnline`.
   */
  goOffline(): void {
    this.offline = true;
    if (this.scheduled) {
      clearTimeout(this.reconnectTimer);
      this.waiting = this.scheduled;
      this.scheduled = null;
    }
    this.ws?.terminate();
  }

  get isOffline(): boolean {
    return this.offline;
  }

  /** The network is back: reconnect at once (the page's `online` moment), from the current instance. */
  goOnline(): void {
    if (!this.offline) return;
    this.offline = false;
    this.attempt = 0;
    this.linkRestored();
    const record = this.waiting;
    this.waiting = null;
    if (record && !this.stopped) void this.round(record, this.instance);
  }

  /**
   * The member's link works again after an outage the member did not know of (a dead link it kept
   * trying through): the reconnect under way counts its recovery from now.
   */
  linkRestored(): void {
    const last = this.reconnects[this.reconnects.length - 1];
    if (last && last.caughtUpAt === null) last.linkUpAt = now();
  }

  /**
   * The page stops reading its socket (a frozen tab, a stalled process): the TCP read is paused, so
   * what the server sends piles up in the kernel and in the server's send buffer, and the watchdog
   * does not run either. False when there was no open socket.
   */
  freeze(): boolean {
    const socket = this.rawSocket();
    if (!socket) return false;
    this.frozen = true;
    socket.pause();
    return true;
  }

  /** The page runs again: it reads what waited in the socket (and whatever close came after it). */
  thaw(): void {
    if (!this.frozen) return;
    this.frozen = false;
    this.lastHeard = now();
    this.rawSocket()?.resume();
  }

  /** The TCP socket under the current WebSocket (ws keeps it as `_socket`). */
  private rawSocket(): Socket | null {
    return (this.ws as unknown as { _socket?: Socket } | null)?._socket ?? null;
  }

  /**
   * The reconnect this close belongs to: a socket that closes again before the member caught up
   * (e.g. a 4002 right after reopening far behind) continues the same recovery, counted from the
   * first close; otherwise a new one.
   */
  private recoveryFor(code: number): Reconnect {
    const last = this.reconnects[this.reconnects.length - 1];
    if (last && last.openedAt !== null && last.caughtUpAt === null) {
      last.closes++;
      return last;
    }
    return this.newReconnect(code);
  }

  private newReconnect(code: number): Reconnect {
    const record: Reconnect = { code, closedAt: now(), closes: 1, failedAttempts: 0, openedAt: null, instance: null, target: null, caughtUpAt: null, linkUpAt: null };
    this.reconnects.push(record);
    return record;
  }

  /** One connection attempt; resolves true once open, false if it failed before opening. */
  private open(instance: number, record: Reconnect | null): Promise<boolean> {
    const { urls, slug, guest, board, handshakeTimeoutMs = 3_000 } = this.options;
    const baseUrl = urls[instance]!;
    const url = `${baseUrl.replace(/^http/, 'ws')}/lobby/${slug}/ws/?after=${this.cursor}`;
    const ws = new WebSocket(url, { headers: { cookie: guest.cookie, origin: baseUrl }, handshakeTimeout: handshakeTimeoutMs });
    return new Promise<boolean>((resolve) => {
      let opened = false;
      ws.on('open', () => {
        if (this.stopped || this.offline) {
          ws.terminate();
          return resolve(false);
        }
        opened = true;
        this.ws = ws;
        this.instance = instance;
        this.lastHeard = now();
        this.attempt = 0;
        if (record) {
          record.openedAt = now();
          record.instance = instance;
          record.target = board.max(slug);
          this.checkCaughtUp();
        }
        resolve(true);
      });
      ws.on('message', (data) => {
        if (ws === this.ws && !this.stopped) this.onFrame(ws, String(data));
      });
      ws.on('error', (error) => {
        if (!opened) this.noteFailure(`instance ${instance}: ${error.message}`);
      });
      ws.on('close', (code) => {
        if (!opened) return resolve(false);
        this.onClose(ws, code);
      });
    });
  }

  private onFrame(ws: WebSocket, frame: string): void {
    const at = now();
    this.lastHeard = at;
    this.framesReceived++;
    this.bytesReceived += frame.length;
    const cursor = frameCursor(frame);
    if (cursor?.after != null && cursor.after > this.cursor) {
      // live.js: this frame follows a change the page never got; drop it and reconnect.
      this.gaps++;
      return this.closeOwn(ws, CLOSE_GAP);
    }
    for (const seq of itemSeqs(frame)) this.receive(seq, at, this.instance);
    if (cursor !== null) {
      if (cursor.seq < this.cursor) this.cursorRegressions++;
      this.cursor = cursor.seq;
      this.checkCaughtUp();
    }
    if (frame.includes('<div id="presence"')) {
      this.joined = true;
      if (this.options.trackPresence) {
        this.presence = [...frame.matchAll(/<span title="@([^"]*)">/g)].map((m) => m[1]!);
        this.presenceAt = at;
      }
    }
  }

  private receive(seq: number, at: number, instance: number): void {
    const times = (this.counts.get(seq) ?? 0) + 1;
    this.counts.set(seq, times);
    if (times === 1) {
      this.arrivals.push(seq);
      this.arrivedAt.set(seq, at);
      this.arrivedOn.set(seq, instance);
    }
  }

  private checkCaughtUp(): void {
    const last = this.reconnects[this.reconnects.length - 1];
    if (last && last.openedAt !== null && last.caughtUpAt === null && this.cursor >= last.target!) last.caughtUpAt = now();
  }

  private checkSilence(silenceMs: number): void {
    const ws = this.ws;
    if (this.frozen || !ws || ws.readyState !== WebSocket.OPEN || now() - this.lastHeard <= silenceMs) return;
    this.lastHeard = now();
    this.closeOwn(ws, CLOSE_SILENT);
  }

  /**
   * The member closes the socket itself (as live.js does): nothing more from it counts, and the
   * reconnect starts now rather than after a closing handshake a half-open link never completes.
   */
  private closeOwn(ws: WebSocket, code: number): void {
    if (ws.readyState === WebSocket.OPEN) ws.close(code);
    setTimeout(() => ws.terminate(), 1_000).unref();
    this.onClose(ws, code);
  }

  private onClose(ws: WebSocket, code: number): void {
    if (ws !== this.ws) return;
    this.ws = null;
    this.closeCodes.push(code);
    if (this.stopped) return;
    if (code === CLOSE_RELOAD) {
      void this.reload(this.recoveryFor(code));
    } else if (RECONNECT_CODES.has(code)) {
      // 1012: this instance is going away, so go elsewhere; otherwise try the same one first.
      this.scheduleRound(this.recoveryFor(code), code === CLOSE_RESTARTING ? this.instance + 1 : this.instance);
    } else {
      this.ended = code === CLOSE_SIGNED_OUT ? 'signed out (4001)' : `closed with ${code}, which the page does not reconnect on`;
    }
  }

  /** htmx's reconnect delay: base × 2^(attempt-1), ±30% jitter, capped. */
  private scheduleRound(record: Reconnect, from: number): void {
    const { reconnectDelayMs = 500, maxReconnectDelayMs = 1_000 } = this.options;
    this.attempt++;
    if (this.offline) {
      this.waiting = record;
      return;
    }
    const delay = reconnectDelayMs * 2 ** (this.attempt - 1) * (1 + (Math.random() * 2 - 1) * 0.3);
    this.scheduled = record;
    this.reconnectTimer = setTimeout(() => {
      this.scheduled = null;
      void this.round(record, from);
    }, Math.min(delay, maxReconnectDelayMs));
  }

  /** Tries every instance once, starting at `from`; if none opens, waits and tries again. */
  private async round(record: Reconnect, from: number): Promise<void> {
    const count = this.options.urls.length;
    for (let k = 0; k < count; k++) {
      if (this.stopped) return;
      if (this.offline) {
        this.waiting = record;
        return;
      }
      if (await this.open((from + k) % count, record)) return;
      record.failedAttempts++;
    }
    if (!this.stopped) this.scheduleRound(record, from);
  }

  /**
   * 4002: the page reloads. It shows the newest messages and the room's cursor, and scrolling back
   * loads older pages down to where the reader was: all of those count as received.
   */
  private async reload(record: Reconnect): Promise<void> {
    this.reloads++;
    const { urls, slug, guest } = this.options;
    const old = this.cursor;
    let instance = this.instance;
    for (let attempt = 0; !this.stopped; attempt++, instance = (instance + 1) % urls.length) {
      try {
        const baseUrl = urls[instance % urls.length]!;
        const signal = AbortSignal.timeout(5_000);
        const page = await roomPage(baseUrl, guest, slug, signal);
        const shown = [...page.messages];
        let hasOlder = page.hasOlder;
        while (hasOlder && shown.length > 0 && shown[0]!.seq > old + 1) {
          const older = await historyBefore(baseUrl, guest, slug, shown[0]!.seq, signal);
          shown.unshift(...older.messages);
          hasOlder = older.hasOlder;
        }
        const at = now();
        const missed = shown.filter((message) => message.seq > old).sort((a, b) => a.seq - b.seq);
        for (const message of missed) this.receive(message.seq, at, -1);
        // The page's cursor, or the newest change it shows if that is newer (read after the room).
        this.cursor = Math.max(page.lastSeq, maxOf(missed.map((message) => message.updated_seq)) ?? 0);
        this.checkCaughtUp();
        break;
      } catch (error) {
        this.noteFailure(`reload at instance ${instance}: ${(error as Error).message}`);
        await sleep(Math.min(100 * 2 ** attempt, 1_000));
      }
    }
    if (!this.stopped) await this.round(record, instance % urls.length);
  }

  private noteFailure(failure: string): void {
    this.failures.push(failure);
    if (this.failures.length > 5) this.failures.shift();
  }
}
