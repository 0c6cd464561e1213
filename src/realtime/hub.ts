import type { Db } from '../db/client.js';
import { roomLastSeqs } from '../rooms/queries.js';
import type { User } from '../db/schema.js';
import type { Logger } from '../log.js';
import type { MessageView } from '../messages/queries.js';
import { fromWire } from '../messages/wire.js';
import type { Metrics } from '../metrics/metrics.js';
import { type Bus, type BusEvent, roomChannel } from './bus.js';
import { FrameMemo, type RoomListener } from './listener.js';
import type { RoomHeadingProps } from '../../views/rooms/RoomHeading.js';
import type { Presence } from './presence.js';
import { RoomFeed } from './room-feed.js';
import { RoomPresence } from './room-presence.js';


export interface HubOptions {
  db: Db;
  bus: Bus;
  presence: Presence;
  log: Logger;
  /** How long a person's last tab may be gone before "left" is announced (a reload is shorter). */
  leaveGraceMs: number;
  /** The most changes replayed to one socket; further behind, the page reloads instead. */
  replayLimit: number;
  metrics: Metrics;
}

interface LocalRoom {
  id: number;
  slug: string;
  /** Resolves once this instance is subscribed to the room's channel (it keeps trying). */
  subscribed: Promise<void>;
  sockets: Set<RoomListener>;
  presence: RoomPresence;
  feed: RoomFeed;
}

// A join waits this long for the room's subscription; with Redis away it goes on without it
// (nudges from other instances are then missed, and the reconnect catch-up and timer cover them).
const SUBSCRIBE_WAIT_MS = 1000;

/** Close codes outside htmx's reconnect list: the session ended; the page must reload. */
export const CLOSE_SIGNED_OUT = 4001;
/** The room was deleted; the page goes to the lobby. */
export const CLOSE_ROOM_DELETED = 4005;

/**
 * Per instance, the rooms with local sockets. A bus event for a room is only a nudge: the hub reads
 * what changed from the database once, renders each change once, and sends every local socket the
 * changes above its own cursor — so a lost, late or repeated nudge never loses or doubles anything.
 */
export class Hub {
  private readonly rooms = new Map<number, LocalRoom>();
  /** Subscribe and unsubscribe of one room's channel run one after another, never crossed. */
  private readonly channelOps = new Map<number, Promise<void>>();

  constructor(private readonly options: HubOptions) {
    options.bus.onResubscribe(() => {
      void this.catchUpAll('reconnect');
      // Presence entries come back with each instance's refresh after a Redis restart; show them.
      setTimeout(() => {
        for (const room of this.rooms.values()) void room.presence.refreshList();
      }, 1000).unref();
    });
  }

  async join(roomId: number, slug: string, socket: RoomListener): Promise<void> {
    let room = this.rooms.get(roomId);
    if (!room) {
      const sockets = new Set<RoomListener>();
      const { db, log, replayLimit, metrics } = this.options;
      const created: LocalRoom = {
        id: roomId,
        slug,
        subscribed: Promise.resolve(),
        sockets,
        presence: this.roomPresence(roomId),
        feed: new RoomFeed({ db, log, metrics, replayLimit, roomId, roomSlug: slug, sockets, dropped: (socket) => this.leave(roomId, socket) }),
      };
      // Once subscribed (perhaps late, after Redis came back), read the log again: a change
      // committed before the subscription took hold is not missed.
      created.subscribed = this.subscribe(created).then(() => void created.feed.pump());
      room = created;
      this.rooms.set(roomId, room);
    }
    room.sockets.add(socket);
    const joinedAt = socket.lastSeq;
    // Subscribed first, then caught up from the database: nothing committed meanwhile is missed.
    await Promise.race([room.subscribed, new Promise((resolve) => setTimeout(resolve, SUBSCRIBE_WAIT_MS).unref())]);
    await room.feed.pump();
    // Joined behind the log (a reconnect, or changes since its page was drawn): it was sent what it missed.
    if (socket.lastSeq > joinedAt) {
      this.options.metrics.replays.inc();
      this.options.metrics.replayedChanges.inc(socket.lastSeq - joinedAt);
    }
    // Closed while catching up: it never counts as present, so it never leaves a ghost behind.
    if (room.sockets.has(socket)) await room.presence.arrive(socket);
  }

  /** The newest change of the room this instance has seen, when it follows the room and has read its log. */
  newestSeq(roomId: number): number | undefined {
    return this.rooms.get(roomId)?.feed.newestSeq;
  }

  leave(roomId: number, socket: RoomListener): void {
    const room = this.rooms.get(roomId);
    if (!room?.sockets.delete(socket)) return;
    room.presence.depart(socket, () => this.forgetIfEmpty(room));
  }

