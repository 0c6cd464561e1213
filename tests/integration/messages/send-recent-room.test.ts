import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rooms } from '../../../src/db/schema.js';
import { LOBBY_CHANNEL } from '../../../src/realtime/bus.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { Browser, validSignup } from '../../support/browser.js';

// A send takes its room as read by a send of the last 30 s (only its identity counts). Changed
// meanwhile by another instance (here: straight in the database, so this instance is only told
// what the bus tells it), nothing a person sees may come from that old read.

let t: TestApp;
let ada: Browser;
const JSON_HEADERS = { accept: 'application/json' };
const HTMX = { 'hx-request': 'true' };

beforeAll(async () => {
  t = await createTestApp();
  ada = new Browser(t.app);
  await ada.post('/signup/', validSignup({ username: 'ada_recent' }));
});
afterAll(() => t.close());

async function createRoom(name: string): Promise<{ slug: string; id: number }> {
  const created = await ada.post('/lobby/', { name, image: 'chat' }, JSON_HEADERS);
  expect(created.status).toBe(201);
  const { slug } = (await created.json()) as { slug: string };
  const [room] = await t.db.select({ id: rooms.id }).from(rooms).where(eq(rooms.slug, slug));
  return { slug, id: room!.id };
}

describe('a room taken as read by an earlier send', () => {
  it('is forgotten when another instance renames it and says so on the lobby channel', async () => {
    const { slug, id } = await createRoom('Before Rename');
    expect((await ada.post(`/lobby/${slug}/messages/`, { body: 'hello' }, JSON_HEADERS)).status).toBe(201);
    await t.db.update(rooms).set({ name: 'After Rename' }).where(eq(rooms.id, id));

    // An empty message sent by the page: the composer comes back, naming the room as this instance knows it.
    const composer = async () => {
      const answer = await ada.post(`/lobby/${slug}/messages/`, { body: '' }, HTMX);
      expect(answer.status).toBe(422);
      return answer.text();
    };
    expect(await composer()).toContain('Message Before Rename');
    await t.realtime.bus.publish(LOBBY_CHANNEL, { type: 'lobby', renamedRoom: id });
    await new Promise((resolve) => setImmediate(resolve));
    expect(await composer()).toContain('Message After Rename');
  });

  it('never leaves the newest messages off the page sent back after a refused send without JavaScript', async () => {
    const { slug } = await createRoom('Recent Page');
    // The page drawn while the room was empty, then two sends (the second takes the room as read by the first).
    expect((await ada.get(`/lobby/${slug}/`)).status).toBe(200);
    for (const body of ['first words', 'second words']) expect((await ada.post(`/lobby/${slug}/messages/`, { body }, JSON_HEADERS)).status).toBe(201);

    const refused = await ada.post(`/lobby/${slug}/messages/`, { body: '' });

    expect(refused.status).toBe(422);
    const page = await refused.text();
    expect(page).toContain('first words');
    expect(page).toContain('second words');
  });
});
