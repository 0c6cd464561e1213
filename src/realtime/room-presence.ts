import { randomBytes } from 'node:crypto';
import { findPeopleByIds } from '../auth/users.js';
import type { Db } from '../db/client.js';
import type { User } from '../db/schema.js';
import type { Logger } from '../log.js';
import { type Bus, type BusEvent, roomChannel } from './bus.js';
import { FrameMemo, groupNotices, PeopleList, type RoomListener, type RoomNotice } from './listener.js';
import { nudgeLobbies } from './lobby.js';
import type { Presence } from './presence.js';

interface RoomPresenceOptions {
  roomId: number;
  bus: Bus;
  presence: Presence;
  db: Db;
  log: Logger;
  leaveGraceMs: number;
  sockets: () => Set<RoomListener>;
}

// How long presence-list refreshes (and notices) are gathered into one: 100 ms, longer in a big room.
const REFRESH_MS = 100;
const MAX_REFRESH_MS = 2000;

/**
 * Each refresh writes a list (or a notice) to every socket here, so the period grows with the room
 * beyond 100 sockets: 1 ms per socket, at most 2 s. A crowd then costs about 1,000 such frames a
 * second whatever its size, and a room of 1,000 sees its list change once a second.
 */
export const refreshPeriodMs = (sockets: number) => Math.min(MAX_REFRESH_MS, Math.max(REFRESH_MS, sockets));

/**
 * Presence of one room on this instance: per person, not per tab. The first socket of a person
 * announces "joined"; when the last one closes, "left" waits out a grace period so a reload is
 * silent. Announcements go over the bus, so every instance shows them.
 */
export class RoomPresence {
  private readonly tabs = new Map<number, number>();
  private readonly arrived = new WeakSet<RoomListener>();
  private readonly leaving = new Map<number, NodeJS.Timeout>();
  private refreshing: Promise<void> | undefined;
  private list: { frame: Promise<PeopleList>; expires: number } | undefined;
  private pendingNotices: RoomNotice[] = [];
  private noticeTimer: NodeJS.Timeout | undefined;
  private lastNoticeAt = 0;

  constructor(private readonly options: RoomPresenceOptions) {}

  /**
   * Never fails: presence is a courtesy. While Redis is away the socket still gets every message; the
   * person is listed again by the next presence refresh once Redis is back.
   */
  async arrive(socket: RoomListener): Promise<void> {
    this.arrived.add(socket);
    const { user } = socket;
    const tabs = (this.tabs.get(user.id) ?? 0) + 1;
    this.tabs.set(user.id, tabs);
    try {
      if (tabs === 1) {
        const pending = this.leaving.get(user.id);
        if (pending) {
          clearTimeout(pending);
          this.leaving.delete(user.id);
        } else if (await this.options.presence.enter(this.options.roomId, user.id)) {
          await this.announce('joined', user);
        }
      }
      socket.people(await this.sharedList());
    } catch (error) {
      this.options.log.warn({ err: error, roomId: this.options.roomId }, 'presence unavailable; the list catches up later');
    }
  }

  depart(socket: RoomListener, onIdle: () => void): void {
    if (!this.arrived.has(socket)) return onIdle();
    this.arrived.delete(socket);
    const { user } = socket;
    const tabs = (this.tabs.get(user.id) ?? 1) - 1;
    if (tabs > 0) {
      this.tabs.set(user.id, tabs);
      return;
    }
    this.tabs.delete(user.id);
    const timer = setTimeout(async () => {
      this.leaving.delete(user.id);
      try {
        if (await this.options.presence.exit(this.options.roomId, user.id)) await this.announce('left', user);
      } catch (error) {
        this.options.log.warn({ err: error, roomId: this.options.roomId }, 'could not record a departure');
      }
      onIdle();
    }, this.options.leaveGraceMs);
    this.leaving.set(user.id, timer);
  }

