import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { raw } from 'hono/html';
import { RoomMessages, RoomPage } from '../../views/rooms/RoomPage.js';
import type { User } from '../db/schema.js';
import { findPeopleByIds, publicUser } from '../auth/users.js';
import type { AppEnv, Deps } from '../context.js';
import { htmlBytes } from '../http/html.js';
import { wantsJson } from '../http/negotiate.js';
import { type HistoryPage, roomHistory } from '../messages/latest.js';
import { publicMessage } from '../messages/queries.js';
import { controlsFor } from '../../views/messages/MessageItem.js';
import { PAGE_SIZE } from '../messages/validation.js';
import { publicRoom } from './queries.js';

// Where the kept message list goes in a rendered page: a comment no text in the page can forge (all
// of it is escaped), unique to this process.
const LIST_SLOT = `<!--message-list-${randomUUID()}-->`;
// Forms of one list kept per state: everyone but the authors of its messages (and administrators)
// shares one; past this many, a reader's own form is rendered for them alone.
const FORMS_PER_STATE = 16;
const lists = new WeakMap<HistoryPage, Map<string, Buffer>>();

/**
 * A room page's message list as UTF-8 bytes, kept with the page of history it shows (the newest
 * page is one object per state of the room, src/messages/latest.ts), per form of the list: which of
 * its messages the reader may edit or delete.
 */
function messageList(history: HistoryPage, user: User, roomSlug: string): Buffer {
  const forms = lists.get(history) ?? new Map<string, Buffer>();
  lists.set(history, forms);
  const key = `${roomSlug} ${history.messages.map((message) => controlsFor(user, message)).join(',')}`;
  let list = forms.get(key);
  if (!list) {
    list = Buffer.from(String(<RoomMessages user={user} roomSlug={roomSlug} messages={history.messages} hasOlder={history.hasOlder} />));
    if (forms.size < FORMS_PER_STATE) forms.set(key, list);
  }
  return list;
}

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
  const [history, memberIds] = await Promise.all([
    roomHistory(db, room, PAGE_SIZE),
    // Presence lives in Redis when scaled: while Redis is away the page still opens, listing nobody.
    realtime.presence.members(room.id).catch((error: unknown) => {
      log.warn({ err: error, roomId: room.id }, 'presence unavailable');
      return [] as number[];
    }),
  ]);
  const people = await findPeopleByIds(db, memberIds);
  c.header('Vary', 'Accept');
  if (wantsJson(c)) {
    return c.json({
      room: publicRoom(room),
      messages: history.messages.map((message) => publicMessage(message, room.slug)),
      has_older: history.hasOlder,
      people: people.map(publicUser),
    });
  }
  const page = String(
    <RoomPage
      user={user}
      room={room}
      lastSeq={room.lastSeq}
      people={people}
      pingIntervalMs={config.pingIntervalMs}
      composer={{ clientId: composer.clientId ?? randomUUID(), body: composer.body, error: composer.error }}
      list={raw(LIST_SLOT)}
    />,
  );
  const at = page.indexOf(LIST_SLOT);
  return htmlBytes(c, [page.slice(0, at), messageList(history, user, room.slug), page.slice(at + LIST_SLOT.length)], status);
}
