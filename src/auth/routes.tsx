import { Hono } from 'hono';
import type { Context } from 'hono';
import { SignInPage } from '../../views/auth/SignInPage.js';
import { SignUpPage } from '../../views/auth/SignUpPage.js';
import type { AppEnv, Deps } from '../context.js';
import type { User } from '../db/schema.js';
import { formFields } from '../http/forms.js';
import { wantsJson } from '../http/negotiate.js';
import { problem } from '../http/problem.js';
import { createGuest, signUp } from './accounts.js';
import { clearSessionCookie, writeSessionCookie } from './cookie.js';
import { ICONS, randomIcon } from './icons.js';
import { duration, retryAfter } from '../limits/wording.js';
import { ACCOUNT_DISABLED, attemptSignIn } from './sign-in.js';
import { publicUser } from './users.js';
import { revokeUserRefreshTokens } from './api-tokens.js';
import { createSession, invalidateSession, invalidateUserSessions, sessionPolicy } from './sessions.js';
import { fieldErrors, loginSchema, signupSchema } from './validation.js';

export function authRoutes(deps: Deps) {
  const { db, config } = deps;
  const policy = sessionPolicy(config);

  /** Ends a session on the server and closes the sockets it opened, on every instance. */
  async function endSession(sessionId: string) {
    await invalidateSession(db, sessionId);
    await deps.realtime.endSessions([sessionId]);
  }

  /**
   * A new session at every sign-in; any session the browser held before is ended, never adopted.
   * Browsers go on to the lobby; JSON clients get the user (and the session cookie).
   */
  async function signIn(c: Context<AppEnv>, user: User, status: 200 | 201 = 200) {
    const previous = c.get('session');
    if (previous) await endSession(previous.id);
    const { token, session } = await createSession(db, user.id, policy);
    deps.log.info({ event: 'session-started', userId: user.id, username: user.username, guest: user.isGuest, address: c.get('clientAddress') }, 'session started');
    writeSessionCookie(c, config, token, session.expiresAt);
    if (wantsJson(c)) return c.json({ user: publicUser(user) }, status);
    return c.redirect('/lobby/', 303);
  }

  /** Every account URL answers JSON too (Accept: application/json), so it varies by Accept. */
  const negotiated = <T,>(c: Context<AppEnv>, handle: () => T) => {
    c.header('Vary', 'Accept');
    return handle();
  };
  /** The per-address budget for account requests (sign-in, sign-up, guest); null when within it. */
  async function overBudget(c: Context<AppEnv>): Promise<string | null> {
    const verdict = await deps.limits.authRequest(c.get('clientAddress'));
    if (verdict.ok) return null;
    retryAfter(c, verdict.retryAfter);
    return `Too many attempts from your network. Wait ${duration(verdict.retryAfter)} and try again.`;
  }

  const signUpRules = {
    fields: {
      username: '3 to 32 letters, digits or underscores; not taken in any letter case, nor a look-alike of a taken name (I/l/1, O/0, rn/m, vv/w, cl/d)',
      first_name: 'required, up to 50 characters',
      last_name: 'optional, up to 50 characters',
      password: '8 to 256 characters, not a common password, not the username',
      icon: `one of the icons listed`,
    },
    icons: ICONS,
  };

  return new Hono<AppEnv>()
    .get('/', (c) =>
      negotiated(c, () => {
        const user = c.get('user');
        if (wantsJson(c)) return c.json({ user: user ? publicUser(user) : null });
        return user ? c.redirect('/lobby/', 303) : c.html(<SignInPage />);
      }),
    )
    .post('/login', async (c) =>
      negotiated(c, async () => {
        const form = await formFields(c);
        const busy = await overBudget(c);
        if (busy) {
          if (wantsJson(c)) return problem(c, 429, busy);
          return c.html(<SignInPage username={form.username} errors={{ form: busy }} />, 429);
        }
        const parsed = loginSchema.safeParse(form);
        if (!parsed.success) {
          const errors = fieldErrors(parsed.error);
          if (wantsJson(c)) return problem(c, 422, 'Some fields need attention.', errors);
          return c.html(<SignInPage username={form.username} errors={errors} />, 422);
        }
        const result = await attemptSignIn(deps, parsed.data.username, parsed.data.password, c.get('clientAddress'));
        if ('refused' in result && result.refused === 'disabled') {
          if (wantsJson(c)) return problem(c, 403, ACCOUNT_DISABLED);
          return c.html(<SignInPage username={form.username} errors={{ form: ACCOUNT_DISABLED }} />, 403);
        }
        if ('refused' in result) {
          const wait = result.refused === 'wait' ? result.retryAfter : 0;
          if (wait) retryAfter(c, wait);
          const message = wait
            ? `Too many wrong passwords for this username. Wait ${duration(wait)} and try again.`
            : 'That username and password do not match. Check both and try again.';
          if (wantsJson(c)) return problem(c, wait ? 429 : 401, message);
          return c.html(<SignInPage username={form.username} errors={{ form: message }} />, wait ? 429 : 401);
        }
        return signIn(c, result.user);
      }),
    )
    .post('/logout', async (c) =>
      negotiated(c, async () => {
        const session = c.get('session');
        if (session) await endSession(session.id);
        clearSessionCookie(c, config);
        if (wantsJson(c)) return c.json({ signed_out: true });
        return c.redirect('/', 303);
      }),
    )
    // Every browser and client of the person: all sessions end (their sockets close with 4001 on
    // every instance) and all refresh tokens are revoked; an access token already issued lives out its
    // few minutes (ACCESS_TOKEN_SECONDS) and its old-protocol socket closes when it expires.
    .post('/logout/everywhere', async (c) =>
      negotiated(c, async () => {
        const user = c.get('user');
        if (user) {
          const ended = await invalidateUserSessions(db, user.id);
          await revokeUserRefreshTokens(db, user.id);
          await deps.realtime.endSessions(ended);
          deps.log.info({ event: 'signed-out-everywhere', userId: user.id, sessions: ended.length, address: c.get('clientAddress') }, 'signed out everywhere');
        }
        clearSessionCookie(c, config);
        if (wantsJson(c)) return c.json({ signed_out: true, everywhere: true });
        return c.redirect('/', 303);
      }),
    )
    .get('/signup', (c) =>
      negotiated(c, () => {
        if (wantsJson(c)) return c.json(signUpRules);
        return c.get('user') ? c.redirect('/lobby/', 303) : c.html(<SignUpPage values={{ icon: randomIcon() }} />);
      }),
    )
    .post('/signup', async (c) =>
      negotiated(c, async () => {
        const form = await formFields(c);
        const busy = await overBudget(c);
        if (busy) {
          if (wantsJson(c)) return problem(c, 429, busy);
          return c.html(<SignUpPage values={form} errors={{ form: busy }} />, 429);
        }
        const parsed = signupSchema.safeParse(form);
        if (!parsed.success) {
          const errors = fieldErrors(parsed.error);
          if (wantsJson(c)) return problem(c, 422, 'Some fields need attention.', errors);
          return c.html(<SignUpPage values={form} errors={errors} />, 422);
        }
        const result = await signUp(db, parsed.data);
        if ('taken' in result) {
          const errors = { username: `The username ${parsed.data.username} is taken, or looks too much like one that is; choose another.` };
          if (wantsJson(c)) return problem(c, 409, 'That username is taken.', errors);
          return c.html(<SignUpPage values={form} errors={errors} />, 409);
        }
        return signIn(c, result.user, 201);
      }),
    )
    .post('/guest', async (c) =>
      negotiated(c, async () => {
        const busy = await overBudget(c);
        if (!busy) return signIn(c, await createGuest(db), 201);
        if (wantsJson(c)) return problem(c, 429, busy);
        return c.html(<SignInPage errors={{ form: busy }} />, 429);
      }),
    );
}
