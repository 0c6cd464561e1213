import type { Context, MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv, Deps } from '../context.js';
import { problem } from '../http/problem.js';
import { mayInRoom } from './access.js';
import type { Room } from '../db/schema.js';
import { findRecentRoom, findRoomBySlug } from './queries.js';

const READS = new Set(['GET', 'HEAD']);

/** The friendly 404 of a room that does not exist (or that this person may not read). */
export const noSuchRoom = (c: Context<AppEnv>, slug: string) => problem(c, 404, `There is no room called “${slug}”. Pick one from the lobby.`);

/**
 * Puts the room named in the path on the context; an unknown room is a friendly 404. Access is
 * decided by `mayInRoom` (src/rooms/access.ts): a room the user may not read answers the same 404,
 * so its existence is not given away; any method but GET and HEAD also needs `post` (else 403).
 * With `recent`, the room may be as read in the last 30 s (`findRecentRoom`): for writes, or for any
 * request when that read is `recent(room)`. Its handlers rely only on the room's identity (not its
 * last_seq) and answer a room deleted meanwhile themselves.
 */
export function loadRoom({ db }: Deps, { recent }: { recent?: 'writes' | ((room: Room) => boolean) } = {}): MiddlewareHandler<AppEnv> {
  return createMiddleware<AppEnv>(async (c, next) => {
    const slug = c.req.param('room') ?? '';
    const write = !READS.has(c.req.method);
    const room =
      typeof recent === 'function' ? await findRecentRoom(db, slug, recent) : recent === 'writes' && write ? await findRecentRoom(db, slug) : await findRoomBySlug(db, slug);
    if (!room || !mayInRoom(c.get('user'), 'read', room)) return noSuchRoom(c, slug);
    if (write && !mayInRoom(c.get('user'), 'post', room)) return problem(c, 403, 'You can read this room but not post in it.');
    c.set('room', room);
    await next();
  });
}
