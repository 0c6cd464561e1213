import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Person } from '../../support/person.js';
import { startTestServers, type TestServers } from '../../support/server.js';
import type { LiveClient } from '../../support/socket.js';

// A page's socket may take its room as read in the last 30 s, so a crowd opening a room (or every
// page reconnecting after a restart) reads it once. That read's last_seq may be behind the page's:
// what the socket is sent must not depend on it.
let running: TestServers;
let ada: Person;
const opened: LiveClient[] = [];

beforeAll(async () => {
  running = await startTestServers(1);
  ada = await Person.signUp(running.servers[0]!.url, 'ada_recent_socket', 'Ada');
});
afterAll(async () => {
  await Promise.allSettled(opened.map((client) => client.close()));
  await running?.close();
});

describe('a page socket opening a room read a moment ago', () => {
  it('is sent only what comes after its page, though the room was read before the page was drawn', async () => {
    const slug = await ada.createRoom('Recent Socket');
    // The first socket reads the room (its log empty) and keeps it as read.
    const first = await ada.enter(slug, opened);
    const one = await ada.say(slug, 'one');
    const two = await ada.say(slug, 'two');
    await first.waitFor('the second message', (frame) => frame.includes('two'));

    // A page drawn now holds both messages: its socket is sent nothing again, then what is new.
    const second = await ada.enter(slug, opened, two);
    const three = await ada.say(slug, 'three');
    await second.waitFor('the third message', (frame) => frame.includes('three'));
    expect(second.itemSeqs()).toEqual([three]);
    expect(first.itemSeqs()).toEqual([one, two, three]);
  });

  it('still takes a cursor beyond the log as the log’s end, and is sent what comes next', async () => {
    const slug = await ada.createRoom('Recent Beyond');
    await ada.enter(slug, opened);
    await ada.say(slug, 'before');
    const beyond = await ada.enter(slug, opened, 1_000_000);
    const next = await ada.say(slug, 'next');
    await beyond.waitFor('the next message', (frame) => frame.includes('next'));
    expect(beyond.itemSeqs()).toEqual([next]);
  });
});
