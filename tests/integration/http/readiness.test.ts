import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServers, type TestServers } from '../../support/server.js';

// A real server, as a load balancer probes it: with Redis when REDIS_URL is set, without otherwise.
let running: TestServers;
let url: string;

beforeAll(async () => {
  running = await startTestServers(1);
  url = running.servers[0]!.url;
});
afterAll(() => running?.close());

describe('readiness of a running server', () => {
  it('is ready, and says whether it checked Redis', async () => {
    const response = await fetch(`${url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ready',
      checks: { database: 'ok', migrations: 'ok', redis: process.env.REDIS_URL ? 'ok' : 'not configured' },
    });
  });
});
