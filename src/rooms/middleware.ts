import type { MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv, Deps } from '../context.js';
import { problem } from '../http/problem.js';
import { findRoomBySlug } from './queries.js';

/** Puts the room named in the path on the context; an unknown room is a friendly 404. */
export function loadRoom({ db }: Deps): MiddlewareHandler<AppEnv> {
  return createMiddleware<AppEnv>(async (c, next) => {
    const slug = c.req.param('room') ?? '';
    const room = await findRoomBySlug(db, slug);
    if (!room) return problem(c, 404, `There is no room called “${slug}”. Pick one from the lobby.`);
    c.set('room', room);
    await next();
  });
}
