import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { RoomPage } from '../../views/rooms/RoomPage.js';
import { findUsersByIds, publicUser } from '../auth/users.js';
import type { AppEnv, Deps } from '../context.js';
import { wantsJson } from '../http/negotiate.js';
import { roomHistory } from '../messages/latest.js';
import { publicMessage } from '../messages/queries.js';
import { PAGE_SIZE } from '../messages/validation.js';
import { publicRoom } from './queries.js';

/**
 * The chatroom as a page (or JSON): the newest messages, who is here, and the composer, optionally
 * holding a refused message and its error. The room (and its last seq) was read before the messages,
 * so the socket's `after` never claims a change the page does not show.
 */
export async function showRoom(
  c: Context<AppEnv>,
  { db, realtime, config, log }: Deps,
  composer: { body?: string; error?: string; clientId?: string } = {},
  status: ContentfulStatusCode = 200,
) {
  const user = c.get('user')!;
  const room = c.get('room');
  const [{ messages, hasOlder }, memberIds] = await Promise.all([
    roomHistory(db, room, PAGE_SIZE),
    // Presence lives in Redis when scaled: while Redis is away the page still opens, listing nobody.
    realtime.presence.members(room.id).catch((error: unknown) => {
      log.warn({ err: error, roomId: room.id }, 'presence unavailable');
      return [] as number[];
    }),
  ]);
  const people = await findUsersByIds(db, memberIds);
  c.header('Vary', 'Accept');
  if (wantsJson(c)) {
    return c.json({
      room: publicRoom(room),
      messages: messages.map((message) => publicMessage(message, room.slug)),
      has_older: hasOlder,
      people: people.map(publicUser),
    });
  }
  return c.html(
    <RoomPage
      user={user}
      room={room}
      lastSeq={room.lastSeq}
      messages={messages}
      hasOlder={hasOlder}
      people={people}
      pingIntervalMs={config.pingIntervalMs}
      composer={{ clientId: composer.clientId ?? randomUUID(), body: composer.body, error: composer.error }}
    />,
    status,
  );
}
