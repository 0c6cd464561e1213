import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cleanup } from './support/cleanup.js';
import { Site } from './support/client.js';
import { runDocBlock, shellBlockCount } from './support/doc.js';
import { type Instance, startInstance } from './support/instance.js';
import { type Person, readRoom, sendMessage, signInAsGuest } from './support/people.js';
import { createDatabase } from './support/postgres.js';

/*
 * docs/OPERATIONS.md, "Backup and restore": its commands run as written (tests/ops/support/doc.ts),
 * around real instances of the build. What comes back must be what a person had: still signed in,
 * the same messages with the same numbers, and the room carrying on from there.
 */

const cleanup = new Cleanup();
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hubbub-backup-'));
  cleanup.add(() => rm(dir, { recursive: true, force: true }));
});

afterAll(() => cleanup.run());

async function start(env: Record<string, string>): Promise<{ instance: Instance; site: Site }> {
  const instance = await startInstance(env);
  cleanup.add(() => instance.kill());
  return { instance, site: new Site(instance.url) };
}

/** The one file a backup command made in `where`. */
async function madeFile(where: string, pattern: RegExp): Promise<string> {
  const files = (await readdir(where)).filter((name) => pattern.test(name));
  expect(files).toHaveLength(1);
  return join(where, files[0]!);
}

/** The person is still signed in, reads exactly `bodies` in the room, and the room's next message follows on. */
async function expectRoomAsLeft(site: Site, person: Person, bodies: string[]) {
  const restored = await readRoom(site, person, 'game');
  expect(restored.map((m) => [m.seq, m.body, m.author.username])).toEqual(bodies.map((body, i) => [i + 1, body, person.username]));
  const next = await sendMessage(site, person, 'game', 'And we carry on.');
  expect(next.seq).toBe(bodies.length + 1);
}

describe('backup and restore, as docs/OPERATIONS.md says', () => {
  it('every command block of the guide is one that these tests run', () => {
    // readiness (below, after the PostgreSQL restore) and the four backup and restore blocks.
    expect(shellBlockCount()).toBe(5);
  });

  it('embedded: stop, copy DATA_DIR, restore into a new directory, start: everything is back', async () => {
    const dataDir = join(dir, 'data');
    const first = await start({ DATA_DIR: dataDir });
    const ada = await signInAsGuest(first.site);
    const bodies = ['First light.', 'The kettle is on.', 'Stand-up in five.'];
    for (const body of bodies) await sendMessage(first.site, ada, 'game', body);
    expect(await first.instance.stop()).toBe(0);

    const backups = join(dir, 'embedded-backups');
    await mkdir(backups);
    await runDocBlock('embedded-backup', { DATA_DIR: dataDir }, backups);
    const backup = await madeFile(backups, /^hubbub-data-\d{8}-\d{6}\.tar\.gz$/);
    // The original is gone (a lost disk); only the backup is left.
    await rm(dataDir, { recursive: true, force: true });
    const restoredDir = join(dir, 'restored');
    await runDocBlock('embedded-restore', { DATA_DIR: restoredDir, BACKUP: backup }, backups);

    const second = await start({ DATA_DIR: restoredDir });
    await expectRoomAsLeft(second.site, ada, bodies);
    expect(await second.instance.stop()).toBe(0);
  });

  it('PostgreSQL: pg_dump while it runs, pg_restore into a new database, start on it: ready, everything up to the dump is back', async () => {
    const original = await createDatabase('backup');
    cleanup.add(original.drop);
    const first = await start({ DATABASE_URL: original.url });
    const ada = await signInAsGuest(first.site);
    const bodies = ['Dumped while running.', 'Still running.'];
    for (const body of bodies) await sendMessage(first.site, ada, 'game', body);

    const backups = join(dir, 'postgres-backups');
    await mkdir(backups);
    await runDocBlock('postgres-backup', { DATABASE_URL: original.url }, backups);
    const backup = await madeFile(backups, /^hubbub-\d{8}-\d{6}\.dump$/);
    await sendMessage(first.site, ada, 'game', 'Sent after the backup.');
    expect(await first.instance.stop()).toBe(0);

    const restoredDb = await createDatabase('restored');
    cleanup.add(restoredDb.drop);
    await runDocBlock('postgres-restore', { DATABASE_URL: restoredDb.url, BACKUP: backup }, backups);
    const second = await start({ DATABASE_URL: restoredDb.url });
    const readiness = await runDocBlock('readiness', { HUBBUB_URL: second.instance.url }, backups);
    expect(JSON.parse(readiness)).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok', redis: 'not configured' } });
    await expectRoomAsLeft(second.site, ada, bodies);
    expect(await second.instance.stop()).toBe(0);
  });
});
