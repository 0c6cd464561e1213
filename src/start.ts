import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { DestinationStream } from 'pino';
import { WebSocketServer } from 'ws';
import { createApp } from './app.js';
import { resolveSecret } from './auth/secret.js';
import type { Config } from './config.js';
import { openDatabase } from './db/client.js';
import { Limits } from './limits/limits.js';
import { createLogger, prettyOutput } from './log.js';
import { Metrics } from './metrics/metrics.js';
import { serveMetrics } from './metrics/routes.js';
import { startHeartbeat } from './realtime/heartbeat.js';
import { Realtime } from './realtime/realtime.js';
import { serveUpgrades } from './realtime/upgrade.js';

export interface RunningServer {
  url: string;
  /** Where METRICS_PORT serves /metrics, when it is set. */
  metricsUrl: string | undefined;
  realtime: Realtime;
  close(): Promise<void>;
}

// How long a shutdown waits for requests in progress.
const DRAIN_MS = 10_000;

/** Opens the database (migrating it), starts the live parts, builds the app and listens. */
export async function startServer(config: Config, { logTo, ...options }: { leaveGraceMs?: number; logTo?: DestinationStream } = {}): Promise<RunningServer> {
  const log = createLogger(config.logLevel, logTo ?? (config.logFormat === 'pretty' ? prettyOutput() : undefined));
  const metrics = new Metrics();
  metrics.collectProcessMetrics();
  // Redis's connections (and loading its client) go on while the database opens and migrates.
  const [opened, connected, limited] = await Promise.allSettled([
    openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, log }),
    Realtime.connect({ log, redisUrl: config.redisUrl, redisPrefix: config.redisPrefix }),
    Limits.start(config, log),
  ]);
  if (opened.status === 'rejected' || connected.status === 'rejected' || limited.status === 'rejected') {
    await Promise.allSettled([
      opened.status === 'fulfilled' ? opened.value.close() : undefined,
      connected.status === 'fulfilled' ? Promise.all([connected.value.transport.close(), connected.value.presence.close()]) : undefined,
      limited.status === 'fulfilled' ? limited.value.close() : undefined,
    ]);
    throw [opened, connected, limited].find((part): part is PromiseRejectedResult => part.status === 'rejected')!.reason;
  }
  const database = opened.value;
  const limits = limited.value;
  const secret = await resolveSecret(database.db, config.secret);
  const realtime = await Realtime.start({ db: database.db, log, metrics, ...options, connected: connected.value });
  const app = createApp({ db: database.db, config, secret, log, realtime, limits, metrics });

  // Frames from clients are small; a larger one is refused (close 1009) before it is buffered.
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.limits.frameBytes });
  const heartbeat = startHeartbeat(wss, config.pingIntervalMs);
  // Requests being answered, so a shutdown can let them finish (a send already in its transaction
  // commits and is answered) before the process goes.
  let inFlight = 0;
  const fetch: typeof app.fetch = async (request, ...rest) => {
    inFlight++;
    try {
      return await app.fetch(request, ...rest);
    } finally {
      inFlight--;
    }
  };
  const server = serve({ fetch, port: config.port, hostname: config.host }) as Server;
  serveUpgrades(server, wss, fetch, log, metrics);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const metricsServer = await serveMetrics(metrics, config.metrics);
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? 'localhost' : host}:${port}`;
  log.info({ url, metrics: metricsServer?.url, database: database.kind, bus: config.redisUrl ? 'redis' : 'in-process' }, 'Hubbub is listening');

  return {
    url,
    metricsUrl: metricsServer?.url,
    realtime,
    async close() {
      // 1. Stop accepting connections (idle keep-alive ones close now).
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      if ('closeIdleConnections' in server) server.closeIdleConnections();
      // 2. Let the requests already here finish (bounded), so no acknowledged write is cut short.
      for (let waited = 0; inFlight > 0 && waited < DRAIN_MS; waited += 20) await new Promise((r) => setTimeout(r, 20));
      // 3. Sockets are told 1012 (restart): pages reconnect, to another instance if there is one, and catch up.
      clearInterval(heartbeat);
      await realtime.close();
      await limits.close();
      for (let waited = 0; wss.clients.size > 0 && waited < 1000; waited += 50) await new Promise((r) => setTimeout(r, 50));
      for (const client of wss.clients) client.terminate();
      if ('closeAllConnections' in server) server.closeAllConnections();
      await closed;
      await metricsServer?.close();
      await database.close();
    },
  };
}
