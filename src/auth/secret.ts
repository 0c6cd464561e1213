import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { settings } from '../db/schema.js';

/**
 * The configured SECRET, or one generated on first start and kept in the database, so that
 * restarts and every instance sign and verify with the same key. The first writer wins a race.
 */
export async function resolveSecret(db: Db, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  await db
    .insert(settings)
    .values({ key: 'secret', value: randomBytes(48).toString('base64url') })
    .onConflictDoNothing();
  const [row] = await db.select().from(settings).where(eq(settings.key, 'secret'));
  if (!row) throw new Error('The signing secret could not be stored in the database.');
  return row.value;
}
