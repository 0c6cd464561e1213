import { Hono } from 'hono';
import type { Context } from 'hono';
import { AccountPage } from '../../views/account/AccountPage.js';
import type { AppEnv, Deps } from '../context.js';
import { formFields } from '../http/forms.js';
import { wantsJson } from '../http/negotiate.js';
import { problem } from '../http/problem.js';
import { duration, retryAfter } from '../limits/wording.js';
import { revokeUserRefreshTokens } from './api-tokens.js';
import { hashPassword, isGuessableHere, verifyPassword } from './passwords.js';
import { invalidateOtherSessions } from './sessions.js';
import { updatePasswordHash } from './users.js';
import { type FieldErrors, fieldErrors, passwordChangeSchema } from './validation.js';

/** /account/: the person's own account page, and changing the password. */
export function accountRoutes(deps: Deps) {
  const { db, limits, log } = deps;

  function refuse(c: Context<AppEnv>, status: 401 | 403 | 422 | 429, errors: FieldErrors) {
    const message = errors.form ?? 'Some fields need attention.';
    if (wantsJson(c)) return problem(c, status, message, errors);
    return c.html(<AccountPage user={c.get('user')!} errors={errors} />, status);
  }

  return new Hono<AppEnv>()
    .get('/', (c) => c.html(<AccountPage user={c.get('user')!} done={c.req.query('changed') === 'password' ? 'Your password is changed, and your other sessions are signed out.' : undefined} />))
    // The current password proves it is the person, not someone at an unlocked screen: it counts
    // towards the same per-account throttle as signing in. The session in use stays; every other
    // session and every refresh token ends (whoever else held them must sign in with the new one).
    .post('/password', async (c) => {
      const user = c.get('user')!;
      if (user.isGuest) return refuse(c, 403, { form: 'Guests have no password. Create an account to keep one.' });
      const parsed = passwordChangeSchema.safeParse(await formFields(c));
      if (!parsed.success) return refuse(c, 422, fieldErrors(parsed.error));
      const { current_password: current, new_password: next } = parsed.data;
      if (isGuessableHere(next, [user.username, user.firstName, user.lastName])) {
        return refuse(c, 422, { new_password: 'Choose a password that is not your name or the name of this site, even with digits added.' });
      }
      const allowed = await limits.signinAllowed(user.username);
      if (!allowed.ok) {
        retryAfter(c, allowed.retryAfter);
        return refuse(c, 429, { form: `Too many wrong passwords. Wait ${duration(allowed.retryAfter)} and try again.` });
      }
      if (!(await verifyPassword(user.passwordHash, current))) {
        await limits.signinFailed(user.username);
        return refuse(c, 422, { current_password: 'That is not your current password.' });
      }
      await updatePasswordHash(db, user.id, await hashPassword(next));
      const ended = await invalidateOtherSessions(db, user.id, c.get('session')?.id ?? '');
      await revokeUserRefreshTokens(db, user.id);
      await deps.realtime.endSessions(ended);
      log.info({ event: 'password-changed', userId: user.id, sessionsEnded: ended.length, address: c.get('clientAddress') }, 'password changed');
      if (wantsJson(c)) return c.json({ password_changed: true, sessions_ended: ended.length });
      return c.redirect('/account/?changed=password', 303);
    });
}
