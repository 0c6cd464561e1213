import type { Deps } from '../context.js';
import type { User } from '../db/schema.js';
import { authenticate } from './accounts.js';

export type SignInResult = { user: User } | { refused: 'credentials' } | { refused: 'disabled' } | { refused: 'wait'; retryAfter: number };

/** Told only to someone who knows the password: anyone else hears "do not match", as for any account. */
export const ACCOUNT_DISABLED = 'This account has been disabled by an administrator.';

/**
 * Checks a username and password, with per-account throttling: after a few wrong passwords each
 * further try for that name must wait (1 s, 2 s, 4 s … up to 60 s), whether or not the account
 * exists, so the waits reveal nothing. Every attempt is logged with the name, the client address and
 * the outcome, never the password.
 */
export async function attemptSignIn(deps: Pick<Deps, 'db' | 'limits' | 'log'>, username: string, password: string, address: string): Promise<SignInResult> {
  const { db, limits, log } = deps;
  const record = (outcome: string) => log.info({ event: 'sign-in', username, address, outcome }, 'sign-in attempt');
  const allowed = await limits.signinAllowed(username);
  if (!allowed.ok) {
    record('throttled');
    return { refused: 'wait', retryAfter: allowed.retryAfter };
  }
  const user = await authenticate(db, username, password);
  if (!user) {
    await limits.signinFailed(username);
    record('wrong-credentials');
    return { refused: 'credentials' };
  }
  if (user.disabledAt) {
    record('disabled');
    return { refused: 'disabled' };
  }
  await limits.signinSucceeded(username);
  record('success');
  return { user };
}
