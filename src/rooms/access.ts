import type { Message, Room, User } from '../db/schema.js';

/**
 * Who may see or write a room: the one place it is decided. Every route that reads or writes a room
 * asks here; nothing else grants access.
 *
 * The policy today (rooms are open, like the old app's):
 *   - Signed out: nothing. No room is read, posted in or created without a person (an account or
 *     a guest) behind the request.
 *   - Anyone signed in, account or guest, reads every room (page, history, transcript, event stream,
 *     both sockets) and posts in every room (form, JSON, the old socket's frames).
 *   - Anyone signed in, guests included, creates rooms.
 *   - Only a message's author edits or deletes it, and only in a room they may post in.
 *
 * Where it is enforced: `loadRoom` (src/rooms/middleware.ts) asks `read` for every /lobby/<room>/…
 * route (page, history, send, edit, delete, transcript, event stream, page socket), and `post` too
 * for any method but GET and HEAD. Not readable is a 404, so a room one may not see cannot be told
 * from one that does not exist; readable but not `post` is a 403. The old socket asks `read` at
 * the handshake (404) and `post` for each frame (an error frame). Room creation asks `create`
 * (403). `changeMessage` (src/messages/queries.ts) asks `mayChangeMessage` (403).
 * Signed-out requests are turned away before any of these by `requireUser` (a 401, or a redirect
 * to sign in) and the old socket's token check (401).
 *
 * tests/integration/security/access.test.ts checks every route × {member, other user, anonymous,
 * guest} against this, and fails when a route is added without a row.
 *
 * Not covered here: the lobby (GET /lobby/ and its socket) lists every room to everyone signed in.
 * That matches `read` only while every room is readable by all; a private room would need the
 * lobby to filter its list through `mayInRoom` too.
 */
export type RoomAction = 'read' | 'post' | 'create';

/** The person asking: a signed-in user (account or guest), or nobody. */
export type Actor = Pick<User, 'id' | 'isGuest'> | null | undefined;

/** May this person read, post in (with `room`) or create (without) a room? */
export function mayInRoom(user: Actor, action: RoomAction, room?: Pick<Room, 'id'>): boolean {
  if (!user) return false;
  switch (action) {
    case 'read':
    case 'post':
      return room !== undefined;
    case 'create':
      return true;
  }
}

/** May this person edit or delete this message? Only its author. */
export function mayChangeMessage(user: Pick<User, 'id'> | null | undefined, message: Pick<Message, 'authorId'>): boolean {
  return !!user && user.id === message.authorId;
}
