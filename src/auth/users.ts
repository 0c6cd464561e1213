import { eq, sql } from 'drizzle-orm';
import { keyedReader } from '../db/prepared.js';
import type { Db } from '../db/client.js';
import { settings, type User, users } from '../db/schema.js';
import { usernameSkeleton } from './usernames.js';

export type NewUser = Pick<User, 'username' | 'firstName' | 'lastName' | 'icon'> & {
  passwordHash: string | null;
  isGuest?: boolean;
};

/**
 * Inserts the user, or returns null when the name is taken in any letter case or looks like a taken
 * one (the unique indexes decide, also under a race).
 */
export async function insertUser(db: Db, user: NewUser): Promise<User | null> {
  const insert = async (tx: Db) => {
    const [created] = await tx
      .insert(users)
      .values({ ...user, usernameSkeleton: usernameSkeleton(user.username) })
      .onConflictDoNothing()
      .returning();
    return created ?? null;
  };
  if (user.isGuest) return insert(db);
  return db.transaction(async (tx) => {
    const created = await insert(tx as unknown as Db);
    return created && (await claimFirstAdmin(tx as unknown as Db, created));
  });
}

/**
 * The first account becomes the administrator (when ADMIN_USERNAMES is unset, src/admin/roles.ts).
 * The claim is a row of its own whose key only one transaction can insert: a second sign-up at the
 * same moment waits on it and finds it taken, and if the first one rolls back the second gets it,
 * so there is never a second first administrator, nor none.
 */
async function claimFirstAdmin(tx: Db, created: User): Promise<User> {
  const [claimed] = await tx
    .insert(settings)
    .values({ key: 'first_admin', value: String(created.id) })
    .onConflictDoNothing()
    .returning();
  if (!claimed) return created;
  const [admin] = await tx.update(users).set({ isAdmin: true }).where(eq(users.id, created.id)).returning();
  return admin ?? created;
}

export async function findUserByUsername(db: Db, username: string): Promise<User | null> {
  const [user] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.username}) = lower(${username})`);
  return user ?? null;
}

/** A user whose name could be mistaken for this one (or is this one, in any letter case). */
export async function findLookAlike(db: Db, username: string): Promise<User | null> {
  const [user] = await db.select().from(users).where(eq(users.usernameSkeleton, usernameSkeleton(username)));
  return user ?? null;
}

// Every old-protocol socket and API request reads its token's holder: read together under load.
const userReader = (db: Db) =>
  keyedReader(db, 'users_by_ids', (ids) => db.select().from(users).where(sql`${users.id} = any(${ids})`).prepare('users_by_ids'), (user) => user.id);

export async function findUserById(db: Db, id: number): Promise<User | null> {
  return (await userReader(db)(id)) ?? null;
}

/** What lists of people show of each. */
export type PublicPerson = Pick<User, 'id' | 'username' | 'firstName' | 'lastName' | 'icon' | 'isGuest'>;

// Every room page and presence list names the people here: read together under load.
const personReader = (db: Db) =>
  keyedReader(
    db,
    'people_by_ids',
    (ids) =>
      db
        .select({ id: users.id, username: users.username, firstName: users.firstName, lastName: users.lastName, icon: users.icon, isGuest: users.isGuest })
        .from(users)
        .where(sql`${users.id} = any(${ids})`)
        .prepare('people_by_ids'),
    (person) => person.id,
  );

/** The people with these ids, in no particular order; ids of no one are left out. */
export async function findPeopleByIds(db: Db, ids: number[]): Promise<PublicPerson[]> {
  const read = personReader(db);
  const people = await Promise.all(ids.map((id) => read(id)));
  return people.filter((person) => person !== undefined);
}

/** What any page or API client may see of a user. */
export function publicUser(user: PublicPerson) {
  return {
    id: user.id,
    username: user.username,
    first_name: user.firstName,
    last_name: user.lastName,
    icon: user.icon,
    is_guest: user.isGuest,
  };
}

export async function updatePasswordHash(db: Db, userId: number, passwordHash: string): Promise<void> {
  await db.update(users).set({ passwordHash }).where(eq(users.id, userId));
}
