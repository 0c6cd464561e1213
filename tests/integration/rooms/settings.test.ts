import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Person } from '../../support/person.js';
import { startTestServers, type TestServers } from '../../support/server.js';
import { EventStreamClient } from '../../support/events.js';
import { LiveClient } from '../../support/socket.js';

// An administrator renames or deletes a room; the lobby and the people in the room see it live.
let running: TestServers;
let url: string;
let root: Person; // the first account: the administrator
let ada: Person;
const opened: LiveClient[] = [];

beforeAll(async () => {
  running = await startTestServers(1);
  url = running.servers[0]!.url;
  root = await Person.signUp(url, 'root_rooms', 'Root');
  ada = await Person.signUp(url, 'ada_rooms', 'Ada');
});
afterAll(async () => {
  await Promise.allSettled(opened.map((client) => client.close()));
  await running?.close();
});

const openLobby = async (who: Person) => {
  const client = await who.open('/lobby/ws/');
  opened.push(client);
  return client;
};
const page = async (who: Person, path: string) => fetch(`${url}${path}`, { headers: { cookie: who.cookie } });
const form = (who: Person, path: string, fields: Record<string, string>) =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { cookie: who.cookie, origin: url, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });

describe('renaming a room', () => {
  it('changes its name and description, keeps its address, and every lobby shows it live', async () => {
    const slug = await ada.createRoom('Chess Club');
    const lobby = await openLobby(ada);
    // Someone in the room, on its page and on its event stream, sees the new name at once too.
    const inRoom = await ada.enter(slug, opened);
    const stream = await EventStreamClient.open(`${url}/lobby/${slug}/events/`, { cookie: ada.cookie });
    await stream.waitFor('ready', () => stream.events.some((event) => event.event === 'ready'));
    const answer = await root.request('PATCH', `/lobby/${slug}/`, { name: 'Board Games', description: 'Chess, go and more' });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ slug: 'chess-club', name: 'Board Games', description: 'Chess, go and more', url: '/lobby/chess-club/' });
    await lobby.waitFor('the renamed card', (frame) => frame.includes('<h2>Board Games</h2>') && !frame.includes('Chess Club'));
    const heading = await inRoom.waitFor('the new heading', (frame) => frame.includes('id="room-heading"'));
    expect(heading).toBe('<div id="room-heading" class="room-heading" hx-swap-oob="true"><h1 id="room-title">Board Games</h1><p class="room-description">Chess, go and more</p></div>');
    await stream.waitFor('the room event', () => stream.events.some((event) => event.event === 'room'));
    expect(JSON.parse(stream.events.find((event) => event.event === 'room')!.data)).toEqual({ slug: 'chess-club', name: 'Board Games', description: 'Chess, go and more' });
    stream.close();
    const roomPage = await (await page(ada, `/lobby/${slug}/`)).text();
    expect(roomPage).toContain('<h1 id="room-title">Board Games</h1>');
    expect(roomPage).toContain('Chess, go and more');
  });

  it('works by a plain form from the settings page, linked from the room page for administrators only', async () => {
    const slug = await ada.createRoom('Book Nook');
    expect(await (await page(root, `/lobby/${slug}/`)).text()).toContain(`href="/lobby/${slug}/edit/">Room settings</a>`);
    expect(await (await page(ada, `/lobby/${slug}/`)).text()).not.toContain('Room settings');
    const settings = await (await page(root, `/lobby/${slug}/edit/`)).text();
    expect(settings).toMatch(new RegExp(`<form method="post" action="/lobby/${slug}/"[\\s\\S]*name="_method" value="PATCH"[\\s\\S]*value="Book Nook"`));
    const saved = await form(root, `/lobby/${slug}/`, { _method: 'PATCH', name: 'Reading Room', description: '' });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe(`/lobby/${slug}/`);
    expect(await (await page(ada, `/lobby/${slug}/`)).text()).toContain('<h1 id="room-title">Reading Room</h1>');
  });

  it('refuses a bad name with the form kept as typed (422), and anyone but an administrator (403)', async () => {
    const slug = await ada.createRoom('Quiet Corner');
    const bad = await form(root, `/lobby/${slug}/`, { _method: 'PATCH', name: '!!', description: 'still typed here' });
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toContain('Use a name with at least two letters or digits.');
    expect(html).toContain('value="!!"');
    expect(html).toContain('value="still typed here"');
    const long = await root.request('PATCH', `/lobby/${slug}/`, { name: 'x'.repeat(41) });
    expect(long.status).toBe(422);
    expect(long.body.fields).toEqual({ name: 'Keep the name to 40 characters.' });

    const refused = await ada.request('PATCH', `/lobby/${slug}/`, { name: 'Mine Now' });
    expect(refused.status).toBe(403);
    expect((await page(ada, `/lobby/${slug}/edit/`)).status).toBe(403);
    expect((await root.request('GET', `/lobby/${slug}/`)).body.room).toMatchObject({ name: 'Quiet Corner' });
  });

  it('lets the four original rooms be renamed, but not deleted (409)', async () => {
    expect((await root.request('PATCH', '/lobby/music/', { name: 'Tunes' })).status).toBe(200);
    const refused = await root.request('DELETE', '/lobby/music/');
    expect(refused.status).toBe(409);
    expect(refused.body.error).toContain('can be renamed, not deleted');
    expect((await root.request('GET', '/lobby/music/')).body.room).toMatchObject({ slug: 'music', name: 'Tunes' });
    expect(await (await page(root, '/lobby/music/edit/')).text()).not.toContain('name="_method" value="DELETE"');
  });
});

describe('deleting a room', () => {
  it('deletes it with its messages, sends its people to the lobby (4005) and drops its card from every lobby', async () => {
    const slug = await ada.createRoom('Short Lived');
    await ada.say(slug, 'one');
    await ada.say(slug, 'two');
    const inRoom = await ada.enter(slug, opened);
    const lobby = await openLobby(ada);

    const answer = await root.request('DELETE', `/lobby/${slug}/`);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ deleted: true, slug, messages_deleted: 2 });
    expect(await inRoom.waitForClose()).toBe(4005);
    await lobby.waitFor('the lobby without the card', (frame) => frame.includes('id="room-grid"') && !frame.includes('Short Lived'));
    expect((await ada.request('GET', `/lobby/${slug}/`)).status).toBe(404);
    expect((await ada.request('GET', `/lobby/${slug}/messages/`)).status).toBe(404);
    expect((await ada.request('POST', `/lobby/${slug}/messages/`, { body: 'anyone here?' })).status).toBe(404);
  });

  it('works by a plain form (303 to the lobby), and only for an administrator', async () => {
    const slug = await ada.createRoom('Form Doomed');
    expect((await form(ada, `/lobby/${slug}/`, { _method: 'DELETE' })).status).toBe(403);
    expect((await ada.request('GET', `/lobby/${slug}/`)).status).toBe(200);
    const gone = await form(root, `/lobby/${slug}/`, { _method: 'DELETE' });
    expect(gone.status).toBe(303);
    expect(gone.headers.get('location')).toBe('/lobby/');
    expect(await (await page(ada, '/lobby/')).text()).not.toContain('Form Doomed');
  });
});
