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
 *   - Only a message's author edits it; its author or an administrator deletes it, in a room they
 *     may post in.
 *   - Only an administrator (src/admin/roles.ts) renames or deletes a room; the four rooms every
 *     Hubbub starts with are renamed but never deleted (the old app's client opens them by name).
 *
 * Where it is enforced: `loadRoom` (src/rooms/middleware.ts) asks `read` for every /lobby/<room>/…
 * route (page, history, send, edit, delete, transcript, event stream, page socket), and `post` too
 * for any method but GET and HEAD. A message's writes see the room as read by a write of the last
 * 30 s (`findRecentRoom`), and so do the pages' sockets while the instance follows the room: a rule on room fields that change must `forgetRoom` when they do, on
 * every instance (a rename and a deletion do, through the lobby's channel: src/realtime/lobby.ts). Not
 * readable is a 404, so a room one may not see cannot be told from one that does not exist;
 * readable but not `post` is a 403. The old socket asks `read` at
 * the handshake (404) and `post` for each frame (an error frame). Room creation asks `create`
 * (403). `changeMessage` (src/messages/queries.ts) asks `mayChangeMessage` (403). Renaming and
 * deleting a room ask `rename` and `delete` (src/rooms/settings-routes.tsx, 403).
 * Signed-out requests are turned away before any of these by `requireUser` (a 401, or a redirect
 * to sign in) and the old socket's token check (401).
 *
 * tests/integration/security/access.test.ts checks every route × {member, other user, anonymous,
 * guest, administrator} against this, and fails when a route is added without a row.
 *
 * Not covered here: the lobby (GET /lobby/ and its socket) lists every room to everyone signed in.
 * That matches `read` only while every room is readable by all; a private room would need the
 * lobby to filter its list through `mayInRoom` too.
 */
export type RoomAction = 'read' | 'post' | 'create' | 'rename' | 'delete';

/** The person asking: a signed-in user (account or guest) with the role they hold now, or nobody. */
export type Actor = (Pick<User, 'id' | 'isGuest'> & Partial<Pick<User, 'isAdmin'>>) | null | undefined;

/** The rooms of the first migration (drizzle/0001_seed_rooms.sql). */
export const SEEDED_ROOMS: ReadonlySet<string> = new Set(['game', 'study', 'movie', 'music']);

/** May this person read, post in, rename or delete (with `room`) or create (without) a room? */
export function mayInRoom(user: Actor, action: RoomAction, room?: Pick<Room, 'id' | 'slug'>): boolean {
  if (!user) return false;
  switch (action) {
    case 'read':
    case 'post':
      return room !== undefined;
    case 'create':
      return true;
    case 'rename':
      return room !== undefined && !!user.isAdmin;
    case 'delete':
      return room !== undefined && !!user.isAdmin && !SEEDED_ROOMS.has(room.slug);
  }
}

/** May this person edit (its author) or delete (its author, or an administrator) this message? */
export function mayChangeMessage(
  user: Pick<User, 'id'> & Partial<Pick<User, 'isAdmin'>> | null | undefined,
  message: Pick<Message, 'authorId'>,
  change: 'edit' | 'delete' = 'edit',
): boolean {
  if (!user) return false;
  return user.id === message.authorId || (change === 'delete' && !!user.isAdmin);
}
