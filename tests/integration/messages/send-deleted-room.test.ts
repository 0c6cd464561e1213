import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rooms } from '../../../src/db/schema.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { Browser, validSignup } from '../../support/browser.js';

// A send takes its room as read by a send of the last 30 s. Deleted meanwhile by another instance
// (here: straight in the database, so this instance is never told), the room must still answer
// as gone, never with a 500 or a message stored elsewhere.

let t: TestApp;
let ada: Browser;
const JSON_HEADERS = { accept: 'application/json' };

beforeAll(async () => {
  t = await createTestApp();
  ada = new Browser(t.app);
  await ada.post('/signup/', validSignup({ username: 'ada_gone' }));
});
afterAll(() => t.close());

const send = (slug: string, body: string, headers: Record<string, string> = JSON_HEADERS) => ada.post(`/lobby/${slug}/messages/`, { body }, headers);

async function createRoom(name: string): Promise<string> {
  const created = await ada.post('/lobby/', { name, image: 'chat' }, JSON_HEADERS);
  expect(created.status).toBe(201);
  return ((await created.json()) as { slug: string }).slug;
}

describe('sending to a room deleted a moment ago on another instance', () => {
  it('answers 404 saying the room was deleted, stores nothing, and sends to the room made anew under its name', async () => {
    const slug = await createRoom('Short Lived');
    expect((await send(slug, 'first')).status).toBe(201);
    await t.db.delete(rooms).where(eq(rooms.slug, slug));

    const refused = await send(slug, 'into the void');
    expect(refused.status).toBe(404);
    expect(((await refused.json()) as { error: string }).error).toContain('“Short Lived” was deleted, and your message was not sent');

    // Known gone now: the next send (here a form without JavaScript) reads the room and gets the usual page.
    const page = await send(slug, 'into the void again', {});
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('There is no room called “short-lived”');

    // The same address again, a new room: its first message is its seq 1.
    expect(await createRoom('Short Lived')).toBe(slug);
    const sent = await send(slug, 'hello again');
    expect(sent.status).toBe(201);
    expect(await sent.json()).toMatchObject({ seq: 1, body: 'hello again' });
    const history = (await (await ada.get(`/lobby/${slug}/`, JSON_HEADERS)).json()) as { messages: Array<{ body: string }> };
    expect(history.messages.map((message) => message.body)).toEqual(['hello again']);
  });
});
