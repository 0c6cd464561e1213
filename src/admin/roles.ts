import type { Config } from '../config.js';
import type { User } from '../db/schema.js';

/**
 * Who is an administrator: with ADMIN_USERNAMES set, exactly the accounts it names; otherwise the
 * first account ever made (`users.is_admin`, claimed once at sign-up, see src/auth/users.ts). Guests
 * never are. Decided at every request from the instance's configuration, so changing the list takes
 * effect when the instances restart, without touching the database.
 */
export function isAdmin(user: Pick<User, 'username' | 'isGuest' | 'isAdmin'>, config: Pick<Config, 'adminUsernames'>): boolean {
  if (user.isGuest) return false;
  if (config.adminUsernames.length > 0) return config.adminUsernames.includes(user.username.toLowerCase());
  return user.isAdmin;
}

/**
 * The signed-in user with `isAdmin` meaning the role they hold now (not the stored first-account
 * flag): `authenticate` puts this on the context, so pages, policy and routes read one answer.
 */
export function withRole(user: User, config: Pick<Config, 'adminUsernames'>): User {
  return { ...user, isAdmin: isAdmin(user, config) };
}