  idle(): boolean {
    return this.tabs.size === 0 && this.leaving.size === 0;
  }

  /**
   * Someone arrived or left somewhere: resend the list of people to this instance's sockets. Calls
   * within a period (see refreshPeriodMs) make one refresh, so a crowd arriving at once costs one
   * list per socket per period rather than one per arrival (which grows with the square of the crowd).
   */
  refreshList(): Promise<void> {
    this.refreshing ??= new Promise<void>((resolve) => setTimeout(resolve, this.period())).then(async () => {
      this.refreshing = undefined;
      this.list = undefined;
      const list = await this.sharedList().catch((error: unknown) => {
        this.options.log.warn({ err: error, roomId: this.options.roomId }, 'presence unavailable');
        return null;
      });
      if (list === null) return;
      for (const socket of this.options.sockets()) socket.people(list);
    });
    return this.refreshing;
  }

  /**
   * Shows a notice at once unless one went out within the period; then it waits for the end of that
   * period with any others, and they go out together ("Ada, Bob and 40 others joined"). A crowd
   * arriving at once thus costs each socket a frame per period, not a frame per arrival.
   */
  showNotice(event: Extract<BusEvent, { type: 'notice' }>): void {
    this.pendingNotices.push({ kind: event.kind, firstName: event.firstName, username: event.username ?? '', at: new Date(event.at), key: event.key });
    if (this.noticeTimer) return;
    const wait = this.lastNoticeAt + this.period() - Date.now();
    if (wait <= 0) this.flushNotices();
    else this.noticeTimer = setTimeout(() => this.flushNotices(), wait);
  }

  private period(): number {
    return refreshPeriodMs(this.options.sockets().size);
  }

  private flushNotices() {
    this.noticeTimer = undefined;
    this.lastNoticeAt = Date.now();
    const groups = groupNotices(this.pendingNotices);
    this.pendingNotices = [];
    const memo = new FrameMemo();
    for (const socket of this.options.sockets()) socket.notices(groups, memo);
  }

  private announce(kind: 'joined' | 'left', user: Pick<User, 'id' | 'firstName' | 'username'>): Promise<void> {
    return announcePresence(this.options.bus, this.options.log, this.options.roomId, kind, user);
  }

  /**
   * The list, shared by everyone who arrives within REFRESH_MS (a crowd reconnecting after a
   * restart reads and renders it once, not once each). A newcomer missing from a shared list is
   * added by the refresh its own arrival announces.
   */
  private sharedList(): Promise<PeopleList> {
    const now = Date.now();
    if (!this.list || this.list.expires < now) {
      const frame = this.people().then((people) => new PeopleList(people));
      this.list = { frame, expires: now + REFRESH_MS };
      frame.catch(() => {
        if (this.list?.frame === frame) this.list = undefined;
      });
    }
    return this.list.frame;
  }

  private async people() {
    const ids = await this.options.presence.members(this.options.roomId);
    const users = await findPeopleByIds(this.options.db, ids);
    return users.sort((a, b) => a.firstName.localeCompare(b.firstName));
  }
}

/**
 * Tells every instance: a notice for the room (which also refreshes its list of people there), and
 * shortly after, fresh lobby counts. Resolves once the notice is out; the lobby's nudge is not waited for.
 */
export async function announcePresence(
  bus: Bus,
  log: Logger,
  roomId: number,
  kind: 'joined' | 'left',
  user: Pick<User, 'id' | 'firstName' | 'username'>,
) {
  const key = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const at = new Date().toISOString();
  const notice: BusEvent = { type: 'notice', roomId, kind, userId: user.id, firstName: user.firstName, username: user.username, at, key };
  nudgeLobbies(bus).catch((error) => log.warn({ err: error }, 'could not nudge the lobbies'));
  await bus.publish(roomChannel(roomId), notice).catch((error) => log.warn({ err: error, roomId }, 'could not announce presence'));
}
