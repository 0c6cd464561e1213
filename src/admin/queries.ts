import { desc, eq, sql } from 'drizzle-orm';
import { revokeUserRefreshTokens } from '../auth/api-tokens.js';
import { invalidateUserSessions } from '../auth/sessions.js';
import type { Db } from '../db/client.js';
import { type User, users } from '../db/schema.js';

/** The newest people first, or those whose username or first name holds `search` (any letter case). */
export function listPeople(db: Db, search: string, limit: number): Promise<User[]> {
  const pattern = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const matching = search ? sql`${users.username} ilike ${pattern} or ${users.firstName} ilike ${pattern}` : undefined;
  return db.select().from(users).where(matching).orderBy(desc(users.id)).limit(limit);
}

/**
 * Disables the account and, in the same transaction, ends every session and refresh token of it;
 * answers the sessions ended, so their sockets can be closed too. Disabling twice keeps the first time.
 */
export async function disableUser(db: Db, userId: number): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.update(users).set({ disabledAt: sql`coalesce(${users.disabledAt}, now())` }).where(eq(users.id, userId));
    const ended = await invalidateUserSessions(tx as unknown as Db, userId);
    await revokeUserRefreshTokens(tx as unknown as Db, userId);
    return ended;
  });
}

/** The account may sign in again (its old sessions stay ended). */
export async function enableUser(db: Db, userId: number): Promise<void> {
  await db.update(users).set({ disabledAt: null }).where(eq(users.id, userId));
}
