import type { Logger } from 'pino';
import type { Session } from './auth/sessions.js';
import type { Config } from './config.js';
import type { Db } from './db/client.js';
import type { Room, User } from './db/schema.js';
import type { Limits } from './limits/limits.js';
import type { Metrics } from './metrics/metrics.js';
import type { Realtime } from './realtime/realtime.js';

/** What the routes of one running instance share. */
export interface Deps {
  db: Db;
  config: Config;
  /** HS256 key for access tokens: from SECRET, or generated once and kept in the database. */
  secret: string;
  log: Logger;
  realtime: Realtime;
  limits: Limits;
  /** This instance's counters, served at /metrics (the live parts count into the same). */
  metrics: Metrics;
}

export type AppEnv = {
  Variables: {
    /** Names this request in every log line about it; sent back as X-Request-Id. */
    requestId: string;
    user: User | null;
    session: Session | null;
    /** When the bearer access token of this request expires (null for cookie sessions). */
    accessExpiresAt: Date | null;
    /** Where the request came from (X-Forwarded-For only through a trusted proxy). */
    clientAddress: string;
    /** Set by loadRoom on /lobby/<room>/ routes. */
    room: Room;
  };
};
