import type { Db } from '../db/client.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import { changesAfter, type MessageView } from '../messages/queries.js';
import { Change, FrameMemo, type RoomListener } from './listener.js';

export const CLOSE_RELOAD = 4002;

// Backoff of reads after a failure: 100 ms doubling to 2 s, so a restarted database is caught up
// with within a moment of its return.
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2000;

// Under load, a run of the feed starts at least this long after the previous one ended (a lone
// change goes out at once). Counted from the end: a fan-out to a big room takes longer than the gap,
// and changes stored meanwhile then go out together, one frame per socket, instead of one by one.
const BATCH_GAP_MS = 4;

// Shared frames a room's feed keeps between runs (frames differ by the cursor they start from).
const FRAMES_KEPT = 32;
// How long after its last run a room's feed keeps what it rendered.
const KEEP_MS = 2000;

export interface RoomFeedOptions {
  db: Db;
  log: Logger;
  metrics: Metrics;
  roomId: number;
  roomSlug: string;
  /** The room's sockets on this instance (the hub's set, read at each run). */
  sockets: Set<RoomListener>;
  /** The most changes replayed to one socket; further behind, the page reloads instead. */
  replayLimit: number;
  /** A socket about to be closed for being too far behind: take it out of the room first. */
  dropped: (socket: RoomListener) => void;
}

/**
 * The room's log as this instance serves it: each run reads the changes above the lowest cursor of
 * the room's sockets once, renders each change once, and sends every socket the changes above its
 * own cursor. One run at a time; nudges during a run cause one more run, not one each, at least
 * BATCH_GAP_MS after the one before ended. A failed read (the database away) is tried again shortly,
 * backing off.
 */
export class RoomFeed {
  private running: Promise<void> | null = null;
  private dirty = false;
  private retry: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;
  /** When the last run (or lone change sent) ended: the batching gap counts from there. */
  private lastRunEnded = 0;
  /** The newest change this feed has sent live; older ones sent later are catch-up, not timed. */
  private liveSeq: number | undefined;
  /** The highest seq a nudge named since this run began (Infinity: a nudge that named none). */
  private wanted = 0;
  /** The newest change handed over by offer() and not yet sent (0: none). */
  private offered = 0;
  /**
   * Changes as read and rendered, and the frames shared by sockets, kept from one read of the log to
   * the next while the room is busy: a crowd arriving over a second is served by many runs, which
   * all send the same history. (A new message sent as stored keeps nothing.) A change's content
   * never changes under its seq (an edit or delete takes a new one). Forgotten KEEP_MS after the
   * last read, so a quiet room holds none of it.
   */
  private readonly rendered = new Map<number, Change>();
  private readonly frames = new FrameMemo(FRAMES_KEPT);
  private forget: NodeJS.Timeout | undefined;

  constructor(private readonly options: RoomFeedOptions) {}

  /**
   * Reads and delivers what the room's sockets lack. `upTo` names the change a nudge is about: when
   * every socket here has it already (this instance's own change, heard back from the bus after it
   * was delivered), there is nothing to read.
   */
  pump(upTo = Infinity): Promise<void> {
    // A change handed over (offer) and about to go out needs no read: its offer sends it or reads.
    if (upTo <= this.offered) return this.running ?? Promise.resolve();
    return this.run(upTo);
  }

