import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { findUserByUsername } from '../../../src/auth/users.js';
import { prepared } from '../../../src/db/prepared.js';
import type { Room, User } from '../../../src/db/schema.js';
import { appendedView, appendMessage, changeMessage } from '../../../src/messages/queries.js';
import { pageListener } from '../../../src/realtime/page-listener.js';
import { findRoomBySlug, insertRoom } from '../../../src/rooms/queries.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { Browser, validSignup } from '../../support/browser.js';
import { itemSeqs } from '../../support/socket.js';

// The hub with the real database, and sockets that record what they are sent: a socket's frames are
// what its page shows, and here the test decides exactly when a page connects.
let t: TestApp;
let ada: User;

beforeAll(async () => {
  t = await createTestApp();
  await new Browser(t.app).post('/signup/', validSignup({ username: 'ada_catchup' }));
  ada = (await findUserByUsername(t.db, 'ada_catchup'))!;
});
afterAll(() => t.close());

function page(after: number) {
  const frames: string[] = [];
  const socket = pageListener({ user: ada, sessionId: null, after, send: (frame) => frames.push(String(frame)), close: () => {} });
  return { socket, seqs: () => frames.flatMap(itemSeqs) };
}

/** How many times the hub has read a room's log (its prepared query of changes) since this call. */
function countingChangeReads() {
  const query = prepared(t.db, 'changes_after', () => {
    throw new Error('the hub has not read the log yet');
  }) as { execute: (...args: unknown[]) => unknown };
  const spy = vi.spyOn(query, 'execute');
  return () => spy.mock.calls.length;
}

/** Stores a message without telling the hub: its nudge is still on the way (the bus is at-most-once). */
async function store(room: Room, body: string) {
  return (await appendMessage(t.db, { roomId: room.id, authorId: ada.id, body, clientId: null })).seq;
}

describe('a page that connects while the hub is delivering', () => {
  // A delivery already reading the log computed its starting point without the newcomer; the
  // newcomer must still get everything after its own cursor (served by the next run, not this one).
  // Reproduced deterministically here; over real sockets it is a timing race.
  it('still receives every change after its own cursor', async () => {
    const room = (await findRoomBySlug(t.db, 'game'))!;
    for (const body of ['one', 'two', 'three']) await store(room, body);
    const upToDate = page(3);
    await t.realtime.hub.join(room.id, room.slug, upToDate.socket);
    const four = await store(room, 'four');

    t.realtime.hub.nudge(room.id, four); // delivery of "four" starts: it reads the changes after 3
    const behind = page(0); // a page rendered before "one" connects meanwhile
    await t.realtime.hub.join(room.id, room.slug, behind.socket);

    expect(upToDate.seqs()).toEqual([four]);
    expect(behind.seqs()).toEqual([1, 2, 3, four]);
  });

  it('joining alone catches up from its own cursor', async () => {
    const room = (await findRoomBySlug(t.db, 'study'))!;
    for (const body of ['a', 'b', 'c']) await store(room, body);
    const behind = page(1);
    await t.realtime.hub.join(room.id, room.slug, behind.socket);
    expect(behind.seqs()).toEqual([2, 3]);
  });

  it('a change whose nudge was lost still reaches the page at the next periodic catch-up', async () => {
    const room = (await findRoomBySlug(t.db, 'movie'))!;
    const reader = page(0);
    await t.realtime.hub.join(room.id, room.slug, reader.socket);
    const lost = await store(room, 'nobody announced me');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(reader.seqs()).toEqual([]);
    await t.realtime.hub.catchUpAll('timer');
    await expect.poll(() => reader.seqs()).toEqual([lost]);
  });

  it('the periodic catch-up reads the log only of rooms with a socket behind it', async () => {
    const room = (await findRoomBySlug(t.db, 'music'))!;
    const reader = page(0);
    await t.realtime.hub.join(room.id, room.slug, reader.socket);
    t.realtime.hub.nudge(room.id, await store(room, 'announced'));
    await expect.poll(() => reader.seqs().length).toBe(1);
    const reads = countingChangeReads();
    await t.realtime.hub.catchUpAll('timer');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(reads(), 'caught up: nothing to read').toBe(0);
    const lost = await store(room, 'nobody announced me');
    await t.realtime.hub.catchUpAll('timer');
    await expect.poll(() => reader.seqs()).toEqual([reader.seqs()[0], lost]);
    expect(reads()).toBe(1);
    vi.restoreAllMocks();
  });
});

