import type { Db } from '../db/client.js';
import type { Logger } from '../log.js';
import { forgetRoom, listRooms } from '../rooms/queries.js';
import { type Bus, LOBBY_CHANNEL } from './bus.js';
import { lobbyFrame } from './frames.js';
import type { Presence } from './presence.js';

export interface LobbySocket {
  readonly sessionId: string | null;
  readonly userId: number;
  send(frame: string): void;
  close(code: number, reason: string): void;
}

// Arrivals come in bursts (a class joining at nine); one refresh per burst is enough.
const REFRESH_DELAY_MS = 250;

// Arrivals and departures within this long make one nudge to the lobbies (which refresh
// REFRESH_DELAY_MS after a nudge anyway): a crowd of 1,000 arriving over a second publishes ~20, not 1,000.
const LOBBY_NUDGE_MS = 50;
const lobbyNudges = new WeakMap<Bus, Promise<void>>();

/** Every instance's lobby refreshes its counts, once for all the calls made while a nudge waits to go out. */
export function nudgeLobbies(bus: Bus): Promise<void> {
  let nudge = lobbyNudges.get(bus);
  if (!nudge) {
    nudge = new Promise((resolve) => setTimeout(resolve, LOBBY_NUDGE_MS)).then(() => {
      lobbyNudges.delete(bus);
      return bus.publish(LOBBY_CHANNEL, { type: 'lobby' });
    });
    lobbyNudges.set(bus, nudge);
  }
  return nudge;
}

/** The lobby's live room cards: refreshed whenever someone enters or leaves a room, or a room is made, renamed or deleted. */
export class LobbyLive {
  private readonly sockets = new Set<LobbySocket>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: { db: Db; bus: Bus; presence: Presence; log: Logger; roomDeleted?: (roomId: number) => void }) {}

  /**
   * Every instance hears the lobby's channel, so a room renamed or deleted anywhere is forgotten here
   * as read (src/rooms/queries.ts), and a deleted room's sockets close, also those that joined from
   * such a read before the room's own channel could tell them. After the bus reconnects, what was
   * published meanwhile may be lost, so every room is forgotten.
   */
  async start(): Promise<void> {
    await this.options.bus.subscribe(LOBBY_CHANNEL, (event) => {
      if (event.type === 'lobby') {
        const changed = event.renamedRoom ?? event.deletedRoom;
        if (changed !== undefined) forgetRoom(this.options.db, changed);
        if (event.deletedRoom !== undefined) this.options.roomDeleted?.(event.deletedRoom);
      }
      this.scheduleRefresh();
    });
    this.options.bus.onResubscribe(() => {
      forgetRoom(this.options.db);
      this.scheduleRefresh();
    });
  }

  add(socket: LobbySocket): void {
    this.sockets.add(socket);
  }

  remove(socket: LobbySocket): void {
    this.sockets.delete(socket);
  }

  endSessions(sessionIds: string[], code: number, userIds: number[] = []): void {
    for (const socket of this.sockets) {
      if ((socket.sessionId && sessionIds.includes(socket.sessionId)) || userIds.includes(socket.userId)) socket.close(code, 'signed out');
    }
  }

  /** A room was made, renamed or deleted: every lobby shows it. */
  async changed(room: { renamedRoom: number } | { deletedRoom: number } | Record<string, never> = {}): Promise<void> {
    await this.options.bus.publish(LOBBY_CHANNEL, { type: 'lobby', ...room });
  }

  private scheduleRefresh() {
    if (this.timer || this.sockets.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh().catch((error) => this.options.log.warn({ err: error }, 'lobby refresh failed'));
    }, REFRESH_DELAY_MS);
  }

  private async refresh() {
    const [rooms, counts] = await Promise.all([listRooms(this.options.db), this.options.presence.counts()]);
    const frame = lobbyFrame(rooms, counts);
    for (const socket of this.sockets) socket.send(frame);
  }

  stop(code: number, reason: string): void {
    clearTimeout(this.timer);
    for (const socket of this.sockets) socket.close(code, reason);
  }
}
