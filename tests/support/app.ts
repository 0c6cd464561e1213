import { createApp } from '../../src/app.js';
import { resolveSecret } from '../../src/auth/secret.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { openTestDatabase } from './database.js';

export type TestApp = Awaited<ReturnType<typeof createTestApp>>;

/** The whole app in process on its own fresh database; requests go through `app.request()`. */
export async function createTestApp(env: Record<string, string> = {}) {
  const config: Config = loadConfig({ LOG_LEVEL: 'silent', ...env });
  const database = await openTestDatabase();
  const secret = await resolveSecret(database.db, config.secret);
  const app = createApp({ db: database.db, config, secret, log: createLogger(config.logLevel) });
  return { app, db: database.db, config, secret, close: () => database.close() };
}
