import { randomBytes } from 'node:crypto';
import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { Limits } from '../../../src/limits/limits.js';
import { createLogger } from '../../../src/log.js';
import { FaultProxy } from '../../support/fault-proxy.js';

// Limits shared through Redis (the scaled run only: it needs REDIS_URL).
const redisUrl = new URL(process.env.REDIS_URL!);
const log = createLogger('silent');

describe('rate limits in Redis', () => {
  const prefix = `hubbub-test-${randomBytes(4).toString('hex')}`;
  const config = { ...loadConfig({ RATE_LIMIT_AUTH_PER_IP: '4', RATE_LIMIT_MESSAGES: '3', REDIS_PREFIX: prefix }), redisUrl: redisUrl.toString() };
  const redis = createClient({ url: redisUrl.toString() });
  const started: Limits[] = [];
  const start = async (url = config.redisUrl) => {
    const limits = await Limits.start({ ...config, redisUrl: url }, log);
    started.push(limits);
    return limits;
  };

  beforeAll(() => redis.connect());
  afterAll(async () => {
    await Promise.all(started.map((limits) => limits.close()));
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(keys);
    await redis.quit();
  });

  it('two instances spend one budget: a client cannot double it by switching instance', async () => {
    const [a, b] = [await start(), await start()];
    const verdicts = [];
    for (const limits of [a, b, a, b, a, b]) verdicts.push((await limits.authRequest('203.0.113.9')).ok);
    expect(verdicts).toEqual([true, true, true, true, false, false]);
    expect(await redis.keys(`${prefix}:limit:auth-ip*`)).toHaveLength(1);
  });

  it('a wrong-password wait set on one instance holds on the other', async () => {
    const [a, b] = [await start(), await start()];
    for (let i = 0; i < 6; i++) await a.signinFailed('shared_sam');
    const verdict = await b.signinAllowed('Shared_Sam');
    expect(verdict.ok).toBe(false);
  });

  /** Limits whose Redis connection goes through a proxy the test can break; the proxy closes after. */
  const throughProxy = async (test: (limits: Limits, proxy: FaultProxy) => Promise<void>) => {
    const proxy = await FaultProxy.start({ host: redisUrl.hostname, port: Number(redisUrl.port || 6379) });
    try {
      const proxied = new URL(redisUrl);
      proxied.host = proxy.address;
      await test(await start(proxied.toString()), proxy);
    } finally {
      await proxy.close();
    }
  };

  it('with Redis unreachable each instance keeps counting on its own: limits stay on, nobody is locked out', () =>
    throughProxy(async (limits, proxy) => {
      expect((await limits.write(77)).ok).toBe(true);
      proxy.refuse(true);
      proxy.cut();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const verdicts = [];
      for (let i = 0; i < 4; i++) verdicts.push((await limits.write(77)).ok);
      // In memory the count starts afresh: three allowed, the fourth refused.
      expect(verdicts).toEqual([true, true, true, false]);
    }));

  it('with Redis answering nothing (stalled), a write waits a few seconds, then this instance counts on its own', () =>
    throughProxy(async (limits, proxy) => {
      expect((await limits.write(78)).ok).toBe(true);
      proxy.setMode('blackhole');
      // At once: the in-memory count lasts 10 s, and each write waits on Redis first.
      const verdicts = await Promise.all([1, 2, 3, 4].map(() => limits.write(78)));
      expect(verdicts.map((verdict) => verdict.ok).sort()).toEqual([false, true, true, true]);
    }), 40_000);
});
