import type { LiveSocket } from './upgrade.js';
import type { Deps } from '../context.js';

/** Policy violation: htmx does not reconnect on it, and live.js shows the reason. */
export const CLOSE_TOO_MANY_SOCKETS = 1008;
export const TOO_MANY_SOCKETS = 'Too many open connections for your account: close some tabs or clients, then reload.';

/**
 * Takes one of the person's socket slots (SOCKETS_PER_USER on this instance) as a socket opens;
 * over the quota the socket is closed at once with the reason. Call the result when it closes.
 */
export function takeSocketSlot(deps: Pick<Deps, 'limits'>, userId: number, ws: LiveSocket): () => void {
  const release = deps.limits.sockets.acquire(userId);
  if (release) return release;
  ws.close(CLOSE_TOO_MANY_SOCKETS, TOO_MANY_SOCKETS);
  return () => {};
}
