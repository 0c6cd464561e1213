import type { Context } from 'hono';
import { describe, expect, it } from 'vitest';
import { clientAddressResolver } from '../../src/http/client-address.js';

/** A request as @hono/node-server hands it over: the socket's peer and the headers. */
const request = (peer: string, forwardedFor?: string) =>
  ({
    env: { incoming: { socket: { remoteAddress: peer } } },
    req: { header: (name: string) => (name === 'x-forwarded-for' ? forwardedFor : undefined) },
  }) as unknown as Context;

describe('the client address used for limits and logs', () => {
  it('ignores X-Forwarded-For when no proxy is trusted: a client cannot choose its own bucket', () => {
    const resolve = clientAddressResolver([]);
    expect(resolve(request('198.51.100.7', '203.0.113.1'))).toBe('198.51.100.7');
  });

  it('believes a trusted proxy, reading from the right past every trusted hop', () => {
    const resolve = clientAddressResolver(['10.0.0.0/8', '192.0.2.1']);
    // The client wrote a fake first hop; the proxies appended what they saw.
    expect(resolve(request('10.1.2.3', '1.2.3.4, 203.0.113.50, 192.0.2.1'))).toBe('203.0.113.50');
    expect(resolve(request('::ffff:10.1.2.3', '203.0.113.51'))).toBe('203.0.113.51');
  });

  it('does not believe the header from an address outside the trusted list', () => {
    const resolve = clientAddressResolver(['10.0.0.0/8']);
    expect(resolve(request('11.0.0.1', '203.0.113.50'))).toBe('11.0.0.1');
  });

  it('skips entries that are not addresses, and falls back to the proxy itself when nothing is left', () => {
    const resolve = clientAddressResolver(['127.0.0.1']);
    expect(resolve(request('127.0.0.1', 'not-an-ip, <script>'))).toBe('127.0.0.1');
    expect(resolve(request('127.0.0.1', '2001:db8::1'))).toBe('2001:db8::1');
  });
});
