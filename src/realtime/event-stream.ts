import { Hono } from 'hono';
import type { RoomHeadingProps } from '../../views/rooms/RoomHeading.js';
import { routePath } from 'hono/route';
import { streamSSE } from 'hono/streaming';
import { sessionPolicy } from '../auth/sessions.js';
import type { AppEnv, Deps } from '../context.js';
import { problem } from '../http/problem.js';
import { loadRoom } from '../rooms/middleware.js';
import { resumeAfter } from './cursor.js';
import { CLOSE_SIGNED_OUT } from './hub.js';
import type { Change, PeopleList, RoomListener, NoticeGroup } from './listener.js';
import { TOO_MANY_SOCKETS } from './socket-slot.js';
import { watchSessionExpiry } from './session-watch.js';

// A reader this far behind (its connection not taking what we write) is ended; it reconnects with
// Last-Event-ID and resumes from the database, and nobody else waits for it.
const MAX_PENDING_BYTES = 4 * 1024 * 1024;
// What EventSource waits before reconnecting.
const RETRY_MS = 1000;

/**
 * GET /lobby/<room>/events/: the room as Server-Sent Events, for terminals (`curl -N`) and
 * EventSource. Every change of the log is an `event: message` with `id: <updated_seq>` and the
 * message as JSON (the same shape as the JSON API); `Last-Event-ID` (or `?after=<seq>`) resumes
 * after a change, with nothing lost or doubled. Also `event: presence` (who is here) and
 * `event: notice` (joined, left), which are of the moment and carry no id. A comment every ping
 * interval keeps proxies from closing an idle stream.
 */
export function eventRoutes(deps: Deps) {
  const { hub } = deps.realtime;
  const policy = sessionPolicy(deps.config);

  return new Hono<AppEnv>().get('/:room/events', loadRoom(deps), (c) => {
    const route = routePath(c);
    const room = c.get('room');
    const user = c.get('user')!;
    const session = c.get('session');
    const sessionId = session?.id ?? null;
    const accessExpiresAt = c.get('accessExpiresAt');
    const after = resumeAfter(c.req.header('last-event-id') ?? c.req.query('after'), room.lastSeq);
    const release = deps.limits.sockets.acquire(user.id);
    if (!release) return problem(c, 429, TOO_MANY_SOCKETS);
    c.header('X-Accel-Buffering', 'no'); // nginx: pass each event on at once

    return streamSSE(c, async (stream) => {
      let pending = 0;
      let ended = false;
      let written: Promise<unknown> = Promise.resolve();
      let end: () => void = () => {};
      const finished = new Promise<void>((resolve) => (end = resolve));
      // Writes keep their order; a reader that falls too far behind is let go.
      const write = (message: { event?: string; id?: string; data: string; retry?: number }) => {
        if (ended) return;
        const size = message.data.length + 32;
        if (pending + size > MAX_PENDING_BYTES) return close(1013, 'too far behind; reconnect to catch up');
        pending += size;
        written = stream
          .writeSSE(message)
          .then(() => (pending -= size))
          .catch(() => close(1006, 'write failed'));
      };
      // The last event says why the stream ends (the code a socket would close with).
      let closedWith: { code: number; reason: string } = { code: 1001, reason: 'the client went away' };
      const close = (code: number, reason: string) => {
        if (ended) return;
        closedWith = { code, reason };
        write({ event: 'close', data: JSON.stringify({ code, reason }) });
        ended = true;
        void written.then(end, end);
      };

      const listener: RoomListener = {
        user,
        sessionId,
        lastSeq: after,
        catchUp: 'stream',
        changes(changes: Change[]) {
          for (const change of changes) write({ event: 'message', id: String(change.updatedSeq), data: JSON.stringify(change.json()) });
        },
        people(list: PeopleList) {
          write({ event: 'presence', data: JSON.stringify({ people: list.json() }) });
        },
        notices(groups: NoticeGroup[]) {
          // A program reads one event per person, as it happened.
          for (const notice of groups.flatMap((group) => group.notices)) {
            const data = { kind: notice.kind, first_name: notice.firstName, username: notice.username, at: notice.at.toISOString() };
            write({ event: 'notice', data: JSON.stringify(data) });
          }
        },
        renamed(heading: RoomHeadingProps) {
          write({ event: 'room', data: JSON.stringify({ slug: room.slug, name: heading.name, description: heading.description }) });
        },
        reload() {},
        close,
      };

      stream.onAbort(() => {
        ended = true;
        end();
      });
      write({ event: 'ready', data: JSON.stringify({ room: room.slug, after }), retry: RETRY_MS });
      const beat = setInterval(() => {
        if (!ended) void stream.write(': beat\n\n').catch(() => close(1006, 'write failed'));
      }, deps.config.pingIntervalMs);
      const stopWatching = session
        ? watchSessionExpiry(deps.db, policy, session, () => close(CLOSE_SIGNED_OUT, 'session expired'))
        : () => {};
      // An access token is good for minutes: the stream ends with it; reconnect with a fresh one.
      const tokenTimer = accessExpiresAt
        ? setTimeout(() => close(CLOSE_SIGNED_OUT, 'access token expired'), Math.max(0, accessExpiresAt.getTime() - Date.now()))
        : undefined;
      const facts = { kind: 'events', route, requestId: c.get('requestId'), userId: user.id };
      const openedAt = Date.now();
      deps.metrics.connections.inc({ kind: 'events' });
      deps.log.info({ event: 'socket-open', ...facts }, 'event stream open');
      try {
        await hub.join(room.id, room.slug, listener);
        await finished;
      } finally {
        deps.metrics.connections.dec({ kind: 'events' });
        deps.log.info({ event: 'socket-closed', ...facts, ...closedWith, seconds: Math.round((Date.now() - openedAt) / 100) / 10 }, 'event stream closed');
        release();
        clearInterval(beat);
        clearTimeout(tokenTimer);
        stopWatching();
        hub.leave(room.id, listener);
      }
    });
  });
}
