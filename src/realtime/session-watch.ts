import { type Session, sessionEnd, type SessionPolicy } from '../auth/sessions.js';
import type { Db } from '../db/client.js';

// setTimeout cannot wait longer than ~24 days; a long session is simply looked at again.
const MAX_WAIT_MS = 24 * 3600 * 1000;

/**
 * Closes a socket when the session that opened it expires: a timer at the session's end looks again
 * (activity elsewhere may have pushed the idle expiry on) and either waits longer or ends the socket.
 * Sign-out and revocation close sockets at once through the bus; this covers time running out.
 */
export function watchSessionExpiry(db: Db, policy: SessionPolicy, session: Session, onEnded: () => void): () => void {
  // Only the id is kept: a socket lives long, and holds no more than it needs.
  const { id } = session;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const check = async () => {
    if (stopped) return;
    const end = await sessionEnd(db, id, policy).catch(() => undefined);
    if (stopped || end === undefined) return schedule(60_000); // database unreachable: look again soon
    const left = end === null ? 0 : end.getTime() - Date.now();
    if (left <= 0) return onEnded();
    schedule(left);
  };
  const schedule = (ms: number) => {
    timer = setTimeout(check, Math.min(ms + 50, MAX_WAIT_MS));
    timer.unref();
  };
  // The session as the request that opened the socket found it: no need to read it again now.
  schedule(Math.min(session.expiresAt.getTime(), session.createdAt.getTime() + policy.maxAge * 1000) - Date.now());
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
