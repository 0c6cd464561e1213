import { Hono } from 'hono';
import type { Context } from 'hono';
import { LobbyPage, type NewRoomValues } from '../../views/lobby/LobbyPage.js';
import { publicUser } from '../auth/users.js';
import type { AppEnv, Deps } from '../context.js';
import { fieldErrors } from '../auth/validation.js';
import { formFields } from '../http/forms.js';
import { htmlPage } from '../http/html.js';
import { wantsJson } from '../http/negotiate.js';
import { problem } from '../http/problem.js';
import { duration, retryAfter } from '../limits/wording.js';
import { mayInRoom } from './access.js';
import { loadRoom } from './middleware.js';
import { showRoom } from './page.js';
import { insertRoom, listRooms, publicRoom } from './queries.js';
import { createRoomSchema } from './validation.js';

export function roomRoutes(deps: Deps) {
  const { db, realtime } = deps;

  async function showLobby(c: Context<AppEnv>, newRoom?: NewRoomValues, errors?: Record<string, string>, status: 200 | 409 | 422 | 429 = 200) {
    const user = c.get('user')!;
    const [rooms, counts] = await Promise.all([
      listRooms(db),
      // While Redis is away the lobby still opens, without "N people here".
      realtime.presence.counts().catch((error: unknown) => {
        deps.log.warn({ err: error }, 'presence unavailable');
        return new Map<number, number>();
      }),
    ]);
    c.header('Vary', 'Accept');
    if (wantsJson(c)) {
      return c.json({ user: publicUser(user), rooms: rooms.map((room) => publicRoom(room, counts.get(room.id) ?? 0)) });
    }
    return htmlPage(c, <LobbyPage user={user} rooms={rooms} counts={counts} newRoom={newRoom} errors={errors} pingIntervalMs={deps.config.pingIntervalMs} />, status);
  }

  return new Hono<AppEnv>()
    .get('/', (c) => showLobby(c))
    .post('/', async (c) => {
      if (!mayInRoom(c.get('user'), 'create')) return problem(c, 403, 'You cannot create rooms.');
      const form = await formFields(c);
      const parsed = createRoomSchema.safeParse(form);
      if (!parsed.success) {
        if (wantsJson(c)) return problem(c, 422, 'The room needs a few changes.', fieldErrors(parsed.error));
        return showLobby(c, form, fieldErrors(parsed.error), 422);
      }
      const verdict = await deps.limits.write(c.get('user')!.id);
      if (!verdict.ok) {
        retryAfter(c, verdict.retryAfter);
        const slowDown = `You are creating rooms too fast. Wait ${duration(verdict.retryAfter)} and try again.`;
        if (wantsJson(c)) return problem(c, 429, slowDown);
        return showLobby(c, form, { form: slowDown }, 429);
      }
      const room = await insertRoom(db, { ...parsed.data, createdBy: c.get('user')!.id });
      if (!room) {
        const taken = { name: `There is already a room at /lobby/${parsed.data.slug}/; choose another name.` };
        if (wantsJson(c)) return problem(c, 409, 'That room exists already.', taken);
        return showLobby(c, form, taken, 409);
      }
      await realtime.lobby.changed();
      if (wantsJson(c)) return c.json(publicRoom(room, 0), 201);
      return c.redirect(`/lobby/${room.slug}/`, 303);
    })
    .get('/:room', loadRoom(deps), (c) => showRoom(c, deps));
}
