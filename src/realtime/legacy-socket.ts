import { Hono } from 'hono';
import { z } from 'zod';
import { accessTokenHolder } from '../auth/api-tokens.js';
import type { AppEnv, Deps } from '../context.js';
import type { User } from '../db/schema.js';
import { problem } from '../http/problem.js';
import { duration } from '../limits/wording.js';
import { broadcastChange } from '../messages/broadcasts.js';
import { roomHistory } from '../messages/latest.js';
import { appendedView, appendMessage, type MessageView } from '../messages/queries.js';
import { bodySchema, PAGE_SIZE } from '../messages/validation.js';
import { mayInRoom } from '../rooms/access.js';
import { findRoomBySlug } from '../rooms/queries.js';
import { CLOSE_SIGNED_OUT } from './hub.js';
import { takeSocketSlot } from './socket-slot.js';
import type { Change, FrameMemo, NoticeGroup, RoomListener } from './listener.js';
import { namesSentence } from '../../views/rooms/Notice.js';
import { sender } from './routes.js';
import { acceptSocket, type LiveSocket } from './upgrade.js';

/**
 * The old app's socket, unchanged on the wire: GET /ws/chat/<room>/?token=<access>. Every frame the
 * server sends has exactly the keys message_type, message, firstname, username and timestamp:
 * `old_data` (recent history, right after connect, to this socket only; `message` is the list),
 * `chat` (every new message, the sender's own included), `joined_chat` (join and leave notices;
 * `message` is the sentence to show) and `error` (a frame we could not take; the socket stays
 * usable). The client sends {"type":"new_message","message":"…"}. Messages sent this way are the
 * room's ordinary messages, with the same guarantees; edits and deletes are not part of this
 * protocol. The access token is checked at the handshake (no Origin check: the old client runs on
 * another origin and carries no ambient credential), and the socket closes (4001) when it expires.
 */
export interface LegacyFrame {
  message_type: 'old_data' | 'chat' | 'joined_chat' | 'error';
  message: string | LegacyItem[];
  firstname: string;
  username: string;
  timestamp: string;
}

export interface LegacyItem {
  message: string;
  firstname: string;
  username: string;
  timestamp: string;
}

const incomingSchema = z.object({ type: z.literal('new_message'), message: bodySchema });

const item = (message: MessageView): LegacyItem => ({
  message: message.body,
  firstname: message.author.firstName,
  username: message.author.username,
  timestamp: message.createdAt.toISOString(),
});

