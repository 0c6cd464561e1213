import { createApp } from '../../src/app.js';
import { resolveSecret } from '../../src/auth/secret.js';
import { type Config, loadConfig } from '../../src/config.js';
import { Limits } from '../../src/limits/limits.js';
import { createLogger } from '../../src/log.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { Realtime } from '../../src/realtime/realtime.js';
import type { DestinationStream } from 'pino';
import { openTestDatabase } from './database.js';
import { GENEROUS_LIMITS } from './limits.js';

export type TestApp = Awaited<ReturnType<typeof createTestApp>>;

/** The whole app in process on its own fresh database; requests go through `app.request()`. */
export async function createTestApp(env: Record<string, string> = {}, { logTo }: { logTo?: DestinationStream } = {}) {
  const config: Config = loadConfig({ LOG_LEVEL: 'silent', ...GENEROUS_LIMITS, ...env });
  const database = await openTestDatabase();
  const secret = await resolveSecret(database.db, config.secret);
  const log = createLogger(config.logLevel, logTo);
  const metrics = new Metrics();
  const realtime = await Realtime.start({ db: database.db, log, metrics });
  // Counted in memory: each test app has its own budget (the Redis-backed limits have their own tests).
  const limits = await Limits.start({ ...config, redisUrl: undefined }, log);
  const app = createApp({ db: database.db, config, secret, log, realtime, limits, metrics });
  return {
    app,
    metrics,
    db: database.db,
    config,
    secret,
    realtime,
    limits,
    async close() {
      await realtime.close();
      await limits.close();
      await database.close();
    },
  };
}
