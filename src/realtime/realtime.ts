import { forgetSessions } from '../auth/sessions.js';
import { findUserById } from '../auth/users.js';
import type { Db } from '../db/client.js';
import type { Logger } from '../log.js';
import { Metrics } from '../metrics/metrics.js';
import { type Bus, InProcessBus, meteredBus, SESSIONS_CHANNEL } from './bus.js';
import { CLOSE_SIGNED_OUT, Hub } from './hub.js';
import { LobbyLive } from './lobby.js';
import { InProcessPresence, type Presence } from './presence.js';
import { announcePresence } from './room-presence.js';

export interface RealtimeOptions {
  db: Db;
  log: Logger;
  redisUrl?: string | undefined;
  /** Names every channel and key, so deployments can share one Redis. */
  redisPrefix?: string;
  leaveGraceMs?: number;
  replayLimit?: number;
  /** Where the live parts count what they do (the app's /metrics); a private one if not given. */
  metrics?: Metrics;
}

/** The parts of Realtime shared between instances (through Redis when scaled). */
export interface Connected {
  transport: Bus;
  presence: Presence;
}

/** Everything live on one instance: the bus, presence, the rooms' sockets and the lobby's. */
export class Realtime {
  private sweeper: NodeJS.Timeout | undefined;
  private catchUp: NodeJS.Timeout | undefined;

  private constructor(
    readonly bus: Bus,
    readonly presence: Presence,
    readonly hub: Hub,
    readonly lobby: LobbyLive,
    private readonly log: Logger,
    private readonly db: Db,
  ) {}

  /** People whose instance died without a goodbye stop counting in presence; announce them as gone. */
  private sweepVanished(db: Db, everyMs: number) {
    this.sweeper = setInterval(async () => {
      try {
        for (const { roomId, userId } of await this.presence.sweep()) {
          const user = await findUserById(db, userId);
          if (user) await announcePresence(this.bus, this.log, roomId, 'left', user);
        }
      } catch (error) {
        this.log.warn({ err: error }, 'presence sweep failed');
      }
    }, everyMs);
    this.sweeper.unref();
  }

  /**
   * The bus and presence: in Redis when there is one (its client is imported only then), else in
   * this process. Needs no database, so a start runs it while the database opens.
   */
  static async connect({ log, redisUrl, redisPrefix = 'hubbub' }: Pick<RealtimeOptions, 'log' | 'redisUrl' | 'redisPrefix'>): Promise<Connected> {
    if (!redisUrl) return { transport: new InProcessBus(), presence: new InProcessPresence() };
    const [{ RedisBus }, { RedisPresence }] = await Promise.all([import('./redis-bus.js'), import('./redis-presence.js')]);
    const [transport, presence] = await Promise.allSettled([RedisBus.connect(redisUrl, redisPrefix, log), RedisPresence.connect(redisUrl, redisPrefix, log)]);
    if (transport.status === 'fulfilled' && presence.status === 'fulfilled') return { transport: transport.value, presence: presence.value };
    await Promise.allSettled([transport, presence].map((part) => (part.status === 'fulfilled' ? part.value.close() : undefined)));
    throw transport.status === 'rejected' ? transport.reason : (presence as PromiseRejectedResult).reason;
  }

  static async start({
    db,
    log,
    redisUrl,
    redisPrefix = 'hubbub',
    leaveGraceMs = 3000,
    replayLimit = 500,
    metrics = new Metrics(),
    connected,
  }: RealtimeOptions & { connected?: Connected }): Promise<Realtime> {
    const { transport, presence } = connected ?? (await Realtime.connect({ log, redisUrl, redisPrefix }));
    const bus = meteredBus(transport, metrics);
    const hub = new Hub({ db, bus, presence, log, leaveGraceMs, replayLimit, metrics });
    const lobby = new LobbyLive({ db, bus, presence, log, roomDeleted: (roomId) => hub.closeRoom(roomId) });
    await lobby.start();
    const realtime = new Realtime(bus, presence, hub, lobby, log, db);
    await bus.subscribe(SESSIONS_CHANNEL, (event) => {
      if (event.type === 'sessions-ended') realtime.closeSessionSockets(event.sessionIds, event.userIds);
    });
    realtime.sweepVanished(db, 10_000);
    realtime.catchUp = setInterval(() => void hub.catchUpAll('timer'), 15_000);
    realtime.catchUp.unref();
    return realtime;
  }

  /**
   * After sign-out: every instance closes the sockets those sessions opened. A disabled account also
   * names the person (`userIds`), so the sockets they opened with an access token close as well.
   */
  async endSessions(sessionIds: string[], userIds: number[] = []): Promise<void> {
    this.closeSessionSockets(sessionIds, userIds);
    await this.bus.publish(SESSIONS_CHANNEL, { type: 'sessions-ended', sessionIds, userIds }).catch((error) => {
      this.log.warn({ err: error }, 'could not tell other instances about a sign-out');
    });
  }

  /** Also forgets the sessions (src/auth/sessions.ts keeps those read in the last moment). */
  private closeSessionSockets(sessionIds: string[], userIds: number[] = []): void {
    forgetSessions(this.db, sessionIds, userIds);
    this.hub.endSessions(sessionIds, userIds);
    this.lobby.endSessions(sessionIds, CLOSE_SIGNED_OUT, userIds);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    clearInterval(this.catchUp);
    this.hub.closeAll(1012, 'server restarting');
    this.lobby.stop(1012, 'server restarting');
    await this.presence.close();
    await this.bus.close();
  }
}