describe('a nudge', () => {
  it('about a change every page here already has (its own, heard back from the bus) reads nothing; one about a newer change reads it', async () => {
    const room = await insertRoom(t.db, { slug: 'nudged', name: 'Nudged', description: '', image: 'chat', createdBy: null });
    const reader = page(0);
    await t.realtime.hub.join(room!.id, room!.slug, reader.socket);
    const first = await store(room!, 'first');
    t.realtime.hub.nudge(room!.id, first);
    await expect.poll(() => reader.seqs()).toEqual([first]);
    const reads = countingChangeReads();
    // The same change again, as the bus echoes it, and again while nothing is running.
    t.realtime.hub.nudge(room!.id, first);
    t.realtime.hub.nudge(room!.id, first);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reads(), 'every page has it: nothing to read').toBe(0);
    const second = await store(room!, 'second');
    t.realtime.hub.nudge(room!.id, second);
    // Its echo arrives while the delivery of the change is still reading: no second read follows.
    t.realtime.hub.nudge(room!.id, second);
    await expect.poll(() => reader.seqs()).toEqual([first, second]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reads()).toBe(1);
    vi.restoreAllMocks();
  });

  it('with a new message as stored sends it to pages that have everything before it, without reading the log; a page behind gets a read', async () => {
    const room = (await insertRoom(t.db, { slug: 'handed', name: 'Handed', description: '', image: 'chat', createdBy: null }))!;
    const first = await store(room, 'before anyone came');
    const upToDate = page(first);
    await t.realtime.hub.join(room.id, room.slug, upToDate.socket);
    const sendNew = async (body: string) => {
      const input = { roomId: room.id, authorId: ada.id, body, clientId: null };
      const appended = await appendMessage(t.db, input);
      t.realtime.hub.nudge(room.id, appended.seq, appendedView(input, appended, ada)!);
      return appended.seq;
    };
    const reads = countingChangeReads();
    // A quiet moment: no run of the feed within its batching gap (4 ms).
    await new Promise((resolve) => setTimeout(resolve, 10));
    const second = await sendNew('handed over');
    await expect.poll(() => upToDate.seqs()).toEqual([second]);
    expect(reads()).toBe(0);
    // A page still missing the first message: the next one cannot skip ahead of it; the log is read.
    const behind = page(0);
    await t.realtime.hub.join(room.id, room.slug, behind.socket);
    expect(behind.seqs()).toEqual([first, second]);
    const joinReads = reads();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const third = await sendNew('for both');
    await expect.poll(() => behind.seqs()).toEqual([first, second, third]);
    expect(upToDate.seqs()).toEqual([second, third]);
    expect(reads() - joinReads, 'everyone had everything before it').toBe(0);
    // A change whose nudge is still on its way: the next message must not overtake it.
    const unannounced = await store(room, 'nudge still on its way');
    const fifth = await sendNew('after it');
    await expect.poll(() => upToDate.seqs()).toEqual([second, third, unannounced, fifth]);
    expect(behind.seqs()).toEqual([first, second, third, unannounced, fifth]);
    expect(reads() - joinReads, 'read, since the pages lacked one').toBe(1);
    vi.restoreAllMocks();
  });

  it('messages stored while a fan-out is still writing go out together, one frame for the rest, in order', async () => {
    const room = (await insertRoom(t.db, { slug: 'busy-fan-out', name: 'Busy fan-out', description: '', image: 'chat', createdBy: null }))!;
    // A room big enough that writing one message to all its sockets takes longer than the feed's
    // batching gap (4 ms): one socket here whose writes take 6 ms stands for a thousand.
    const frames: string[] = [];
    const slow = pageListener({
      user: ada,
      sessionId: null,
      after: 0,
      send: (frame) => {
        const until = performance.now() + 6;
        while (performance.now() < until);
        frames.push(String(frame));
      },
      close: () => {},
    });
    await t.realtime.hub.join(room.id, room.slug, slow);
    // A quiet moment: no run of the feed within its batching gap.
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Three senders' messages, stored in one commit (as a batch of appends is): each announced at once.
    const stored = [];
    for (const body of ['first', 'second', 'third']) {
      const input = { roomId: room.id, authorId: ada.id, body, clientId: null };
      stored.push({ input, appended: await appendMessage(t.db, input) });
    }
    for (const { input, appended } of stored) t.realtime.hub.nudge(room.id, appended.seq, appendedView(input, appended, ada)!);
    const seqs = stored.map(({ appended }) => appended.seq);
    await expect.poll(() => frames.flatMap(itemSeqs)).toEqual(seqs);
    const messageFrames = frames.map(itemSeqs).filter((items) => items.length > 0);
    expect(messageFrames, 'the first alone, the two stored during its fan-out in one frame').toEqual([[seqs[0]], [seqs[1], seqs[2]]]);
  });
});

describe('pages arriving one after another (a crowd)', () => {
  // The room's feed keeps what it rendered from one run to the next while the room is busy; a page
  // arriving after an edit must get the message as it is now, never the copy rendered before.
  it('share the history frame, and one arriving after an edit gets the edited message', async () => {
    for (const username of ['bob_crowd', 'cy_crowd']) await new Browser(t.app).post('/signup/', validSignup({ username }));
    const bob = (await findUserByUsername(t.db, 'bob_crowd'))!;
    const cy = (await findUserByUsername(t.db, 'cy_crowd'))!;
    const room = (await insertRoom(t.db, { slug: 'crowd-feed', name: 'Crowd feed', description: '', image: 'game', createdBy: bob.id }))!;
    // Bob's messages, read by Cy: no edit or delete forms on them (Ada, the first account, is an
    // administrator), so every page gets the shared frame.
    for (const body of ['first', 'second', 'third']) await appendMessage(t.db, { roomId: room.id, authorId: bob.id, body, clientId: null });
    const frames = (listener: { frames: Array<string | Buffer> }) => listener.frames.map(String).join('');
    const arrive = async () => {
      const frames: Array<string | Buffer> = [];
      const socket = pageListener({ user: cy, sessionId: null, after: 0, send: (frame) => frames.push(frame), close: () => {} });
      await t.realtime.hub.join(room.id, room.slug, socket);
      return { frames };
    };
    const early = await arrive();
    const alsoEarly = await arrive();
    expect(frames(early)).toContain('second');
    expect(alsoEarly.frames[0]).toBeInstanceOf(Buffer);
    expect(alsoEarly.frames[0]).toBe(early.frames[0]);

    await changeMessage(t.db, room.id, 2, bob, 'second, edited');
    const late = await arrive();
    expect(itemSeqs(frames(late))).toEqual([1, 3, 2]);
    expect(frames(late)).toContain('second, edited');
    expect(frames(late)).not.toMatch(/>second</);
  });
});
