import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { createClient } from '@redis/client';
import type { DestinationStream } from 'pino';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/client.js';
import { type RunningServer, startServer } from '../../src/start.js';
import { openTestDatabase } from './database.js';
import { GENEROUS_LIMITS } from './limits.js';

export interface TestServers {
  servers: RunningServer[];
  /**
   * Stops the servers and drops the database. With Redis, also removes what this database's rooms
   * left in Redis, and answers the presence keys that were still there (the app should remove them).
   */
  close(): Promise<{ leftPresenceKeys: string[] }>;
}

const PRESENCE_ROOMS_KEY = 'hubbub:people:rooms';
// Far more rooms than any test file creates.
const ROOM_ID_SPAN = 10_000;

/**
 * Real HTTP + WebSocket servers on port 0, sharing one fresh database: a fresh PostgreSQL database
 * when DATABASE_URL is set, otherwise PGlite on disk in a temp dir (one server only: PGlite has one
 * owner). REDIS_URL, when set, is passed through, so every server shares the Redis bus and presence.
 */
export async function startTestServers(
  count = 1,
  { leaveGraceMs = 300, env = {} as Record<string, string>, logTo = undefined as DestinationStream | undefined } = {},
): Promise<TestServers> {
  const database = process.env.DATABASE_URL ? await openTestDatabase() : undefined;
  if (!database && count > 1) throw new Error('several instances need PostgreSQL: set DATABASE_URL');
  const dataDir = await mkdtemp(join(tmpdir(), 'hubbub-live-'));
  const firstRoomId = process.env.REDIS_URL ? await spreadRoomIds(database?.url, dataDir) : undefined;
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    DATABASE_URL: database?.url,
    REDIS_URL: process.env.REDIS_URL,
    ...GENEROUS_LIMITS,
    ...env,
  });
  const servers: RunningServer[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await startServer(config, { leaveGraceMs, logTo }));
  } catch (error) {
    await Promise.allSettled(servers.map((server) => server.close()));
    await database?.close();
    throw error;
  }
  let closing: Promise<{ leftPresenceKeys: string[] }> | undefined;
  const close = async () => {
    await Promise.allSettled(servers.map((server) => server.close()));
    await database?.close();
    await rm(dataDir, { recursive: true, force: true });
    const leftPresenceKeys = firstRoomId === undefined ? [] : await cleanRedis(firstRoomId);
    return { leftPresenceKeys };
  };
  // Safe to call twice (a test that stops the servers, then afterAll).
  return { servers, close: () => (closing ??= close()) };
}

/**
 * Redis channels and presence keys are named by room id, and every fresh database numbers its rooms
 * from 1. Test files that share one Redis at the same time would hear each other's rooms, so new
 * rooms in this database start at a random id; tests use rooms they create.
 */
async function spreadRoomIds(databaseUrl: string | undefined, dataDir: string): Promise<number> {
  const database = await openDatabase(databaseUrl ? { databaseUrl } : { dataDir });
  try {
    const start = randomInt(1_000_000, 2_000_000_000);
    await database.db.execute(sql.raw(`alter table rooms alter column id restart with ${start}`));
    return start;
  } finally {
    await database.close();
  }
}

/** Removes this database's rooms from Redis; answers their presence keys that were still there. */
async function cleanRedis(firstRoomId: number): Promise<string[]> {
  const ours = (id: string) => Number(id) >= firstRoomId && Number(id) < firstRoomId + ROOM_ID_SPAN;
  const redis = createClient({ url: process.env.REDIS_URL });
  await redis.connect();
  try {
    const roomIds = (await redis.sMembers(PRESENCE_ROOMS_KEY)).filter(ours);
    const existing: string[] = [];
    for (const key of roomIds.map((id) => `hubbub:people:room:${id}`)) if ((await redis.exists(key)) === 1) existing.push(key);
    if (existing.length > 0) await redis.del(existing);
    if (roomIds.length > 0) await redis.sRem(PRESENCE_ROOMS_KEY, roomIds);
    return existing;
  } finally {
    await redis.quit();
  }
}