  private run(upTo: number): Promise<void> {
    if (this.running) {
      this.dirty = true;
      this.wanted = Math.max(this.wanted, upTo);
      return this.running;
    }
    if (upTo !== Infinity && this.allHave(upTo)) return Promise.resolve();
    this.running = (async () => {
      let again = false;
      do {
        // Changes keep coming while a run is busy: the next run waits out the gap and takes them
        // all, so a busy room sends each socket one frame per gap rather than one per change.
        if (again) await new Promise((resolve) => setTimeout(resolve, Math.max(0, this.lastRunEnded + BATCH_GAP_MS - performance.now())));
        again = true;
        this.dirty = false;
        this.wanted = 0;
        try {
          await this.deliver();
          this.lastRunEnded = performance.now();
          this.failures = 0;
        } catch (error) {
          this.options.log.error({ err: error, roomId: this.options.roomId }, 'catch-up failed; trying again shortly');
          this.retryLater();
          return;
        }
        // Nudges that came during the run about changes it delivered need no run of their own.
        if (this.dirty && this.allHave(this.wanted)) this.dirty = false;
      } while (this.dirty && !this.stopped);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /**
   * A new message as stored (by this instance, or carried by another instance's nudge). In a quiet
   * moment (no run busy or due) with every socket here holding the log right up to it, it goes out
   * without reading the log: nothing can come between (a room's changes commit in seq order).
   * Otherwise it is a nudge.
   */
  offer(message: MessageView): void {
    const seq = message.updatedSeq;
    // Every socket here has it, or it is on its way (this instance's own message, heard back from the bus).
    if (seq <= this.offered || this.allHave(seq)) return;
    this.offered = Math.max(this.offered, seq);
    // After what the writer has queued (its answer, the nudge to other instances: Redis writes on
    // the next turn), so a big room's fan-out here never holds those up.
    setImmediate(() => {
      if (this.offered === seq) this.offered = 0;
      const quiet = !this.running && !this.retry && !this.stopped && performance.now() - this.lastRunEnded >= BATCH_GAP_MS;
      if (this.allHave(seq)) return;
      if (!quiet || !this.allHave(seq - 1)) return void this.run(seq);
      // A new message goes out once, to sockets in step: nothing of it is worth keeping.
      this.send([...this.options.sockets], [new Change(message, this.options.roomSlug)], null, new FrameMemo());
      this.lastRunEnded = performance.now();
    });
  }

  /** The newest change this feed has sent (or found none after), once it has read the log. */
  get newestSeq(): number | undefined {
    return this.liveSeq;
  }

  /** Whether every socket here has the log up to `seq`. */
  private allHave(seq: number): boolean {
    for (const socket of this.options.sockets) if (socket.lastSeq < seq) return false;
    return true;
  }

  /** The room has no sockets left here: no more runs. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    clearTimeout(this.forget);
  }

  private retryLater() {
    if (this.retry || this.stopped) return;
    const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** this.failures++);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (!this.stopped) void this.run(Infinity);
    }, delay);
    this.retry.unref();
  }

  private async deliver() {
    const { db, replayLimit, roomId, sockets: current } = this.options;
    // The sockets present now; one joining during the read below is served by the next run.
    const sockets = [...current];
    if (sockets.length === 0) return;
    const from = Math.min(...sockets.map((socket) => socket.lastSeq));
    this.options.metrics.logReads.inc();
    const changes = await changesAfter(db, roomId, from, replayLimit + 1);
    if (changes.length === 0) {
      this.liveSeq ??= from;
      return;
    }
    const truncated = changes.length > replayLimit;
    // Each change is rendered (HTML, JSON) at most once, by the first listener that needs that form.
    const batch = (truncated ? changes.slice(0, replayLimit) : changes).map((message) => this.change(message));
    this.keepRendered();
    this.send(sockets, batch, truncated ? from : null, this.frames);
    // A stream reader further behind gets the next batch in the next run.
    if (truncated) {
      this.dirty = true;
      this.wanted = Infinity;
    }
  }

  /** The change as rendered before, or a new one (kept: at most a replay's worth). */
  private change(message: MessageView): Change {
    const known = this.rendered.get(message.updatedSeq);
    if (known?.message.id === message.id) return known;
    const change = new Change(message, this.options.roomSlug);
    this.rendered.set(message.updatedSeq, change);
    if (this.rendered.size > this.options.replayLimit + 1) this.rendered.delete(this.rendered.keys().next().value!);
    return change;
  }

  private keepRendered() {
    if (this.forget) return void this.forget.refresh();
    this.forget = setTimeout(() => {
      this.forget = undefined;
      this.rendered.clear();
      this.frames.clear();
    }, KEEP_MS);
    this.forget.unref();
  }

  /**
   * Sends each socket the changes of `batch` above its cursor, in one frame. `reloadFrom`: the batch
   * is only the first part of what sockets at that cursor lack; pages there reload instead.
   */
  private send(sockets: RoomListener[], batch: Change[], reloadFrom: number | null, memo: FrameMemo) {
    const current = this.options.sockets;
    const last = batch[batch.length - 1]!.updatedSeq;
    for (const listener of sockets) {
      if (!current.has(listener)) continue;
      if (listener.lastSeq === reloadFrom && listener.catchUp === 'reload') {
        // Further behind than we replay: the page reloads and starts from the database afresh.
        this.options.dropped(listener);
        listener.reload();
        listener.close(CLOSE_RELOAD, 'too far behind');
        continue;
      }
      const mine = batch.filter((change) => change.updatedSeq > listener.lastSeq);
      if (mine.length === 0) continue;
      const after = listener.lastSeq;
      listener.lastSeq = last;
      listener.changes(mine, after, last, memo);
    }
    this.timeDelivery(batch, last);
  }

  /** hubbub_delivery_seconds: from each new change's commit time to its frames written here. */
  private timeDelivery(batch: Change[], last: number) {
    // The first run serves whoever joined first: what it sends is their catch-up.
    const live = this.liveSeq;
    this.liveSeq = Math.max(live ?? last, last);
    if (live === undefined) return;
    const now = Date.now();
    for (const { message } of batch) {
      if (message.updatedSeq <= live) continue;
      const at = message.deletedAt ?? message.editedAt ?? message.createdAt;
      this.options.metrics.delivery.observe(Math.max(0, now - at.getTime()) / 1000);
    }
  }
}
