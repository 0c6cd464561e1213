import { and, eq, gt, isNotNull, isNull, ne } from 'drizzle-orm';
import { sign, verify } from 'hono/jwt';
import type { Db } from '../db/client.js';
import { type User, refreshTokens } from '../db/schema.js';
import { generateToken, tokenId } from './tokens.js';
import { findUserById } from './users.js';

/** The old client decodes the access token and reads `username`, so it is a JWT; it lives 5 minutes. */
export const ACCESS_TOKEN_SECONDS = 5 * 60;

export interface TokenPolicy {
  secret: string;
  refreshMaxAge: number;
}

export interface TokenPair {
  access: string;
  refresh: string;
}

/**
 * The secret as a Web Crypto key, imported once: hono/jwt imports a string secret anew at every
 * sign and verify, which took half of a verify's time (every old-protocol socket and API request
 * verifies one).
 */
let hmacKey: { secret: string; key: Promise<CryptoKey> } | undefined;
function keyOf(secret: string): Promise<CryptoKey> {
  if (hmacKey?.secret !== secret) {
    const key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    hmacKey = { secret, key };
  }
  return hmacKey.key;
}

async function signAccessToken(user: User, secret: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return sign(
    {
      user_id: user.id,
      username: user.username,
      first_name: user.firstName,
      last_name: user.lastName,
      token_type: 'access',
      iat: now,
      exp: now + ACCESS_TOKEN_SECONDS,
      jti: generateToken(),
    },
    await keyOf(secret),
    'HS256',
  );
}

async function issue(db: Db, user: User, policy: TokenPolicy, familyId: string): Promise<TokenPair> {
  const refresh = generateToken();
  await db.insert(refreshTokens).values({
    id: tokenId(refresh),
    userId: user.id,
    familyId,
    expiresAt: new Date(Date.now() + policy.refreshMaxAge * 1000),
  });
  return { access: await signAccessToken(user, policy.secret), refresh };
}

/** A new sign-in: a new refresh token family. */
export function issueTokenPair(db: Db, user: User, policy: TokenPolicy): Promise<TokenPair> {
  return issue(db, user, policy, generateToken());
}

/**
 * Trades a refresh token for a new pair. Each refresh token works once: the update below succeeds for
 * exactly one caller. Presenting an already used token means it was copied, so its whole family ends.
 */
export async function rotateRefreshToken(db: Db, refresh: string, policy: TokenPolicy): Promise<TokenPair | null> {
  const id = tokenId(refresh);
  const [current] = await db
    .update(refreshTokens)
    .set({ usedAt: new Date() })
    .where(and(eq(refreshTokens.id, id), isNull(refreshTokens.usedAt), gt(refreshTokens.expiresAt, new Date())))
    .returning();
  if (!current) {
    const [replayed] = await db
      .select({ familyId: refreshTokens.familyId })
      .from(refreshTokens)
      .where(and(eq(refreshTokens.id, id), isNotNull(refreshTokens.usedAt)));
    if (replayed) await db.delete(refreshTokens).where(eq(refreshTokens.familyId, replayed.familyId));
    return null;
  }
  // Older used tokens of the family are no longer needed to detect a replay of the latest one.
  await db
    .delete(refreshTokens)
    .where(and(eq(refreshTokens.familyId, current.familyId), isNotNull(refreshTokens.usedAt), ne(refreshTokens.id, id)));
  const user = await findUserById(db, current.userId);
  return user && !user.disabledAt ? issue(db, user, policy, current.familyId) : null;
}

/** The user an access token speaks for and when it expires, or null for anything else (a refresh token, expired, forged, a disabled account). */
export async function accessTokenHolder(db: Db, token: string, secret: string): Promise<{ user: User; expiresAt: Date } | null> {
  let claims: Record<string, unknown>;
  try {
    claims = await verify(token, await keyOf(secret), 'HS256');
  } catch {
    return null;
  }
  if (claims.token_type !== 'access' || typeof claims.user_id !== 'number' || typeof claims.exp !== 'number') return null;
  // Looked up at every use: a disabled account's access tokens stop working at once.
  const user = await findUserById(db, claims.user_id);
  return user && !user.disabledAt ? { user, expiresAt: new Date(claims.exp * 1000) } : null;
}

export async function revokeUserRefreshTokens(db: Db, userId: number): Promise<void> {
  await db.delete(refreshTokens).where(eq(refreshTokens.userId, userId));
}
