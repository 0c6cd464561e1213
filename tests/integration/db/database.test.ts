import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { resolveSecret } from '../../../src/auth/secret.js';
import { openDatabase } from '../../../src/db/client.js';
import { messages, rooms, users } from '../../../src/db/schema.js';
import { openTestDatabase } from '../../support/database.js';

describe('a fresh database', () => {
  it('has the four rooms, each with a shipped image, at seq 0', async () => {
    const database = await openTestDatabase();
    try {
      const all = await database.db.select().from(rooms).orderBy(asc(rooms.id));
      expect(all.map((room) => [room.slug, room.name, room.lastSeq])).toEqual([
        ['game', 'Game', 0],
        ['study', 'Study', 0],
        ['movie', 'Movie', 0],
        ['music', 'Music', 0],
      ]);
    } finally {
      await database.close();
    }
  });

  it('refuses a second message with the same seq, or the same client_id from the same author, in a room', async () => {
    const database = await openTestDatabase();
    const { db } = database;
    try {
      const [user] = await db.insert(users).values({ username: 'writer', usernameSkeleton: 'writer', firstName: 'W', icon: 'fox', passwordHash: null }).returning();
      const [room] = await db.select().from(rooms).limit(1);
      const message = { roomId: room!.id, authorId: user!.id, body: 'hi', seq: 1, updatedSeq: 1, clientId: 'c-1' };
      await db.insert(messages).values(message);
      await expect(db.insert(messages).values({ ...message, clientId: 'c-2' })).rejects.toThrow();
      await expect(db.insert(messages).values({ ...message, seq: 2, updatedSeq: 2 })).rejects.toThrow();
      // Without a client_id, only the seq must be unique.
      await db.insert(messages).values({ ...message, seq: 3, updatedSeq: 3, clientId: null });
      await db.insert(messages).values({ ...message, seq: 4, updatedSeq: 4, clientId: null });
      expect(await db.select().from(messages)).toHaveLength(3);
    } finally {
      await database.close();
    }
  });

  it('keeps one generated secret for every instance and restart, unless SECRET is configured', async () => {
    const database = await openTestDatabase();
    try {
      const [a, b] = await Promise.all([resolveSecret(database.db, undefined), resolveSecret(database.db, undefined)]);
      expect(a).toBe(b);
      expect(a.length).toBeGreaterThanOrEqual(32);
      expect(await resolveSecret(database.db, 'x'.repeat(40))).toBe('x'.repeat(40));
    } finally {
      await database.close();
    }
  });
});

// Each mode runs the checks that belong to its own driver.
if (!process.env.DATABASE_URL) describe('embedded PGlite', () => {
  it('keeps data under DATA_DIR across restarts, and migrating again changes nothing', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'hubbub-data-'));
    try {
      const first = await openDatabase({ dataDir });
      await first.db.insert(users).values({ username: 'persisted', usernameSkeleton: 'persisted', firstName: 'P', icon: 'cat', passwordHash: null });
      await first.close();
      const second = await openDatabase({ dataDir });
      expect((await second.db.select().from(users)).map((u) => u.username)).toEqual(['persisted']);
      expect(await second.db.select().from(rooms)).toHaveLength(4);
      await second.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

if (process.env.DATABASE_URL) describe('PostgreSQL', () => {
  it('lets several instances start (and migrate) at once without racing', async () => {
    const database = await openTestDatabase();
    try {
      await database.db.insert(users).values({ username: 'before', usernameSkeleton: 'before', firstName: 'B', icon: 'cat', passwordHash: null });
      const instances = await Promise.all(Array.from({ length: 4 }, () => openDatabase({ databaseUrl: database.url! })));
      await Promise.all(instances.map((instance) => instance.close()));
      expect(await database.db.select().from(rooms)).toHaveLength(4);
      expect(await database.db.select().from(users)).toHaveLength(1);
    } finally {
      await database.close();
    }
  });
});
