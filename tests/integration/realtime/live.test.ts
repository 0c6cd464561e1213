import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServers, type TestServers } from '../../support/server.js';
import { Person } from '../../support/person.js';
import { hasItem, item, type LiveClient, LiveClient as Live } from '../../support/socket.js';

let running: TestServers;
let url: string;
let ada: Person;
let bob: Person;
const open: LiveClient[] = [];

beforeAll(async () => {
  running = await startTestServers();
  url = running.servers[0]!.url;
  ada = await Person.signUp(url, 'ada_live', 'Ada');
  bob = await Person.signUp(url, 'bob_live', 'Bob');
});
afterAll(async () => {
  await Promise.allSettled(open.map((client) => client.close()));
  await running?.close();
});

const connect = (who: Person, slug: string, after?: number) => who.enter(slug, open, after);

describe('a message sent over HTTP', () => {
  it('arrives on every socket in the room as an item with its id and seq, the sender’s own with edit controls', async () => {
    const slug = await ada.createRoom('Live One');
    const [adaTab, bobTab] = [await connect(ada, slug), await connect(bob, slug)];
    const seq = await ada.say(slug, 'hello, live world');
    const forBob = await bobTab.waitFor(`item m-${seq}`, hasItem(seq, 'hello, live world'));
    const forAda = await adaTab.waitFor(`item m-${seq}`, hasItem(seq, 'hello, live world'));
    expect(forBob).toMatch(/^<ol id="messages" hx-swap-oob="upsert">/);
    expect(forBob).toContain(`<div id="room-cursor" data-seq="${seq}"`);
    expect(item(forAda, seq)).toContain('edit-form');
    expect(item(forBob, seq)).not.toContain('edit-form');
  });

  it('an edit and a delete arrive as replacements of the same item', async () => {
    const slug = await ada.createRoom('Live Two');
    const bobTab = await connect(bob, slug);
    const seq = await ada.say(slug, 'draft');
    await bobTab.waitFor('the new item', hasItem(seq, 'draft'));
    expect((await ada.edit(slug, seq, 'final text')).status).toBe(200);
    const edited = await bobTab.waitFor('the edited item', hasItem(seq, 'final text'));
    expect(item(edited, seq)).toContain('(edited)');
    expect(edited).toContain(`<div id="room-cursor" data-seq="${seq + 1}"`);
    expect((await ada.remove(slug, seq)).status).toBe(200);
    const deleted = await bobTab.waitFor('the tombstone', hasItem(seq, 'This message was deleted.'));
    expect(item(deleted, seq)).not.toContain('final text');
    expect(bobTab.itemSeqs()).toEqual([seq, seq, seq]);
  });
});

describe('catching up: ?after=<seq>', () => {
  it('replays exactly the changes after that seq, in order, and nothing earlier', async () => {
    const slug = await ada.createRoom('Catch Up');
    const one = await ada.say(slug, 'one');
    const two = await ada.say(slug, 'two');
    const three = await ada.say(slug, 'three');
    await ada.edit(slug, one, 'one, edited'); // seq 4: message 1 changed after 2

    const late = await connect(bob, slug, two);
    expect(late.itemSeqs()).toEqual([three, one]);
    expect(late.frames.join()).toContain('one, edited');
    expect(late.frames.join()).not.toContain('>two<');

    const fresh = await connect(bob, slug, 0);
    expect(fresh.itemSeqs()).toEqual([two, three, one]);
    const current = await connect(bob, slug, 4);
    expect(current.itemSeqs()).toEqual([]);
  });

  it('a cursor beyond the log (stale or made up) does not hide the next message', async () => {
    const slug = await ada.createRoom('Far Future');
    const tab = await connect(bob, slug, 999);
    const seq = await ada.say(slug, 'still arrives');
    await tab.waitFor('the next message', hasItem(seq, 'still arrives'));
  });
});

describe('handshakes that are refused before any data flows', () => {
  it('without a session: 401; from another site: 403; an unknown room: 404', async () => {
    const slug = await ada.createRoom('Guarded');
    const room = `${url}/lobby/${slug}/ws/`;
    const session = { cookie: ada.cookie, origin: url };
    expect(await Live.refusal(room, { origin: url })).toBe(401);
    expect(await Live.refusal(room, { ...session, origin: 'https://evil.example' })).toBe(403);
    expect(await Live.refusal(`${url}/lobby/no-such-room/ws/`, session)).toBe(404);
    expect(await Live.refusal(`${url}/lobby/ws/`, { origin: url })).toBe(401);
    expect(await Live.refusal(`${url}/lobby/ws/`, { ...session, origin: 'https://evil.example' })).toBe(403);
    expect(await Live.refusal(room, session)).toBe(101);
  });

  it('a plain request to a socket address is told to upgrade (426), and no socket opens', async () => {
    const slug = await ada.createRoom('Plain');
    for (const path of [`/lobby/${slug}/ws/`, '/lobby/ws/']) {
      const response = await fetch(`${url}${path}`, { headers: { cookie: ada.cookie, origin: url } });
      expect(response.status, path).toBe(426);
      expect(response.headers.get('upgrade')).toBe('websocket');
      expect(await response.text()).toBe('This address takes WebSocket connections only.');
    }
  });
});

describe('signing out', () => {
  it('closes that session’s room and lobby sockets with 4001 (no reconnect); other people stay connected', async () => {
    const cy = await Person.signUp(url, 'cy_live', 'Cy');
    const slug = await ada.createRoom('Sign Out');
    const [roomTab, lobbyTab, adaTab] = [await connect(cy, slug), await cy.open('/lobby/ws/'), await connect(ada, slug)];
    open.push(lobbyTab);
    const response = await fetch(`${url}/logout/`, { method: 'POST', headers: { cookie: cy.cookie, origin: url }, redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(await roomTab.waitForClose()).toBe(4001);
    expect(await lobbyTab.waitForClose()).toBe(4001);
    const seq = await ada.say(slug, 'still here');
    await adaTab.waitFor('the next message', hasItem(seq));
    expect(await Live.refusal(`${url}/lobby/${slug}/ws/`, { cookie: cy.cookie, origin: url })).toBe(401);
  });
});
