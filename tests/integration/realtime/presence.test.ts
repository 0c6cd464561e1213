import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServers, type TestServers } from '../../support/server.js';
import { Person } from '../../support/person.js';
import { hasItem, isPresence, type LiveClient, notice } from '../../support/socket.js';

const GRACE_MS = 300;
let running: TestServers;
let url: string;
const open: LiveClient[] = [];

beforeAll(async () => {
  running = await startTestServers(1, { leaveGraceMs: GRACE_MS });
  url = running.servers[0]!.url;
});
afterAll(async () => {
  await Promise.allSettled(open.map((client) => client.close()));
  await running?.close();
});

let people = 0;
const signUp = (firstName: string) => Person.signUp(url, `${firstName.toLowerCase()}_${++people}`, firstName);

const enter = (who: Person, slug: string) => who.enter(slug, open);

const count = (client: LiveClient, match: (frame: string) => boolean) => client.frames.filter(match).length;

/**
 * Proves a quiet spell: waits well past the grace period, then sends a message and waits for it, so
 * any announcement made meanwhile has already arrived.
 */
async function afterQuietSpell(sender: Person, watcher: LiveClient, slug: string) {
  await new Promise((resolve) => setTimeout(resolve, GRACE_MS * 4));
  const seq = await sender.say(slug, `marker ${Date.now()}`);
  await watcher.waitFor('the marker message', hasItem(seq));
}

describe('who is in the room', () => {
  it('someone entering is listed for everyone, with a "joined the room" notice', async () => {
    const [ada, bob] = [await signUp('Ada'), await signUp('Bob')];
    const slug = await ada.createRoom('Presence One');
    const adaTab = await enter(ada, slug);
    await adaTab.waitFor('Ada alone in the list', isPresence('Ada'));
    const bobTab = await enter(bob, slug);
    await adaTab.waitFor('Ada and Bob in the list', isPresence('Ada', 'Bob'));
    await adaTab.waitFor('the joined notice', notice('Bob joined the room'));
    await bobTab.waitFor('Bob sees both', isPresence('Ada', 'Bob'));
    const room = await ada.request('GET', `/lobby/${slug}/`);
    expect((room.body.people as Array<{ first_name: string }>).map((p) => p.first_name).sort()).toEqual(['Ada', 'Bob']);
  });

  it('a second tab of the same person announces nothing; closing every tab announces "left the room"', async () => {
    const [ada, bob] = [await signUp('Ada'), await signUp('Bob')];
    const slug = await ada.createRoom('Presence Two');
    const adaTab = await enter(ada, slug);
    const bobFirst = await enter(bob, slug);
    await adaTab.waitFor('the joined notice', notice('Bob joined the room'));
    const bobSecond = await enter(bob, slug);
    await afterQuietSpell(ada, adaTab, slug);
    expect(count(adaTab, notice('Bob joined the room'))).toBe(1);

    await bobFirst.close();
    await afterQuietSpell(ada, adaTab, slug);
    expect(count(adaTab, notice('Bob left the room')), 'one tab of two closed').toBe(0);

    await bobSecond.close();
    await adaTab.waitFor('the left notice', notice('Bob left the room'));
    await adaTab.waitFor('Ada alone again', isPresence('Ada'));
  });

  it('a reload (close and reopen within the grace period) announces nothing', async () => {
    const [ada, bob] = [await signUp('Ada'), await signUp('Bob')];
    const slug = await ada.createRoom('Presence Three');
    const adaTab = await enter(ada, slug);
    await (await enter(bob, slug)).close();
    await enter(bob, slug);
    await afterQuietSpell(ada, adaTab, slug);
    expect(count(adaTab, notice('Bob left the room'))).toBe(0);
    expect(count(adaTab, notice('Bob joined the room'))).toBe(1);
    expect(adaTab.frames.filter((frame) => frame.includes('<div id="presence"')).at(-1)).toSatisfy(isPresence('Ada', 'Bob'));
  });
});

/** How many people a notice line accounts for: "Ada, Bob, Cy and 5 others joined the room" is 8. */
function peopleIn(frames: string[], kind: 'joined' | 'left'): number {
  const sentences = frames.flatMap((frame) => [...frame.matchAll(new RegExp(`<span>([^<]*) ${kind} the room</span>`, 'g'))].map((match) => match[1]!));
  return sentences.reduce((sum, names) => {
    const others = /, \S+ and (\d+) others?$/.exec(names);
    return sum + (others ? 3 + Number(others[1]) : names.split(/, | and /).length);
  }, 0);
}

describe('a crowd', () => {
  it('arriving at once is announced to everyone present, each person once, in lines that name a few and count the rest', async () => {
    const ada = await signUp('Ada');
    const slug = await ada.createRoom('Crowded Room');
    const adaTab = await enter(ada, slug);
    await adaTab.waitFor('Ada alone in the list', isPresence('Ada'));
    // Ada's own arrival was announced too (to herself): count from here.
    await adaTab.waitFor('her own notice', notice('Ada joined the room'));
    const since = adaTab.frames.length;
    const crowd = await Promise.all(Array.from({ length: 8 }, (_, i) => signUp(`Guest${i + 1}`)));
    await Promise.all(crowd.map((who) => enter(who, slug)));
    await adaTab.waitFor('everyone in the list', (frame) => frame.includes('<span class="count">9</span>'));
    await afterQuietSpell(ada, adaTab, slug);
    expect(peopleIn(adaTab.frames.slice(since), 'joined'), 'each arrival named or counted once').toBe(8);
  });
});

describe('the lobby, live', () => {
  it('updates the "people here" count of a room when someone enters and leaves it', async () => {
    const [ada, bob] = [await signUp('Ada'), await signUp('Bob')];
    const slug = await ada.createRoom('Counted Room');
    const lobby = await ada.open('/lobby/ws/');
    open.push(lobby);
    const card = (text: string) => (frame: string) =>
      frame.includes('<ul id="room-grid"') && frame.includes(`<p class="room-online" data-room="${slug}">${text}</p>`);

    const bobTab = await enter(bob, slug);
    const frame = await lobby.waitFor('1 person here', card('1 person here'));
    expect(frame).toContain('hx-swap-oob="true"');
    const rooms = (await ada.request('GET', '/lobby/')).body.rooms as Array<{ slug: string; online: number }>;
    expect(rooms.find((room) => room.slug === slug)?.online).toBe(1);

    await enter(ada, slug);
    await lobby.waitFor('2 people here', card('2 people here'));
    const since = lobby.frames.length;
    await bobTab.close();
    await lobby.waitFor('1 person here again', card('1 person here'), { since });
  });
});
