import type { Db } from '../db/client.js';
import type { Logger } from '../log.js';
import { type Bus, InProcessBus } from './bus.js';
import { Hub } from './hub.js';
import { LobbyLive } from './lobby.js';
import { InProcessPresence, type Presence } from './presence.js';
import { RedisBus } from './redis-bus.js';
import { RedisPresence } from './redis-presence.js';

export interface RealtimeOptions {
  db: Db;
  log: Logger;
  redisUrl?: string | undefined;
  leaveGraceMs?: number;
  replayLimit?: number;
}

/** Everything live on one instance: the bus, presence, the rooms' sockets and the lobby's. */
export class Realtime {
  private constructor(
    readonly bus: Bus,
    readonly presence: Presence,
    readonly hub: Hub,
    readonly lobby: LobbyLive,
  ) {}

  static async start({ db, log, redisUrl, leaveGraceMs = 3000, replayLimit = 500 }: RealtimeOptions): Promise<Realtime> {
    const bus = redisUrl ? await RedisBus.connect(redisUrl, log) : new InProcessBus();
    const presence = redisUrl ? await RedisPresence.connect(redisUrl, log) : new InProcessPresence();
    const hub = new Hub({ db, bus, presence, log, leaveGraceMs, replayLimit });
    const lobby = new LobbyLive({ db, bus, presence, log });
    await lobby.start();
    return new Realtime(bus, presence, hub, lobby);
  }

  async close(): Promise<void> {
    this.hub.closeAll(1012, 'server restarting');
    this.lobby.stop();
    await this.presence.close();
    await this.bus.close();
  }
}