  /**
   * A write on this instance: deliver locally without waiting for the bus round trip. A new
   * message's row as stored (`message`) may go out without reading the log again.
   */
  nudge(roomId: number, seq: number, message?: MessageView): void {
    const room = this.rooms.get(roomId);
    if (!room) return;
    if (message) room.feed.offer(message);
    else void room.feed.pump(seq);
  }

  /**
   * Every local room with a socket behind the log reads it again. After a bus reconnect (events may
   * have been lost), and on a timer as a safety net: a failed read or a lost nudge delays a change by
   * one period at most. One query reads where every local room's log ends, so a quiet instance with
   * many rooms costs one query a period, not one per room; if it fails, every room reads its log.
   */
  async catchUpAll(trigger: 'timer' | 'reconnect'): Promise<void> {
    const rooms = [...this.rooms.values()];
    if (rooms.length === 0) return;
    const ends = await roomLastSeqs(this.options.db, rooms.map((room) => room.id)).catch(() => null);
    for (const room of rooms) {
      const end = ends?.get(room.id);
      const behind = end === undefined || [...room.sockets].some((socket) => socket.lastSeq < end);
      if (!behind) continue;
      this.options.metrics.catchUpReads.inc({ trigger });
      void room.feed.pump();
    }
  }

  /**
   * Sign-out or revocation: the page learns it is signed out and does not reconnect. `userIds` (a
   * disabled account) also closes the sockets they opened with an access token, which have no session.
   */
  endSessions(sessionIds: string[], userIds: number[] = []): void {
    const ended = new Set(sessionIds);
    const people = new Set(userIds);
    for (const room of this.rooms.values()) {
      for (const socket of room.sockets) {
        if ((socket.sessionId && ended.has(socket.sessionId)) || people.has(socket.user.id)) socket.close(CLOSE_SIGNED_OUT, 'signed out');
      }
    }
  }

  /** The room was renamed (here or on another instance): its sockets here are told the new name. */
  renameRoom(roomId: number, heading: RoomHeadingProps): void {
    const memo = new FrameMemo();
    for (const socket of this.rooms.get(roomId)?.sockets ?? []) socket.renamed?.(heading, memo);
  }

  /** The room was deleted (here or on another instance): every socket in it closes for good. */
  closeRoom(roomId: number): void {
    for (const socket of this.rooms.get(roomId)?.sockets ?? []) socket.close(CLOSE_ROOM_DELETED, 'room deleted');
  }

  /** On shutdown: every socket is told to reconnect (elsewhere) and catch up. */
  closeAll(code: number, reason: string): void {
    for (const room of this.rooms.values()) for (const socket of room.sockets) socket.close(code, reason);
  }

  private roomPresence(roomId: number) {
    const { bus, presence, db, log, leaveGraceMs } = this.options;
    return new RoomPresence({ roomId, bus, presence, db, log, leaveGraceMs, sockets: () => this.rooms.get(roomId)?.sockets ?? new Set() });
  }

  /** Subscribes to the room's channel (the bus keeps trying through lost connections). */
  private subscribe(room: LocalRoom): Promise<void> {
    return this.onChannel(room.id, () => this.options.bus.subscribe(roomChannel(room.id), (event) => this.onEvent(room.id, event)));
  }

  private forgetIfEmpty(room: LocalRoom) {
    if (room.sockets.size > 0 || !room.presence.idle() || this.rooms.get(room.id) !== room) return;
    this.rooms.delete(room.id);
    room.feed.stop();
    // Skipped if someone entered the room again before it ran: their subscription stands.
    void this.onChannel(room.id, () => (this.rooms.has(room.id) ? Promise.resolve() : this.options.bus.unsubscribe(roomChannel(room.id))));
  }

  private onChannel(roomId: number, operation: () => Promise<void>): Promise<void> {
    const done = (this.channelOps.get(roomId) ?? Promise.resolve()).then(operation).catch((error) => {
      this.options.log.warn({ err: error, roomId }, 'room channel (un)subscribe failed');
    });
    this.channelOps.set(roomId, done);
    void done.then(() => {
      if (this.channelOps.get(roomId) === done) this.channelOps.delete(roomId);
    });
    return done;
  }

  private onEvent(roomId: number, event: BusEvent) {
    const room = this.rooms.get(roomId);
    if (!room) return;
    if (event.type === 'change') {
      if (event.message) room.feed.offer(fromWire(event.message));
      else void room.feed.pump(event.seq);
    }
    else if (event.type === 'presence') void room.presence.refreshList();
    else if (event.type === 'notice') {
      room.presence.showNotice(event);
      void room.presence.refreshList();
    }
    else if (event.type === 'room-deleted') this.closeRoom(roomId);
    else if (event.type === 'room-renamed') this.renameRoom(roomId, { name: event.name, description: event.description });
  }
}
