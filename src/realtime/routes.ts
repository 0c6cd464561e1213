import { type Context, Hono } from 'hono';
import { requireUser, sameOriginSockets } from '../auth/middleware.js';
import { sessionPolicy } from '../auth/sessions.js';
import type { AppEnv, Deps } from '../context.js';
import type { Session } from '../auth/sessions.js';
import { loadRoom } from '../rooms/middleware.js';
import { resumeAfter } from './cursor.js';
import { CLOSE_SIGNED_OUT } from './hub.js';
import type { RoomListener } from './listener.js';
import { pageListener } from './page-listener.js';
import type { LobbySocket } from './lobby.js';
import { watchSessionExpiry } from './session-watch.js';
import { takeSocketSlot } from './socket-slot.js';
import { acceptSocket, type LiveSocket } from './upgrade.js';

// A reader this far behind (a stalled tab, a bad link) is dropped with 1013 "try again later":
// htmx reconnects and the page catches up from the database, while everyone else is unaffected.
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/**
 * Writes text frames to one socket. A frame shared by many sockets comes as bytes encoded once
 * (see FrameMemo), sent as a text frame without copying.
 */
export function sender(ws: LiveSocket) {
  return (frame: string | Buffer) => {
    // A socket closing under us just misses the frame; it catches up from the database on reconnect.
    if (ws.readyState !== 1) return;
    if (ws.raw.bufferedAmount > MAX_BUFFERED_BYTES) return ws.close(1013, 'too far behind; reconnect to catch up');
    ws.send(frame);
  };
}

/** Who opened the socket: the person, and the cookie session or access token's end that bounds it. */
const holder = (c: Context<AppEnv>) => ({ userId: c.get('user')!.id, session: c.get('session'), accessExpiresAt: c.get('accessExpiresAt') });

/**
 * The pages' WebSockets. Session and Origin are checked before the upgrade, so a refused handshake
 * gets a plain 401/403/404 and no data ever flows.
 */
export function liveRoutes(deps: Deps) {
  const { hub, lobby } = deps.realtime;
  const guard = [requireUser, sameOriginSockets(deps)] as const;
  const policy = sessionPolicy(deps.config);

  /**
   * Ends the socket with 4001 (htmx does not reconnect; the page says "signed out") when the session
   * expires, or, for a client that connected with a bearer access token, when that token does.
   */
  function untilSessionEnds(session: Session | null, accessExpiresAt: Date | null, ws: LiveSocket): () => void {
    if (session) return watchSessionExpiry(deps.db, policy, session, () => ws.close(CLOSE_SIGNED_OUT, 'session expired'));
    if (!accessExpiresAt) return () => {};
    const timer = setTimeout(() => ws.close(CLOSE_SIGNED_OUT, 'access token expired'), Math.max(0, accessExpiresAt.getTime() - Date.now()));
    return () => clearTimeout(timer);
  }

  return new Hono<AppEnv>()
    .get(
      '/ws',
      ...guard,
      acceptSocket<AppEnv>('lobby', (c) => {
        // What the socket needs, read now: its handlers must not keep the request (or its context) alive.
        const { userId, session, accessExpiresAt } = holder(c);
        let socket: LobbySocket | undefined;
        let stopWatching = () => {};
        let release = () => {};
        return {
          onOpen(ws) {
            release = takeSocketSlot(deps, userId, ws);
            if (ws.readyState !== 1) return;
            socket = { sessionId: session?.id ?? null, userId, send: sender(ws), close: (code, reason) => ws.close(code, reason) };
            stopWatching = untilSessionEnds(session, accessExpiresAt, ws);
            lobby.add(socket);
          },
          onClose() {
            release();
            stopWatching();
            if (socket) lobby.remove(socket);
          },
        };
      }),
    )
    .get(
      '/:room/ws',
      ...guard,
      // A crowd opening the room (or every page reconnecting after a restart) reads it once: while
      // this instance follows the room, a socket takes it as read in the last 30 s. That read's
      // last_seq may be behind; where the log ends is then what this instance has seen of it. A
      // cursor beyond that counts as the end (at worst the page is sent what it has again, and
      // upserts it), and the join reads whatever came after.
      loadRoom(deps, { recent: (room) => hub.newestSeq(room.id) !== undefined }),
      acceptSocket<AppEnv>('room', (c) => {
        // What the socket needs, read now: its handlers must not keep the request (or its context) alive.
        const { id: roomId, slug, lastSeq } = c.get('room');
        const after = resumeAfter(c.req.query('after'), Math.max(lastSeq, hub.newestSeq(roomId) ?? 0));
        const user = c.get('user')!;
        const { session, accessExpiresAt } = holder(c);
        let socket: RoomListener | undefined;
        let stopWatching = () => {};
        let release = () => {};
        return {
          onOpen(ws) {
            release = takeSocketSlot(deps, user.id, ws);
            if (ws.readyState !== 1) return;
            socket = pageListener({ user, sessionId: session?.id ?? null, after, send: sender(ws), close: (code, reason) => ws.close(code, reason) });
            stopWatching = untilSessionEnds(session, accessExpiresAt, ws);
            hub.join(roomId, slug, socket).catch((error) => {
              deps.log.error({ err: error, room: slug }, 'could not join a socket to its room');
              ws.close(1011, 'join failed');
            });
          },
          onClose() {
            release();
            stopWatching();
            if (socket) hub.leave(roomId, socket);
          },
        };
      }),
    );
}
