import { Hono } from 'hono';
import type { Context } from 'hono';
import { SignInPage } from '../../views/auth/SignInPage.js';
import { SignUpPage } from '../../views/auth/SignUpPage.js';
import type { AppEnv, Deps } from '../context.js';
import type { User } from '../db/schema.js';
import { formFields } from '../http/forms.js';
import { authenticate, createGuest, signUp } from './accounts.js';
import { clearSessionCookie, writeSessionCookie } from './cookie.js';
import { randomIcon } from './icons.js';
import { createSession, invalidateSession, sessionPolicy } from './sessions.js';
import { fieldErrors, loginSchema, signupSchema } from './validation.js';

export function authRoutes(deps: Deps) {
  const { db, config } = deps;
  const policy = sessionPolicy(config);

  /** Ends a session on the server and closes the sockets it opened, on every instance. */
  async function endSession(sessionId: string) {
    await invalidateSession(db, sessionId);
    await deps.realtime.endSessions([sessionId]);
  }

  /** A new session at every sign-in; any session the browser held before is ended, never adopted. */
  async function signIn(c: Context<AppEnv>, user: User) {
    const previous = c.get('session');
    if (previous) await endSession(previous.id);
    const { token, session } = await createSession(db, user.id, policy);
    writeSessionCookie(c, config, token, session.expiresAt);
    return c.redirect('/lobby/', 303);
  }

  return new Hono<AppEnv>()
    .get('/', (c) => (c.get('user') ? c.redirect('/lobby/', 303) : c.html(<SignInPage />)))
    .post('/login', async (c) => {
      const form = await formFields(c);
      const parsed = loginSchema.safeParse(form);
      if (!parsed.success) {
        return c.html(<SignInPage username={form.username} errors={fieldErrors(parsed.error)} />, 422);
      }
      const user = await authenticate(db, parsed.data.username, parsed.data.password);
      if (!user) {
        const errors = { form: 'That username and password do not match. Check both and try again.' };
        return c.html(<SignInPage username={form.username} errors={errors} />, 401);
      }
      return signIn(c, user);
    })
    .post('/logout', async (c) => {
      const session = c.get('session');
      if (session) await endSession(session.id);
      clearSessionCookie(c, config);
      return c.redirect('/', 303);
    })
    .get('/signup', (c) =>
      c.get('user') ? c.redirect('/lobby/', 303) : c.html(<SignUpPage values={{ icon: randomIcon() }} />),
    )
    .post('/signup', async (c) => {
      const form = await formFields(c);
      const parsed = signupSchema.safeParse(form);
      if (!parsed.success) {
        return c.html(<SignUpPage values={form} errors={fieldErrors(parsed.error)} />, 422);
      }
      const result = await signUp(db, parsed.data);
      if ('taken' in result) {
        const errors = { username: `The username ${parsed.data.username} is taken; choose another.` };
        return c.html(<SignUpPage values={form} errors={errors} />, 409);
      }
      return signIn(c, result.user);
    })
    .post('/guest', async (c) => signIn(c, await createGuest(db)));
}
