import { and, eq, ne, sql } from 'drizzle-orm';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import { keyedReader } from '../db/prepared.js';
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

// A session read within the last moment is taken as read: a page, a send and a socket's handshake
// each need the session, and under load most of them now skip the database. Ending a session
// forgets it at once on this instance and, through the bus, on the others (src/realtime/realtime.ts);
// only while Redis is away may another instance still honour an ended session, for this long.
const RECENT_MS = 2000;
const MAX_RECENT = 20_000;

interface Recent {
  session: Session;
  user: User;
  readAt: number;
}

interface RecentSessions {
  byId: Map<string, Recent>;
  /** Counts forgets: a read that overlapped one is not kept (it may predate the ending). */
  forgets: number;
  /** Clears out what went stale while nothing was read (an idle instance keeps nothing). */
  sweep: NodeJS.Timeout | undefined;
}

const recentByDb = new WeakMap<Db, RecentSessions>();

function recentSessions(db: Db): RecentSessions {
  let recent = recentByDb.get(db);
  if (!recent) recentByDb.set(db, (recent = { byId: new Map(), forgets: 0, sweep: undefined }));
  return recent;
}

/** Drops entries older than RECENT_MS (and the oldest past MAX_RECENT); oldest are first in the Map. */
function dropStale(recent: RecentSessions, now: number): void {
  for (const [id, entry] of recent.byId) {
    if (now - entry.readAt < RECENT_MS && recent.byId.size <= MAX_RECENT) break;
    recent.byId.delete(id);
  }
  if (recent.byId.size === 0 || recent.sweep) return;
  recent.sweep = setTimeout(() => {
    recent.sweep = undefined;
    dropStale(recent, Date.now());
  }, RECENT_MS);
  recent.sweep.unref();
}

/** Forgets sessions ended (by id) and every session of people disabled (by user id). */
export function forgetSessions(db: Db, sessionIds: string[], userIds: number[] = []): void {
  const recent = recentByDb.get(db);
  if (!recent) return;
  recent.forgets++;
  for (const id of sessionIds) recent.byId.delete(id);
  if (userIds.length === 0) return;
  for (const [id, entry] of recent.byId) if (userIds.includes(entry.user.id)) recent.byId.delete(id);
}

async function readSession(db: Db, id: string, now: number): Promise<{ session: Session; user: User } | undefined> {
  const recent = recentSessions(db);
  const hit = recent.byId.get(id);
  if (hit && now - hit.readAt < RECENT_MS) return hit;
  const forgets = recent.forgets;
  const row = await sessionReader(db)(id);
  recent.byId.delete(id);
  if (!row || recent.forgets !== forgets) return row;
  recent.byId.set(id, { ...row, readAt: now });
  dropStale(recent, now);
  return row;
}

// A crowd connecting at once reads many sessions: read together under load.
const sessionReader = (db: Db) =>
  keyedReader(
    db,
    'sessions_with_users',
    (ids) =>
      db
        .select({ session: sessions, user: users })
        .from(sessions)
        .innerJoin(users, eq(sessions.userId, users.id))
        .where(sql`${sessions.id} = any(${ids})`)
        .prepare('sessions_with_users'),
    (row) => row.session.id,
  );

/** Looks the token up by its hash; ends it when idle or too old; otherwise pushes the idle expiry on. */
export async function validateSessionToken(db: Db, token: string, policy: SessionPolicy): Promise<SessionValidation> {
  const id = tokenId(token);
  const now = Date.now();
  const row = await readSession(db, id, now);
  if (!row) return null;
  const { session, user } = row;
  const absoluteEnd = session.createdAt.getTime() + policy.maxAge * 1000;
  // A disabled account's sessions were deleted with it; one started in the same instant ends here.
  if (now >= session.expiresAt.getTime() || now >= absoluteEnd || user.disabledAt) {
    forgetSessions(db, [id]);
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
  forgetSessions(db, [sessionId]);
}

/** Ends every session of the person; answers the ids, so their sockets can be closed too. */
export async function invalidateUserSessions(db: Db, userId: number): Promise<string[]> {
  const ended = await db.delete(sessions).where(eq(sessions.userId, userId)).returning({ id: sessions.id });
  forgetSessions(db, [], [userId]);
  return ended.map((row) => row.id);
}

/** Ends every session of the person but the one in use (after a password change); answers their ids. */
export async function invalidateOtherSessions(db: Db, userId: number, keepId: string): Promise<string[]> {
  const ended = await db.delete(sessions).where(and(eq(sessions.userId, userId), ne(sessions.id, keepId))).returning({ id: sessions.id });
  forgetSessions(db, ended.map((row) => row.id));
  return ended.map((row) => row.id);
}