export function legacySocketRoutes(deps: Deps) {
  const { db, realtime, log, secret, metrics } = deps;

  return new Hono<AppEnv>().get(
    '/chat/:room',
    async (c, next) => {
      const token = c.req.query('token');
      const holder = token ? await accessTokenHolder(db, token, secret) : null;
      if (!holder) return problem(c, 401, 'Connect with ?token=<access token> (from POST /api/token/).');
      const room = await findRoomBySlug(db, c.req.param('room') ?? '');
      if (!room || !mayInRoom(holder.user, 'read', room)) return problem(c, 404, 'There is no such room.');
      c.set('user', holder.user);
      c.set('accessExpiresAt', holder.expiresAt);
      c.set('room', room);
      await next();
    },
    acceptSocket<AppEnv>('legacy', (c) => {
      const room = c.get('room');
      const user = c.get('user')!;
      const expiresAt = c.get('accessExpiresAt')!;
      let listener: RoomListener | undefined;
      let expiry: NodeJS.Timeout | undefined;
      // Through the same bound as the pages' sockets: a reader far behind is closed (1013).
      const frame = (ws: LiveSocket, value: LegacyFrame) => sender(ws)(JSON.stringify(value));
      const error = (ws: LiveSocket, message: string) =>
        frame(ws, { message_type: 'error', message, firstname: user.firstName, username: user.username, timestamp: new Date().toISOString() });

      let release = () => {};
      let inOrder: Promise<void> = Promise.resolve();
      return {
        async onOpen(ws) {
          release = takeSocketSlot(deps, user.id, ws);
          if (ws.readyState !== 1) return;
          expiry = setTimeout(() => ws.close(CLOSE_SIGNED_OUT, 'access token expired'), Math.max(0, expiresAt.getTime() - Date.now()));
          // History first (to this socket only), then live from the room's last seq as read at the
          // handshake: the history shows nothing past it, and everything after it comes live.
          const { lastSeq } = room;
          const { messages } = await roomHistory(db, { id: room.id, lastSeq }, PAGE_SIZE);
          const shown = messages.filter((message) => message.deletedAt === null && message.seq <= lastSeq);
          frame(ws, { message_type: 'old_data', message: shown.map(item), firstname: user.firstName, username: user.username, timestamp: new Date().toISOString() });
          listener = legacyListener(user, lastSeq, sender(ws), ws.corked, (code, reason) => ws.close(code, reason));
          realtime.hub.join(room.id, room.slug, listener).catch((joinError) => {
            log.error({ err: joinError, room: room.slug }, 'could not join an old-protocol socket to its room');
            ws.close(1011, 'join failed');
          });
        },
        // One client's messages are stored in the order it sent them: each frame waits for the one before.
        onMessage(data, ws) {
          inOrder = inOrder
            .then(() => store(data, ws))
            .catch((storeError: unknown) => {
              log.warn({ err: storeError, room: room.slug }, 'an old-protocol frame failed');
              error(ws, 'The message could not be stored; please send it again.');
            });
        },
        onClose() {
          release();
          clearTimeout(expiry);
          if (listener) realtime.hub.leave(room.id, listener);
        },
      };

      async function store(data: string | null, ws: LiveSocket) {
        let input: unknown;
        try {
          if (data === null) throw new SyntaxError('a binary frame');
          input = JSON.parse(data);
        } catch {
          metrics.rejected.inc({ action: 'send', via: 'legacy', reason: 'invalid' });
          return error(ws, 'That frame is not JSON. Send {"type":"new_message","message":"…"}.');
        }
        const parsed = incomingSchema.safeParse(input);
        if (!parsed.success) {
          metrics.rejected.inc({ action: 'send', via: 'legacy', reason: 'invalid' });
          const issue = parsed.error.issues[0]!;
          return error(ws, issue.path[0] === 'message' ? issue.message : 'Unknown frame. Send {"type":"new_message","message":"…"}.');
        }
        if (!mayInRoom(user, 'post', room)) {
          metrics.rejected.inc({ action: 'send', via: 'legacy', reason: 'forbidden' });
          return error(ws, 'You can read this room but not post in it.');
        }
        const verdict = await deps.limits.write(user.id);
        if (!verdict.ok) {
          metrics.rejected.inc({ action: 'send', via: 'legacy', reason: 'rate_limited' });
          return error(ws, `Slow down: this message was not sent. You can send again in ${duration(verdict.retryAfter)}.`);
        }
        try {
          const input = { roomId: room.id, authorId: user.id, body: parsed.data.message, clientId: null };
          const appended = await appendMessage(db, input);
          metrics.accepted.inc({ action: 'send', via: 'legacy' });
          broadcastChange(realtime, log, room.id, appended.seq, appendedView(input, appended, user));
        } catch (sendError) {
          metrics.rejected.inc({ action: 'send', via: 'legacy', reason: 'failed' });
          log.warn({ err: sendError, room: room.slug }, 'an old-protocol message could not be stored');
          error(ws, 'The message could not be stored; please send it again.');
        }
      }
    }),
  );
}

/** The room as the old protocol tells it: new messages and join/leave sentences, nothing else. */
function legacyListener(
  user: User,
  after: number,
  send: (frame: Buffer) => void,
  corked: (write: () => void) => void,
  close: (code: number, reason: string) => void,
): RoomListener {
  return {
    user,
    sessionId: null,
    lastSeq: after,
    catchUp: 'stream',
    changes(changes: Change[], after: number, _last: number, memo: FrameMemo) {
      // A frame per message (the protocol has no other form); several at once leave in one write.
      corked(() => {
        for (const { message } of changes) {
          // Only messages new to this socket (perhaps already edited: as they are now); the old
          // protocol knows nothing of edits and deletes of what it has shown.
          if (message.seq <= after || message.deletedAt !== null) continue;
          send(memo.get(`legacy ${message.updatedSeq}`, () => JSON.stringify({ message_type: 'chat', ...item(message) } satisfies LegacyFrame)));
        }
      });
    },
    people() {},
    notices(groups: NoticeGroup[], memo: FrameMemo) {
      // One frame per group: a crowd's arrivals read "Ada, Bob, Cy and 40 others joined the chat".
      corked(() =>
        groups.forEach(({ kind, notices }, i) => {
          const first = notices[0]!;
          const sentence = () => `${namesSentence(notices.map((notice) => notice.firstName))} ${kind} the chat`;
          const at = notices[notices.length - 1]!.at.toISOString();
          send(memo.get(`legacy notice ${i}`, () => JSON.stringify({ message_type: 'joined_chat', message: sentence(), firstname: first.firstName, username: first.username, timestamp: at } satisfies LegacyFrame)));
        }),
      );
    },
    reload() {},
    close,
  };
}
