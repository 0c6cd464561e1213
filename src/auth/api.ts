import { Hono } from 'hono';
import type { z } from 'zod';
import type { AppEnv, Deps } from '../context.js';
import { jsonBody } from '../http/forms.js';
import { problem } from '../http/problem.js';
import { duration, retryAfter } from '../limits/wording.js';
import { signUp } from './accounts.js';
import { issueTokenPair, rotateRefreshToken } from './api-tokens.js';
import { ACCOUNT_DISABLED, attemptSignIn } from './sign-in.js';
import { publicUser } from './users.js';
import { apiSignupSchema, fieldErrors, loginSchema, refreshSchema } from './validation.js';

/** The old app's JSON API, path for path: signup, token, token refresh. */
export function apiAuthRoutes(deps: Deps) {
  const { db, config, secret, limits } = deps;
  const policy = { secret, refreshMaxAge: config.refreshTokenMaxAge };

  /** Every call here spends from the client address's budget for account requests first. */
  async function parse<T>(c: Parameters<typeof problem>[0], schema: z.ZodType<T>) {
    const verdict = await limits.authRequest(c.get('clientAddress'));
    if (!verdict.ok) {
      retryAfter(c, verdict.retryAfter);
      return { response: problem(c, 429, `Too many attempts from your network. Wait ${duration(verdict.retryAfter)} and try again.`) };
    }
    const body = await jsonBody(c);
    if (!body.ok) return { response: problem(c, body.status, body.error) };
    const parsed = schema.safeParse(body.body);
    if (!parsed.success) {
      return { response: problem(c, 400, 'Some fields need attention.', fieldErrors(parsed.error)) };
    }
    return { data: parsed.data };
  }

  return new Hono<AppEnv>()
    .post('/signup', async (c) => {
      const input = await parse(c, apiSignupSchema);
      if (!input.data) return input.response;
      const result = await signUp(db, input.data);
      if ('taken' in result) {
        return problem(c, 409, 'That username is taken.', { username: 'That username is taken, or looks too much like one that is; choose another.' });
      }
      return c.json(publicUser(result.user), 200);
    })
    .post('/token', async (c) => {
      const input = await parse(c, loginSchema);
      if (!input.data) return input.response;
      const result = await attemptSignIn(deps, input.data.username, input.data.password, c.get('clientAddress'));
      if ('user' in result) return c.json(await issueTokenPair(db, result.user, policy));
      if (result.refused === 'disabled') return problem(c, 403, ACCOUNT_DISABLED);
      if (result.refused === 'credentials') return problem(c, 401, 'No active account found with the given credentials.');
      retryAfter(c, result.retryAfter);
      return problem(c, 429, `Too many wrong passwords for this username. Wait ${duration(result.retryAfter)} and try again.`);
    })
    .post('/token/refresh', async (c) => {
      const input = await parse(c, refreshSchema);
      if (!input.data) return input.response;
      const pair = await rotateRefreshToken(db, input.data.refresh, policy);
      if (!pair) return problem(c, 401, 'The refresh token is invalid, expired or already used. Sign in again.');
      return c.json(pair);
    });
}
