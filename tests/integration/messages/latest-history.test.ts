import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../src/db/client.js';
import { roomHistory } from '../../../src/messages/latest.js';
import { appendMessage, changeMessage } from '../../../src/messages/queries.js';
import { findRoomBySlug, insertRoom } from '../../../src/rooms/queries.js';
import { addPeople, openTestDatabase } from '../../support/database.js';

// The newest page of a room is read once per state of the room (its last seq) and shared; every
// change must show at once, and a page read while a change committed must not be kept.
let database: Awaited<ReturnType<typeof openTestDatabase>>;
let db: Db;
let ada: number;

beforeAll(async () => {
  database = await openTestDatabase();
  db = database.db;
  [ada] = (await addPeople(db, 'Ada')) as [number];
});
afterAll(() => database.close());

let roomCount = 0;
async function newRoom(): Promise<string> {
  const slug = `history-${++roomCount}`;
  await insertRoom(db, { slug, name: slug, description: '', image: 'game', createdBy: null });
  return slug;
}

/** The room as a request reads it (with its last seq), then its newest page, as the room page does. */
async function newestPage(slug: string, size = 50) {
  const room = (await findRoomBySlug(db, slug))!;
  return roomHistory(db, room, size);
}

const say = async (slug: string, body: string) => {
  const room = (await findRoomBySlug(db, slug))!;
  return (await appendMessage(db, { roomId: room.id, authorId: ada, body, clientId: null })).seq;
};
const bodies = (page: Awaited<ReturnType<typeof newestPage>>) => page.messages.map((message) => (message.deletedAt ? '(deleted)' : message.body));

describe('the newest page of a room', () => {
  it('is shared by every reader while the room is unchanged', async () => {
    const slug = await newRoom();
    await say(slug, 'one');
    const first = await newestPage(slug);
    const second = await newestPage(slug);
    expect(second).toBe(first);
    expect(bodies(second)).toEqual(['one']);
  });

  it('shows a new message, an edit and a delete to the very next reader', async () => {
    const slug = await newRoom();
    const seq = await say(slug, 'first');
    expect(bodies(await newestPage(slug))).toEqual(['first']);
    await say(slug, 'second');
    expect(bodies(await newestPage(slug))).toEqual(['first', 'second']);
    const room = (await findRoomBySlug(db, slug))!;
    await changeMessage(db, room.id, seq, { id: ada }, 'first, edited');
    expect(bodies(await newestPage(slug))).toEqual(['first, edited', 'second']);
    await changeMessage(db, room.id, seq, { id: ada }, null);
    expect(bodies(await newestPage(slug))).toEqual(['(deleted)', 'second']);
  });

  it('is not kept when it was read past the last seq its reader knew (a change committed in between)', async () => {
    const slug = await newRoom();
    await say(slug, 'before');
    const stale = (await findRoomBySlug(db, slug))!;
    await say(slug, 'meanwhile');
    const first = await roomHistory(db, stale, 50);
    expect(bodies(first)).toEqual(['before', 'meanwhile']);
    // Another reader that read the room as early gets a page read afresh, not the one shown past its seq.
    const again = await roomHistory(db, stale, 50);
    expect(again).not.toBe(first);
    expect(await newestPage(slug)).not.toBe(first);
  });

  it('is per size, and older pages are read as asked', async () => {
    const slug = await newRoom();
    for (const body of ['a', 'b', 'c']) await say(slug, body);
    expect(bodies(await newestPage(slug, 2))).toEqual(['b', 'c']);
    expect((await newestPage(slug, 2)).hasOlder).toBe(true);
    expect(bodies(await newestPage(slug, 50))).toEqual(['a', 'b', 'c']);
    const room = (await findRoomBySlug(db, slug))!;
    const older = await roomHistory(db, room, 50, 3);
    expect(bodies(older)).toEqual(['a', 'b']);
  });
});
