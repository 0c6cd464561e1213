import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import type { Config } from '../config.js';
import type { AppEnv, Deps } from '../context.js';
import { problem } from '../http/problem.js';
import type { Metrics } from './metrics.js';

/** `Authorization: Bearer <token>` matches, compared in constant time. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const offered = Buffer.from(/^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return offered.length === expected.length && timingSafeEqual(offered, expected);
}

/**
 * /metrics on the main port. It counts what people do, so it is never open to the world: it answers
 * only with METRICS_TOKEN as a bearer token, and not at all (404) when no token is set or when
 * METRICS_PORT gives it a listener of its own.
 */
export function metricsRoutes({ config, metrics }: Deps) {
  const { token, port } = config.metrics;
  return new Hono<AppEnv>().get('/metrics', async (c) => {
    if (token === undefined || port !== undefined) return problem(c, 404, 'There is nothing at this address.');
    if (!bearerMatches(c.req.header('authorization'), token)) {
      c.header('WWW-Authenticate', 'Bearer realm="metrics"');
      return c.text('Metrics need the token set in METRICS_TOKEN: Authorization: Bearer <token>.\n', 401);
    }
    const { body, contentType } = await metrics.text();
    return c.body(body, 200, { 'Content-Type': contentType });
  });
}

/**
 * METRICS_PORT: /metrics on a listener of its own (e.g. bound to a private interface), so the main
 * port never serves it. METRICS_TOKEN, when also set, is asked for here too.
 */
export async function serveMetrics(metrics: Metrics, config: Config['metrics']): Promise<{ url: string; close(): Promise<void> } | null> {
  if (config.port === undefined) return null;
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Only GET /metrics is served here.\n');
      return;
    }
    if (config.token !== undefined && !bearerMatches(request.headers.authorization, config.token)) {
      response.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8', 'WWW-Authenticate': 'Bearer realm="metrics"' }).end('Metrics need the token set in METRICS_TOKEN.\n');
      return;
    }
    metrics.text().then(
      ({ body, contentType }) => response.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' }).end(request.method === 'HEAD' ? undefined : body),
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
