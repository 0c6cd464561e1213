import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import { resolveSecret } from './auth/secret.js';
import type { Config } from './config.js';
import { openDatabase } from './db/client.js';
import { createLogger } from './log.js';

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Opens the database (migrating it), builds the app and listens; `close` drains and disconnects. */
export async function startServer(config: Config): Promise<RunningServer> {
  const log = createLogger(config.logLevel);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const secret = await resolveSecret(database.db, config.secret);
  const app = createApp({ db: database.db, config, secret, log });

  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? 'localhost' : host}:${port}`;
  log.info({ url, database: database.kind }, 'Hubbub is listening');

  return {
    url,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await database.close();
    },
  };
}
