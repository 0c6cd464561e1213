import { createApp } from '../../src/app.js';
import { resolveSecret } from '../../src/auth/secret.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { Realtime } from '../../src/realtime/realtime.js';
import { openTestDatabase } from './database.js';

export type TestApp = Awaited<ReturnType<typeof createTestApp>>;

/** The whole app in process on its own fresh database; requests go through `app.request()`. */
export async function createTestApp(env: Record<string, string> = {}) {
  const config: Config = loadConfig({ LOG_LEVEL: 'silent', ...env });
  const database = await openTestDatabase();
  const secret = await resolveSecret(database.db, config.secret);
  const log = createLogger(config.logLevel);
  const realtime = await Realtime.start({ db: database.db, log });
  const app = createApp({ db: database.db, config, secret, log, realtime });
  return {
    app,
    db: database.db,
    config,
    secret,
    realtime,
    async close() {
      await realtime.close();
      await database.close();
    },
  };
}
