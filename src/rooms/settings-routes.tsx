import { Hono } from 'hono';
import type { Context } from 'hono';
import { RoomSettingsPage, type RoomSettingsValues } from '../../views/rooms/RoomSettingsPage.js';
import { fieldErrors } from '../auth/validation.js';
import type { AppEnv, Deps } from '../context.js';
import { formFields } from '../http/forms.js';
import { wantsJson } from '../http/negotiate.js';
import { problem } from '../http/problem.js';
import { duration, retryAfter } from '../limits/wording.js';
import { mayInRoom } from './access.js';
import { broadcastRoomDeleted, broadcastRoomRenamed } from './broadcasts.js';
import { loadRoom } from './middleware.js';
import { deleteRoom, publicRoom, renameRoom } from './queries.js';
import { renameRoomSchema } from './validation.js';

/**
 * /lobby/<room>/edit/ and PATCH or DELETE /lobby/<room>/: an administrator renames or deletes a
 * room (src/rooms/access.ts says who). HTML forms POST with `_method`, like a message's.
 */
export function roomSettingsRoutes(deps: Deps) {
  const { db, realtime, log } = deps;

  function showSettings(c: Context<AppEnv>, values?: RoomSettingsValues, errors?: Record<string, string>, status: 200 | 422 | 429 = 200) {
    const user = c.get('user')!;
    const room = c.get('room');
    const deletable = mayInRoom(user, 'delete', room);
    c.header('Vary', 'Accept');
    if (wantsJson(c)) return status === 200 ? c.json({ room: publicRoom(room), deletable }) : problem(c, status, errors?.form ?? 'The room needs a few changes.', errors);
    return c.html(<RoomSettingsPage user={user} room={room} values={values} errors={errors} deletable={deletable} />, status);
  }

  /** Over the administrator's write budget: the sentence to show (and Retry-After is set); else null. */
  async function tooFast(c: Context<AppEnv>): Promise<string | null> {
    const verdict = await deps.limits.write(c.get('user')!.id);
    if (verdict.ok) return null;
    retryAfter(c, verdict.retryAfter);
    return `You are changing rooms too fast. Wait ${duration(verdict.retryAfter)} and try again.`;
  }

  async function rename(c: Context<AppEnv>, form: Record<string, string>) {
    const user = c.get('user')!;
    const room = c.get('room');
    if (!mayInRoom(user, 'rename', room)) return problem(c, 403, 'Only an administrator can rename a room.');
    const parsed = renameRoomSchema.safeParse(form);
    if (!parsed.success) return showSettings(c, form, fieldErrors(parsed.error), 422);
    const slowDown = await tooFast(c);
    if (slowDown) return showSettings(c, form, { form: slowDown }, 429);
    const renamed = await renameRoom(db, room.id, parsed.data);
    if (!renamed) return problem(c, 404, 'That room was deleted meanwhile.');
    log.info({ event: 'admin-room-renamed', adminId: user.id, targetId: room.id, slug: room.slug, name: renamed.name }, 'administrator renamed a room');
    await broadcastRoomRenamed(realtime, log, renamed);
    if (wantsJson(c)) return c.json(publicRoom(renamed));
    return c.redirect(`/lobby/${room.slug}/`, 303);
  }

  async function remove(c: Context<AppEnv>) {
    const user = c.get('user')!;
    const room = c.get('room');
    if (!mayInRoom(user, 'rename', room)) return problem(c, 403, 'Only an administrator can delete a room.');
    if (!mayInRoom(user, 'delete', room)) {
      return problem(c, 409, `${room.name} is one of the four rooms every Hubbub starts with: it can be renamed, not deleted, because the old app's clients open it by its address.`);
    }
    const slowDown = await tooFast(c);
    if (slowDown) return problem(c, 429, slowDown);
    const { deleted, messages } = await deleteRoom(db, room.id);
    if (!deleted) return problem(c, 404, 'That room was deleted already.');
    log.info({ event: 'admin-room-deleted', adminId: user.id, targetId: room.id, slug: room.slug, messages }, 'administrator deleted a room');
    await broadcastRoomDeleted(realtime, log, room.id);
    if (wantsJson(c)) return c.json({ deleted: true, slug: room.slug, messages_deleted: messages });
    return c.redirect('/lobby/', 303);
  }

  return new Hono<AppEnv>()
    .get('/:room/edit', loadRoom(deps), (c) => {
      if (!mayInRoom(c.get('user'), 'rename', c.get('room'))) return problem(c, 403, 'Only an administrator can change a room.');
      return showSettings(c);
    })
    .on(['PATCH', 'DELETE', 'POST'], '/:room', loadRoom(deps), async (c) => {
      const form = await formFields(c);
      // Plain HTML forms can only POST: they name the method in a hidden _method field.
      const method = c.req.method === 'POST' ? (form._method ?? '').toUpperCase() : c.req.method;
      if (method === 'PATCH') return rename(c, form);
      if (method === 'DELETE') return remove(c);
      return problem(c, 405, 'Rename (PATCH) or delete (DELETE) a room.');
    });
}
