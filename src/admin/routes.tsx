import { Hono } from 'hono';
import type { Context } from 'hono';
import { z } from 'zod';
import { AdminPage, type Person } from '../../views/admin/AdminPage.js';
import { findUserByUsername, publicUser } from '../auth/users.js';
import type { AppEnv, Deps } from '../context.js';
import type { User } from '../db/schema.js';
import { formFields } from '../http/forms.js';
import { wantsJson } from '../http/negotiate.js';
import { problem } from '../http/problem.js';
import { duration, retryAfter } from '../limits/wording.js';
import { disableUser, enableUser, listPeople } from './queries.js';
import { isAdmin } from './roles.js';

const LISTED = 100;
const searchSchema = z.object({ q: z.string().trim().max(64).catch(''), done: z.enum(['disabled', 'enabled']).optional().catch(undefined), who: z.string().regex(/^\w{1,64}$/).optional().catch(undefined) });

/** /admin/: the people, and disabling or enabling one (behind requireUser and requireAdmin, see app.tsx). */
export function adminRoutes(deps: Deps) {
  const { db, config, realtime, log } = deps;
  const asPerson = (user: User): Person => ({ ...user, admin: isAdmin(user, config) });
  const asJson = (user: User) => ({ ...publicUser(user), is_admin: isAdmin(user, config), disabled_at: user.disabledAt?.toISOString() ?? null });

  /** Over the administrator's write budget: the sentence to show (and Retry-After is set); else null. */
  async function tooFast(c: Context<AppEnv>): Promise<string | null> {
    const verdict = await deps.limits.write(c.get('user')!.id);
    if (verdict.ok) return null;
    retryAfter(c, verdict.retryAfter);
    return `You are changing accounts too fast. Wait ${duration(verdict.retryAfter)} and try again.`;
  }

  return new Hono<AppEnv>()
    .get('/', async (c) => {
      const { q, done, who } = searchSchema.parse(c.req.query());
      const found = await listPeople(db, q, LISTED + 1);
      const people = found.slice(0, LISTED);
      c.header('Vary', 'Accept');
      if (wantsJson(c)) return c.json({ people: people.map(asJson), more: found.length > LISTED });
      const doneText = done && who ? `@${who} is ${done === 'disabled' ? 'disabled: signed out everywhere, and cannot sign in' : 'enabled: they can sign in again'}.` : undefined;
      return c.html(<AdminPage user={c.get('user')!} people={people.map(asPerson)} search={q} more={found.length > LISTED} done={doneText} />);
    })
    // POST disables; DELETE (or a form's _method=DELETE) enables again.
    .on(['POST', 'DELETE'], '/people/:username/disabled', async (c) => {
      const admin = c.get('user')!;
      const form = await formFields(c);
      const disable = (c.req.method === 'POST' ? (form._method ?? 'POST').toUpperCase() : c.req.method) === 'POST';
      const target = await findUserByUsername(db, c.req.param('username'));
      if (!target) return problem(c, 404, `There is nobody called @${c.req.param('username')}.`);
      // An administrator keeps the way back in: no one disables themself or another administrator.
      if (disable && isAdmin(target, config)) return problem(c, 403, 'Administrators cannot be disabled (yourself included).');
      const slowDown = await tooFast(c);
      if (slowDown) return problem(c, 429, slowDown);
      let sessionsEnded = 0;
      if (disable) {
        const ended = await disableUser(db, target.id);
        sessionsEnded = ended.length;
        await realtime.endSessions(ended, [target.id]);
      } else {
        await enableUser(db, target.id);
      }
      log.info({ event: disable ? 'admin-user-disabled' : 'admin-user-enabled', adminId: admin.id, targetId: target.id, sessionsEnded }, disable ? 'administrator disabled an account' : 'administrator enabled an account');
      const now = (await findUserByUsername(db, target.username)) ?? target;
      if (wantsJson(c)) return c.json({ user: asJson(now), sessions_ended: sessionsEnded });
      return c.redirect(`/admin/?done=${disable ? 'disabled' : 'enabled'}&who=${encodeURIComponent(target.username)}#person-${target.username}`, 303);
    });
}
