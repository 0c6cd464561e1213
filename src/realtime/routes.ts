import { upgradeWebSocket } from '@hono/node-server';
import { Hono } from 'hono';
import type { WSContext } from 'hono/ws';
import type { WebSocket } from 'ws';
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

// A reader this far behind (a stalled tab, a bad link) is dropped with 1013 "try again later":
// htmx reconnects and the page catches up from the database, while everyone else is unaffected.
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/**
 * Writes text frames to one socket. A frame shared by many sockets comes as bytes encoded once
 * (see FrameMemo), sent as a text frame without copying.
 */
export function sender(ws: WSContext) {
  const raw = ws.raw as WebSocket | undefined;
  return (frame: string | Buffer) => {
    // A socket closing under us just misses the frame; it catches up from the database on reconnect.
    if (ws.readyState !== 1) return;
    if ((raw?.bufferedAmount ?? 0) > MAX_BUFFERED_BYTES) return ws.close(1013, 'too far behind; reconnect to catch up');
    if (raw) raw.send(frame, { binary: false });
    else ws.send(typeof frame === 'string' ? frame : frame.toString());
  };
}

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
  function untilSessionEnds(session: Session | null, accessExpiresAt: Date | null, ws: WSContext): () => void {
    if (session) return watchSessionExpiry(deps.db, policy, session, () => ws.close(CLOSE_SIGNED_OUT, 'session expired'));
    if (!accessExpiresAt) return () => {};
    const timer = setTimeout(() => ws.close(CLOSE_SIGNED_OUT, 'access token expired'), Math.max(0, accessExpiresAt.getTime() - Date.now()));
    return () => clearTimeout(timer);
  }

  return new Hono<AppEnv>()
    .get(
      '/ws',
      ...guard,
      upgradeWebSocket((c) => {
        let socket: LobbySocket | undefined;
        let stopWatching = () => {};
        let release = () => {};
        return {
          onOpen(_event, ws) {
            release = takeSocketSlot(deps, c.get('user')!.id, ws);
            if (ws.readyState !== 1) return;
            socket = { sessionId: c.get('session')?.id ?? null, send: sender(ws), close: (code, reason) => ws.close(code, reason) };
            stopWatching = untilSessionEnds(c.get('session'), c.get('accessExpiresAt'), ws);
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
      loadRoom(deps),
      upgradeWebSocket((c) => {
        const room = c.get('room');
        const after = resumeAfter(c.req.query('after'), room.lastSeq);
        let socket: RoomListener | undefined;
        let stopWatching = () => {};
        let release = () => {};
        return {
          onOpen(_event, ws) {
            release = takeSocketSlot(deps, c.get('user')!.id, ws);
            if (ws.readyState !== 1) return;
            socket = pageListener({
              user: c.get('user')!,
              sessionId: c.get('session')?.id ?? null,
              after,
              send: sender(ws),
              close: (code, reason) => ws.close(code, reason),
            });
            stopWatching = untilSessionEnds(c.get('session'), c.get('accessExpiresAt'), ws);
            hub.join(room.id, room.slug, socket).catch((error) => {
              deps.log.error({ err: error, room: room.slug }, 'could not join a socket to its room');
              ws.close(1011, 'join failed');
            });
          },
          onClose() {
            release();
            stopWatching();
            if (socket) hub.leave(room.id, socket);
          },
        };
      }),
    );
}
