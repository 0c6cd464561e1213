import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { Metrics } from '../../../src/metrics/metrics.js';
import { type BusEvent, meteredBus } from '../../../src/realtime/bus.js';
import { RedisBus } from '../../../src/realtime/redis-bus.js';
import { FaultProxy } from '../../support/fault-proxy.js';

// The bus's own readiness, as /readyz asks it, and its counters at /metrics (Redis only:
// vitest.config.ts runs this with REDIS_URL).
describe('the Redis bus', () => {
  it('answers a ping while connected, and fails it once its connections are gone', async () => {
    const bus = await RedisBus.connect(process.env.REDIS_URL!, `readyz-${Date.now()}`, createLogger('silent'));
    await expect(bus.ping()).resolves.toBeUndefined();
    await bus.close();
    await expect(bus.ping()).rejects.toThrow();
  });

  it('counts what it publishes and receives, and the publishes that fail while Redis is away', async () => {
    const metrics = new Metrics();
    const transport = await RedisBus.connect(process.env.REDIS_URL!, `metrics-${Date.now()}`, createLogger('silent'));
    const bus = meteredBus(transport, metrics);
    let heard: (event: BusEvent) => void = () => {};
    const arrived = new Promise<BusEvent>((resolve) => (heard = resolve));
    await bus.subscribe('room:1', (event) => heard(event));
    await bus.publish('room:1', { type: 'change', roomId: 1, seq: 7 });
    expect(await arrived).toEqual({ type: 'change', roomId: 1, seq: 7 });
    await transport.close();
    await expect(bus.publish('room:1', { type: 'change', roomId: 1, seq: 8 })).rejects.toThrow();
    const { body } = await metrics.text();
    expect(body).toContain('hubbub_bus_published_total{type="change"} 1');
    expect(body).toContain('hubbub_bus_received_total{type="change"} 1');
    expect(body).toContain('hubbub_bus_publish_failures_total{type="change"} 1');
  });

  it('subscribes again when its connection drops while a subscribe is on the way', async () => {
    // The fault suite's pub/sub kills hit an instance as it started and subscribed to the lobby:
    // node-redis rejected that SUBSCRIBE, forgot the channel and the start failed.
    const redis = new URL(process.env.REDIS_URL!);
    const proxy = await FaultProxy.start({ host: redis.hostname, port: Number(redis.port || 6379) });
    const prefix = `resubscribe-${Date.now()}`;
    const bus = await RedisBus.connect(`redis://${proxy.address}`, prefix, createLogger('silent'));
    const direct = await RedisBus.connect(process.env.REDIS_URL!, prefix, createLogger('silent'));
    try {
      await bus.subscribe('sessions', () => {});
      let heard: (event: BusEvent) => void = () => {};
      const arrived = new Promise<BusEvent>((resolve) => (heard = resolve));
      proxy.setMode('blackhole');
      const subscribed = bus.subscribe('lobby', (event) => heard(event));
      await new Promise((resolve) => setTimeout(resolve, 100));
      proxy.cut();
      proxy.setMode('pass');
      await subscribed;
      await direct.publish('lobby', { type: 'lobby' });
      expect(await arrived).toEqual({ type: 'lobby' });
    } finally {
      await Promise.all([bus.close(), direct.close()]);
      await proxy.close();
    }
  });
});
