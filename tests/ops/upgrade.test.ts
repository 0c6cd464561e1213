import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.js';
import { Cleanup } from './support/cleanup.js';
import { Site } from './support/client.js';
import { type Instance, startTogether } from './support/instance.js';
import { accessToken, PASSWORD, readRoom, sendMessage, signInAsGuest } from './support/people.js';
import { createDatabase, query } from './support/postgres.js';

/*
 * docs/OPERATIONS.md, "Upgrading": migrations run at start, under an advisory lock. A database left
 * by an early version (migrations up to 0001, with people and messages written as that version
 * wrote them) is upgraded by starting two instances of the current build at the same moment.
 */

const MIGRATIONS = fileURLToPath(new URL('../../drizzle', import.meta.url));
const EARLY_VERSION = '0001_seed_rooms';

interface Journal {
  entries: Array<{ tag: string }>;
}

const cleanup = new Cleanup();
afterAll(() => cleanup.run());

/** Applies the migrations up to and including `lastTag`, from a copy of drizzle/ with a shorter journal. */
async function migrateUpTo(url: string, lastTag: string): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), 'hubbub-migrations-'));
  cleanup.add(() => rm(folder, { recursive: true, force: true }));
  await cp(MIGRATIONS, folder, { recursive: true });
  const journal = JSON.parse(await readFile(join(MIGRATIONS, 'meta', '_journal.json'), 'utf8')) as Journal;
  const last = journal.entries.findIndex((entry) => entry.tag === lastTag);
  expect(last).toBeGreaterThanOrEqual(0);
  await writeFile(join(folder, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries: journal.entries.slice(0, last + 1) }));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await migrate(drizzle({ client }), { migrationsFolder: folder });
  } finally {
    await client.end();
  }
}

/** Two instances started at the same moment on one database; both must become ready. */
const startTwo = (databaseUrl: string) => startTogether([{ DATABASE_URL: databaseUrl }, { DATABASE_URL: databaseUrl }], cleanup);

async function expectReady(instance: Instance) {
  const reply = await fetch(`${instance.url}/readyz`);
  expect(reply.status).toBe(200);
  expect(await reply.json()).toMatchObject({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
}

const migrationCount = async () => ((JSON.parse(await readFile(join(MIGRATIONS, 'meta', '_journal.json'), 'utf8')) as Journal).entries.length);
const appliedMigrations = async (url: string) =>
  Number((await query<{ count: string }>(url, 'select count(*) as count from drizzle.__drizzle_migrations'))[0]!.count);

describe('upgrades, as docs/OPERATIONS.md says', () => {
  it('a database from an early version, with people and messages, is upgraded by starting two new instances at once', async () => {
    const database = await createDatabase('upgrade');
    cleanup.add(database.drop);
    await migrateUpTo(database.url, EARLY_VERSION);
    // What that version stored: an account with a password, and two messages in the Game room.
    const [ada] = await query<{ id: number }>(database.url,
      `insert into users (username, first_name, last_name, password_hash, icon) values ('ada', 'Ada', 'Lovelace', $1, 'owl') returning id`,
      [await hashPassword(PASSWORD)]);
    for (const body of ['Written by the old version.', 'Still here after the upgrade?']) {
      await query(database.url,
        `with room as (update rooms set last_seq = last_seq + 1 where slug = 'game' returning id, last_seq)
         insert into messages (room_id, seq, updated_seq, author_id, body) select id, last_seq, last_seq, $1, $2 from room`,
        [ada!.id, body]);
    }

    const instances = await startTwo(database.url);
    for (const instance of instances) await expectReady(instance);
    expect(await appliedMigrations(database.url)).toBe(await migrationCount());

    // Ada signs in with her old password on either instance and finds her messages, numbered as before.
    const site = new Site(instances[1]!.url);
    const person = { id: ada!.id, username: 'ada', firstName: 'Ada', access: await accessToken(site, 'ada') };
    expect((await readRoom(site, person, 'game')).map((m) => [m.seq, m.body, m.author.username])).toEqual([
      [1, 'Written by the old version.', 'ada'],
      [2, 'Still here after the upgrade?', 'ada'],
    ]);
    expect((await sendMessage(new Site(instances[0]!.url), person, 'game', 'Upgraded.')).seq).toBe(3);
    for (const instance of instances) expect(await instance.stop()).toBe(0);
  });

  it('two instances started at once on an empty database both become ready, with the rooms made once', async () => {
    const database = await createDatabase('fresh');
    cleanup.add(database.drop);
    const instances = await startTwo(database.url);
    for (const instance of instances) await expectReady(instance);
    expect(await appliedMigrations(database.url)).toBe(await migrationCount());

    const site = new Site(instances[0]!.url);
    const guest = await signInAsGuest(site);
    const lobby = await site.request('GET', '/lobby/', { headers: { cookie: guest.cookie!, accept: 'application/json' } });
    expect(lobby.json<{ rooms: Array<{ slug: string }> }>().rooms.map((room) => room.slug)).toEqual(['game', 'study', 'movie', 'music']);
    for (const instance of instances) expect(await instance.stop()).toBe(0);
  });
});
