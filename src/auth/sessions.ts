import { and, eq, ne, sql } from 'drizzle-orm';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import { prepared } from '../db/prepared.js';
import { type User, sessions, users } from '../db/schema.js';
import { generateToken, tokenId } from './tokens.js';

export interface SessionPolicy {
  /** Seconds without use after which a session ends. */
  idleTimeout: number;
  /** Seconds after sign-in after which a session ends however active it is. */
  maxAge: number;
}

/** The session lifetimes the configuration sets. */
export function sessionPolicy(config: Pick<Config, 'sessionIdleTimeout' | 'sessionMaxAge'>): SessionPolicy {
  return { idleTimeout: config.sessionIdleTimeout, maxAge: config.sessionMaxAge };
}

export interface Session {
  id: string;
  userId: number;
  createdAt: Date;
  expiresAt: Date;
}

// Extending the idle expiry costs a write; once a minute per session is precise enough.
const EXTEND_GRANULARITY_MS = 60_000;

function expiryFrom(now: number, createdAt: Date, policy: SessionPolicy): Date {
  return new Date(Math.min(now + policy.idleTimeout * 1000, createdAt.getTime() + policy.maxAge * 1000));
}

export async function createSession(db: Db, userId: number, policy: SessionPolicy) {
  const token = generateToken();
  const createdAt = new Date();
  const session: Session = {
    id: tokenId(token),
    userId,
    createdAt,
    expiresAt: expiryFrom(createdAt.getTime(), createdAt, policy),
  };
  await db.insert(sessions).values(session);
  return { token, session };
}

export type SessionValidation = { session: Session; user: User; extended: boolean } | null;

/** Looks the token up by its hash; ends it when idle or too old; otherwise pushes the idle expiry on. */
const sessionWithUser = (db: Db) =>
  prepared(db, 'session_with_user', () =>
    db
      .select({ session: sessions, user: users })
      .from(sessions)
      .innerJoin(users, eq(sessions.userId, users.id))
      .where(eq(sessions.id, sql.placeholder('id')))
      .prepare('session_with_user'),
  );

export async function validateSessionToken(db: Db, token: string, policy: SessionPolicy): Promise<SessionValidation> {
  const id = tokenId(token);
  const [row] = await sessionWithUser(db).execute({ id });
  if (!row) return null;
  const { session, user } = row;
  const now = Date.now();
  const absoluteEnd = session.createdAt.getTime() + policy.maxAge * 1000;
  // A disabled account's sessions were deleted with it; one started in the same instant ends here.
  if (now >= session.expiresAt.getTime() || now >= absoluteEnd || user.disabledAt) {
    await db.delete(sessions).where(eq(sessions.id, id));
    return null;
  }
  const next = expiryFrom(now, session.createdAt, policy);
  // A short idle timeout (minutes) must still be extended by use: never wait longer than a quarter of it.
  const granularity = Math.min(EXTEND_GRANULARITY_MS, (policy.idleTimeout * 1000) / 4);
  const extended = next.getTime() - session.expiresAt.getTime() >= granularity;
  if (extended) {
    session.expiresAt = next;
    await db.update(sessions).set({ expiresAt: next }).where(eq(sessions.id, id));
  }
  return { session, user, extended };
}

/** When the session ends if unused from now on (idle or absolute, whichever first); null if gone. */
export async function sessionEnd(db: Db, sessionId: string, policy: SessionPolicy): Promise<Date | null> {
  const [row] = await db.select().from(sessions).where(eq(sessions.id, sessionId));
  if (!row) return null;
  return new Date(Math.min(row.expiresAt.getTime(), row.createdAt.getTime() + policy.maxAge * 1000));
}

export async function invalidateSession(db: Db, sessionId: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, sessionId));
}

/** Ends every session of the person; answers the ids, so their sockets can be closed too. */
export async function invalidateUserSessions(db: Db, userId: number): Promise<string[]> {
  const ended = await db.delete(sessions).where(eq(sessions.userId, userId)).returning({ id: sessions.id });
  return ended.map((row) => row.id);
}

/** Ends every session of the person but the one in use (after a password change); answers their ids. */
export async function invalidateOtherSessions(db: Db, userId: number, keepId: string): Promise<string[]> {
  const ended = await db.delete(sessions).where(and(eq(sessions.userId, userId), ne(sessions.id, keepId))).returning({ id: sessions.id });
  return ended.map((row) => row.id);
}
