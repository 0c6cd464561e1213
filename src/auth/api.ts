import { Hono } from 'hono';
import type { z } from 'zod';
import type { AppEnv, Deps } from '../context.js';
import { jsonBody } from '../http/forms.js';
import { problem } from '../http/problem.js';
import { authenticate, signUp } from './accounts.js';
import { issueTokenPair, rotateRefreshToken } from './api-tokens.js';
import { publicUser } from './users.js';
import { apiSignupSchema, fieldErrors, loginSchema, refreshSchema } from './validation.js';

/** The old app's JSON API, path for path: signup, token, token refresh. */
export function apiAuthRoutes({ db, config, secret }: Deps) {
  const policy = { secret, refreshMaxAge: config.refreshTokenMaxAge };

  async function parse<T>(c: Parameters<typeof problem>[0], schema: z.ZodType<T>) {
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
        return problem(c, 409, 'That username is taken.', { username: 'That username is taken; choose another.' });
      }
      return c.json(publicUser(result.user), 200);
    })
    .post('/token', async (c) => {
      const input = await parse(c, loginSchema);
      if (!input.data) return input.response;
      const user = await authenticate(db, input.data.username, input.data.password);
      if (!user) return problem(c, 401, 'No active account found with the given credentials.');
      return c.json(await issueTokenPair(db, user, policy));
    })
    .post('/token/refresh', async (c) => {
      const input = await parse(c, refreshSchema);
      if (!input.data) return input.response;
      const pair = await rotateRefreshToken(db, input.data.refresh, policy);
      if (!pair) return problem(c, 401, 'The refresh token is invalid, expired or already used. Sign in again.');
      return c.json(pair);
    });
}
