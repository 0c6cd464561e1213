import type { Db } from '../db/client.js';
import type { User } from '../db/schema.js';
import { guestName } from './guests.js';
import { randomIcon } from './icons.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { findLookAlike, findUserByUsername, insertUser } from './users.js';
import type { SignupInput } from './validation.js';

export type SignupResult = { user: User } | { taken: true };

export async function signUp(db: Db, input: SignupInput): Promise<SignupResult> {
  // Cheap early answer for the common case; the unique index still decides under a race.
  if ((await findUserByUsername(db, input.username)) || (await findLookAlike(db, input.username))) return { taken: true };
  const user = await insertUser(db, {
    username: input.username,
    firstName: input.first_name,
    lastName: input.last_name,
    icon: input.icon,
    passwordHash: await hashPassword(input.password),
  });
  return user ? { user } : { taken: true };
}

/** The user for these credentials, or null; unknown names and wrong passwords cost the same. */
export async function authenticate(db: Db, username: string, password: string): Promise<User | null> {
  const user = await findUserByUsername(db, username);
  const valid = await verifyPassword(user?.passwordHash, password);
  return valid && user ? user : null;
}

/** A fresh guest with a readable name and a random icon; guests have no password at all. */
export async function createGuest(db: Db): Promise<User> {
  for (;;) {
    const name = guestName();
    const user = await insertUser(db, {
      username: name.username,
      firstName: name.firstName,
      lastName: name.lastName,
      icon: randomIcon(),
      passwordHash: null,
      isGuest: true,
    });
    if (user) return user;
  }
}
