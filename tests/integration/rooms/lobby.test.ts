import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../support/app.js';
import { Browser, validSignup } from '../../support/browser.js';

let t: TestApp;
let ada: Browser;
const JSON_ACCEPT = { accept: 'application/json' };

beforeAll(async () => {
  t = await createTestApp();
  ada = new Browser(t.app);
  await ada.post('/signup/', validSignup({ username: 'ada_lobby' }));
});
afterAll(() => t.close());

type JsonRoom = { slug: string; name: string; image_url: string; url: string; online: number };
const lobbyRooms = async (): Promise<JsonRoom[]> => (await (await ada.get('/lobby/', JSON_ACCEPT)).json()).rooms;

describe('the lobby', () => {
  it('lists the four rooms with their pictures and links, and a form to start a room', async () => {
    const response = await ada.get('/lobby/');
    expect(response.status).toBe(200);
    const html = await response.text();
    for (const slug of ['game', 'study', 'movie', 'music']) {
      expect(html).toContain(`<a href="/lobby/${slug}/"><img src="/static/rooms/${slug}.svg"`);
    }
    expect(html).toContain('<form method="post" action="/lobby/"');
    expect(html).toContain('Create room');
    for (const image of ['game', 'study', 'movie', 'music', 'art', 'code', 'food', 'travel', 'sport', 'chat']) {
      expect(html).toContain(`name="image" value="${image}"`);
    }
  });

  it('as JSON, gives every room with how many people are in it', async () => {
    const rooms = await lobbyRooms();
    expect(rooms.map((room) => room.slug).slice(0, 4)).toEqual(['game', 'study', 'movie', 'music']);
    for (const room of rooms) expect(room.online).toBe(0);
    expect(rooms[0]).toMatchObject({ name: 'Game', url: '/lobby/game/', image_url: '/static/rooms/game.svg' });
  });
});

describe('starting a room', () => {
  it('makes an address from the name, goes there, and the lobby lists it', async () => {
    const response = await ada.post('/lobby/', { name: 'Café Tech Talk!', description: 'Espresso and TypeScript', image: 'code' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/lobby/cafe-tech-talk/');

    const page = await ada.get('/lobby/cafe-tech-talk/');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<h1 id="room-title">Café Tech Talk!</h1>');
    expect(html).toContain('Espresso and TypeScript');
    expect(html).toContain('This is the start of the conversation.');

    const lobby = await (await ada.get('/lobby/')).text();
    expect(lobby).toContain('<a href="/lobby/cafe-tech-talk/"><img src="/static/rooms/code.svg"');
    expect((await lobbyRooms()).find((room) => room.slug === 'cafe-tech-talk')).toMatchObject({ name: 'Café Tech Talk!', online: 0 });

    const sent = await ada.post('/lobby/cafe-tech-talk/messages/', { body: 'first!' });
    expect(sent.status).toBe(303);
    expect(await (await ada.get('/lobby/cafe-tech-talk/')).text()).toContain('first!');
  });

  it('refuses a name whose address is taken with 409, the reason by the name, the typed values kept', async () => {
    await ada.post('/lobby/', { name: 'Night Owls', image: 'music' });
    const response = await ada.post('/lobby/', { name: 'night  owls', description: 'insomniacs unite', image: 'food' });
    expect(response.status).toBe(409);
    const html = await response.text();
    expect(html).toContain('<p class="field-error" id="name-error">There is already a room at /lobby/night-owls/; choose another name.</p>');
    expect(html).toMatch(/<input id="name" name="name" type="text" value="night  owls"/);
    expect(html).toContain('value="insomniacs unite"');
    expect(html).toMatch(/value="food" required="" checked=""/);
    expect((await lobbyRooms()).filter((room) => room.slug === 'night-owls')).toHaveLength(1);

    const api = await ada.post('/lobby/', { name: 'Night Owls', image: 'music' }, JSON_ACCEPT);
    expect(api.status).toBe(409);
    expect((await api.json()).fields.name).toContain('/lobby/night-owls/');
  });

  it.each([
    [{ name: 'Dragons', image: 'dragon' }, 'image', 'Pick one of the pictures.'],
    [{ name: '', image: 'art' }, 'name', 'Give the room a name of at least 2 characters.'],
    [{ name: '   ', image: 'art' }, 'name', 'Give the room a name of at least 2 characters.'],
    [{ name: '!!!', image: 'art' }, 'name', 'Use a name with at least two letters or digits.'],
    [{ name: 'WS', image: 'art' }, 'name', 'Use a name with at least two letters or digits.'],
    [{ name: 'x'.repeat(41), image: 'art' }, 'name', 'Keep the name to 40 characters.'],
    [{ name: 'Long talk', description: 'd'.repeat(201), image: 'art' }, 'description', 'Keep the description to 200 characters.'],
  ])('refuses %j with 422 and says why by the field', async (fields, field, reason) => {
    const before = await lobbyRooms();
    const response = await ada.post('/lobby/', fields);
    expect(response.status).toBe(422);
    expect(await response.text()).toContain(`id="${field}-error">${reason}</p>`);
    const api = await ada.post('/lobby/', fields, JSON_ACCEPT);
    expect(api.status).toBe(422);
    expect((await api.json()).fields[field]).toBe(reason);
    expect(await lobbyRooms()).toEqual(before);
  });

  it('shows a name with HTML in it as text', async () => {
    const response = await ada.post('/lobby/', { name: '<img src=x onerror=alert(1)>', image: 'art' });
    expect(response.status).toBe(303);
    const lobby = await (await ada.get('/lobby/')).text();
    expect(lobby).not.toContain('<img src=x');
    expect(lobby).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('as JSON: 201 with the new room', async () => {
    const response = await ada.send('/lobby/', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ada.origin, ...JSON_ACCEPT },
      body: JSON.stringify({ name: 'Board Games', image: 'game' }),
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ slug: 'board-games', url: '/lobby/board-games/', image_url: '/static/rooms/game.svg' });
  });
});

describe('a room that does not exist', () => {
  it('is a friendly 404 page that leads back to the lobby', async () => {
    const response = await ada.get('/lobby/atlantis/');
    expect(response.status).toBe(404);
    const html = await response.text();
    expect(html).toContain('There is no room called “atlantis”. Pick one from the lobby.');
    expect(html).toContain('<a href="/lobby/">Back to the lobby</a>');
    expect(html).not.toMatch(/Error:|at \S+ \(/);
    expect((await ada.get('/lobby/atlantis/messages/')).status).toBe(404);
    expect((await ada.post('/lobby/atlantis/messages/', { body: 'hello?' })).status).toBe(404);
  });
});
