import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { type Database, type Db, openDatabase } from '../../src/db/client.js';
import { users } from '../../src/db/schema.js';

/**
 * A fresh, migrated database for one test file: a new PostgreSQL database when DATABASE_URL is set
 * (dropped again on close), otherwise an in-memory PGlite.
 */
export async function openTestDatabase(): Promise<Database & { url?: string }> {
  const baseUrl = process.env.DATABASE_URL;
  if (!baseUrl) return openDatabase({});
  const name = `hubbub_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString() });
  return {
    ...database,
    url: url.toString(),
    async close() {
      await database.close();
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}

/** People stored straight in the database (username = first name, lower-cased), for tests below the HTTP layer; answers their ids. */
export async function addPeople(db: Db, ...firstNames: string[]): Promise<number[]> {
  const rows = await db
    .insert(users)
    .values(firstNames.map((firstName) => ({ username: firstName.toLowerCase(), usernameSkeleton: firstName.toLowerCase(), firstName, icon: 'fox' })))
    .returning({ id: users.id });
  return rows.map((row) => row.id);
}
