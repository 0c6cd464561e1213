import { BlockList, isIP } from 'node:net';
import type { Context } from 'hono';

/**
 * The address a request came from, for rate limits and sign-in logs. X-Forwarded-For is believed only
 * when the connection itself comes from a configured proxy (TRUSTED_PROXIES), and then read from the
 * right: the nearest address that is not one of our proxies is the client. Anyone can write that
 * header, so trusting it from elsewhere would let a client pick its own rate-limit bucket.
 */
export function clientAddressResolver(trustedProxies: string[]) {
  const isTrusted = trustCheck(trustedProxies);
  return (c: Context): string => {
    const peer = unmapped(peerAddress(c));
    if (!isTrusted(peer)) return peer;
    const hops = (c.req.header('x-forwarded-for') ?? '').split(',').map((hop) => unmapped(hop.trim())).filter((hop) => isIP(hop) !== 0);
    for (let i = hops.length - 1; i >= 0; i--) {
      if (!isTrusted(hops[i]!)) return hops[i]!;
    }
    return hops[0] ?? peer;
  };
}

/** Whether the request's connection comes from one of our proxies (which may speak for the client). */
export function trustedPeer(trustedProxies: string[]) {
  const isTrusted = trustCheck(trustedProxies);
  return (c: Context): boolean => isTrusted(unmapped(peerAddress(c)));
}

/** Answers per address are kept: BlockList.check builds a SocketAddress at each call (~2–4 µs). */
const KEPT_ANSWERS = 4096;

function trustCheck(trustedProxies: string[]) {
  if (trustedProxies.length === 0) return () => false;
  const trusted = new BlockList();
  for (const entry of trustedProxies) {
    const [address, prefix] = entry.split('/');
    const family = isIP(address!) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) trusted.addAddress(address!, family);
    else trusted.addSubnet(address!, Number(prefix), family);
  }
  const answers = new Map<string, boolean>();
  return (address: string) => {
    let answer = answers.get(address);
    if (answer === undefined) {
      const family = isIP(address);
      answer = family !== 0 && trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
      if (answers.size >= KEPT_ANSWERS) answers.clear();
      answers.set(address, answer);
    }
    return answer;
  };
}

/** The socket's remote address under @hono/node-server; in-process test requests have none. */
function peerAddress(c: Context): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'local';
}

/** "::ffff:10.0.0.1" and "10.0.0.1" are the same client. */
function unmapped(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
