import net from 'node:net';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '@redis/client';
import postgres from 'postgres';
import { FaultProxy } from '../../support/fault-proxy.js';

const REDIS = { host: '127.0.0.1', port: 6379 };
const POSTGRES = { host: '127.0.0.1', port: 5432 };

// Run in reverse after each test, so every test leaves no sockets, servers or clients behind.
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function echoServer(): Promise<{ host: string; port: number }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.pipe(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port };
}

async function startProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  const proxy = await FaultProxy.start(target);
  cleanups.push(() => proxy.close());
  return proxy;
}

async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {}); // resets are what several tests provoke
  cleanups.push(() => socket.destroy());
  await once(socket, 'connect');
  return socket;
}

/** Unlike events.once, does not reject when 'error' fires first: a reset is expected here. */
function whenEvent(emitter: NodeJS.EventEmitter, event: string): Promise<void> {
  return new Promise((resolve) => emitter.once(event, () => resolve()));
}

/** Resolves with exactly `length` bytes (fails if the socket closes first). */
function read(socket: net.Socket, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received < length) return;
      socket.off('data', onData).off('close', onClose);
      resolve(Buffer.concat(chunks));
    };
    const onClose = () => reject(new Error(`socket closed after ${received} of ${length} bytes`));
    socket.on('data', onData).once('close', onClose);
  });
}

async function roundTrip(socket: net.Socket, text: string): Promise<string> {
  const reply = read(socket, Buffer.byteLength(text));
  socket.write(text);
  return (await reply).toString();
}

/** The fixed wait is the point here: we are checking that nothing at all arrives in that window. */
async function receivedWithin(socket: net.Socket, ms: number): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  const onData = (chunk: Buffer) => chunks.push(chunk);
  socket.on('data', onData);
  await sleep(ms);
  socket.off('data', onData);
  return chunks;
}

/** Fails with a message naming the service instead of hanging until the test timeout. */
async function assertReachable(name: string, target: { host: string; port: number }): Promise<void> {
  const socket = net.connect(target.port, target.host);
  socket.setTimeout(2_000, () => socket.destroy(new Error('timed out after 2 s')));
  try {
    await once(socket, 'connect');
  } catch (error) {
    throw new Error(`${name} is not reachable at ${target.host}:${target.port} (${(error as Error).message}); these tests need it running`);
  } finally {
    socket.destroy();
  }
}

describe('FaultProxy', () => {
  it('passes a 1 MiB payload through intact', async () => {
    const proxy = await startProxy(await echoServer());
    const client = await connect(proxy.port);
    const payload = randomBytes(1024 * 1024);
    const echoed = read(client, payload.length);
    client.write(payload);
    expect((await echoed).equals(payload)).toBe(true);
    expect(proxy.connections()).toBe(1);
    expect(proxy.address).toBe(`127.0.0.1:${proxy.port}`);
  });

  it('delays each direction in latency mode and keeps byte order', async () => {
    const proxy = await startProxy(await echoServer());
    proxy.setMode('latency', 150);
    const client = await connect(proxy.port);
    const parts = Array.from({ length: 50 }, (_, i) => `<${i}>`);
    const expected = parts.join('');
    const reply = read(client, expected.length);
    const started = performance.now();
    for (const part of parts) client.write(part);
    const received = (await reply).toString();
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expect(received).toBe(expected);
  });

  it('forwards a half-close after the delayed bytes, so the reply still comes back', async () => {
    const proxy = await startProxy(await echoServer());
    proxy.setMode('latency', 50);
    const client = await connect(proxy.port);
    const reply = read(client, 5);
    client.end('hello');
    expect((await reply).toString()).toBe('hello');
    await whenEvent(client, 'close');
  });

  it('holds the connection open but drops bytes in blackhole mode', async () => {
    const proxy = await startProxy(await echoServer());
    const client = await connect(proxy.port);
    expect(await roundTrip(client, 'before')).toBe('before');

    proxy.setMode('blackhole');
    let closed = false;
    client.once('close', () => (closed = true));
    client.write('lost');
    expect(await receivedWithin(client, 500)).toEqual([]);
    expect(closed).toBe(false);
    expect(client.destroyed).toBe(false);
    expect(proxy.connections()).toBe(1);

    // Same connection; 'lost' must not turn up late ahead of the new bytes.
    proxy.setMode('pass');
    expect(await roundTrip(client, 'back')).toBe('back');
  });

  it('cut closes every current connection and still accepts new ones', async () => {
    const proxy = await startProxy(await echoServer());
    const first = await connect(proxy.port);
    const second = await connect(proxy.port);
    expect(await roundTrip(first, 'one')).toBe('one');
    expect(await roundTrip(second, 'two')).toBe('two');

    const closed = Promise.all([whenEvent(first, 'close'), whenEvent(second, 'close')]);
    proxy.cut();
    await closed;
    expect(proxy.connections()).toBe(0);

    const next = await connect(proxy.port);
    expect(await roundTrip(next, 'again')).toBe('again');
  });

  it('refuse closes new connections at once until it is switched off', async () => {
    const proxy = await startProxy(await echoServer());
    proxy.refuse(true);
    const refused = net.connect(proxy.port, '127.0.0.1');
    refused.on('error', () => {});
    cleanups.push(() => refused.destroy());
    await whenEvent(refused, 'close');
    expect(proxy.connections()).toBe(0);

    proxy.refuse(false);
    const client = await connect(proxy.port);
    expect(await roundTrip(client, 'up')).toBe('up');
  });

  it('node-redis reconnects through the proxy after a cut', async () => {
    await assertReachable('Redis', REDIS);
    const proxy = await startProxy(REDIS);
    const redis = createClient({ socket: { host: '127.0.0.1', port: proxy.port, reconnectStrategy: () => 50 } });
    // Without a listener, the reset that cut() causes would be thrown as an unhandled 'error'.
    redis.on('error', () => {});
    cleanups.push(() => redis.destroy());
    await redis.connect();
    expect(await redis.ping()).toBe('PONG');

    const ready = whenEvent(redis, 'ready');
    proxy.cut();
    await ready;
    expect(await redis.ping()).toBe('PONG');
  });

  it('postgres-js opens a new connection through the proxy after a cut', async () => {
    await assertReachable('PostgreSQL', POSTGRES);
    const proxy = await startProxy(POSTGRES);
    let onClose = () => {};
    const sql = postgres({
      host: '127.0.0.1',
      port: proxy.port,
      user: 'postgres',
      database: 'postgres',
      max: 1,
      connect_timeout: 5,
      onclose: () => onClose(),
    });
    cleanups.push(() => sql.end({ timeout: 0 }));
    expect(await sql`select 1 as one`).toEqual([{ one: 1 }]);

    // Query only once the client has noticed the cut; a query racing the reset would fail.
    const closed = new Promise<void>((resolve) => (onClose = resolve));
    proxy.cut();
    await closed;
    expect(await sql`select 1 as one`).toEqual([{ one: 1 }]);
  });
});
