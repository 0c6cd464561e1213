import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { Logger } from '../log.js';
import { root } from '../paths.js';
import * as schema from './schema.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}

const migrationsFolder = join(root, 'drizzle');

// Any fixed number works; it only has to be the same for every instance of Hubbub.
const MIGRATION_LOCK_KEY = 727_001;

/** Opens PostgreSQL when a URL is given, otherwise PGlite (on disk under dataDir, or in memory). */
export async function openDatabase(options: { databaseUrl?: string; dataDir?: string; log?: Logger }): Promise<Database> {
  // Each mode imports only its own driver: PGlite (a WebAssembly PostgreSQL) or node-postgres.
  const database = options.databaseUrl ? await openPostgres(options.databaseUrl, options.log) : await openPglite(options.dataDir);
  try {
    await database.migrate();
  } catch (error) {
    await database.close();
    throw error;
  }
  return { db: database.db, kind: database.kind, close: database.close };
}

/**
 * PostgreSQL through node-postgres' pool. A connection that breaks (the server restarted) is dropped
 * from the pool and the next query opens a new one; the query that was on it fails, and the request
 * answers 503 (see errors.ts). (postgres.js 3.4.9 was replaced for crashing the process with a
 * TypeError when the server restarted under load.)
 */
async function openPostgres(url: string, log?: Logger) {
  const [{ default: pg }, { drizzle: drizzlePostgres }, { migrate: migratePostgres }] = await Promise.all([
    import('pg'),
    import('drizzle-orm/node-postgres'),
    import('drizzle-orm/node-postgres/migrator'),
  ]);
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5000 });
  // A broken connection (the server went away) must never crash the process. Idle ones are reported
  // by the pool, which drops them; one that is checked out (between the queries of a transaction)
  // reports on the client itself, and its pending or next query fails instead.
  const broken = (error: Error) => log?.warn({ err: error.message }, 'a database connection broke; it will be replaced');
  pool.on('error', broken);
  pool.on('connect', (client) => client.on('error', broken));
  return {
    db: drizzlePostgres({ client: pool, schema }) as unknown as Db,
    kind: 'postgres' as const,
    // Instances starting together queue on an advisory lock held by one dedicated connection.
    async migrate() {
      const lockClient = new pg.Client({ connectionString: url });
      lockClient.on('error', () => {});
      await lockClient.connect();
      try {
        await lockClient.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        await migratePostgres(drizzlePostgres({ client: lockClient }), { migrationsFolder });
        await lockClient.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      } finally {
        await lockClient.end();
      }
    },
    close: () => pool.end(),
  };
}

async function openPglite(dataDir?: string) {
  const [{ PGlite }, { drizzle: drizzlePglite }, { migrate: migratePglite }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('drizzle-orm/pglite'),
    import('drizzle-orm/pglite/migrator'),
  ]);
  let path: string | undefined;
  if (dataDir) {
    path = join(dataDir, 'pglite');
    await mkdir(path, { recursive: true });
  }
  const client = await PGlite.create(path);
  const db = drizzlePglite({ client, schema });
  return {
    db: db as unknown as Db,
    kind: 'pglite' as const,
    migrate: () => migratePglite(db, { migrationsFolder }),
    close: () => client.close(),
  };
}

export async function ping(db: Db): Promise<void> {
  await db.execute(sql`select 1`);
}

let newestMigration: number | undefined;

/**
 * Whether the database holds every migration this build knows (drizzle records each with the time
 * it was made): an instance of a newer build must not take traffic on a database not yet upgraded.
 */
export async function migrationsApplied(db: Db): Promise<boolean> {
  if (newestMigration === undefined) {
    const journal = JSON.parse(await readFile(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: Array<{ when: number }> };
    newestMigration = Math.max(...journal.entries.map((entry) => entry.when));
  }
  const result = await db.execute<{ newest: string | number | null }>(sql`select max(created_at) as newest from drizzle.__drizzle_migrations`);
  const [row] = (result as unknown as { rows: Array<{ newest: string | number | null }> }).rows;
  return row?.newest !== null && row?.newest !== undefined && Number(row.newest) >= newestMigration;
}
