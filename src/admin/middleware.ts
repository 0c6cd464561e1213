import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context.js';
import { problem } from '../http/problem.js';

/** After `requireUser`: anyone but an administrator gets 403 (a page or JSON, by Accept). */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get('user')?.isAdmin) return next();
  return problem(c, 403, 'Only an administrator can do that.');
});
