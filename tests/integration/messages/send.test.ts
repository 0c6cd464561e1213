import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../support/app.js';
import { Browser, validSignup } from '../../support/browser.js';

let t: TestApp;
let ada: Browser;

beforeAll(async () => {
  t = await createTestApp();
  ada = new Browser(t.app);
  await ada.post('/signup/', validSignup({ username: 'ada_sends' }));
});
afterAll(() => t.close());

type JsonMessage = { seq: number; body: string | null; author: { username: string } };
const JSON_ACCEPT = { accept: 'application/json' };

async function roomMessages(slug: string): Promise<JsonMessage[]> {
  return (await (await ada.get(`/lobby/${slug}/`, JSON_ACCEPT)).json()).messages;
}

function sendJson(slug: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  const init = { method: 'POST', headers: { 'content-type': 'application/json', origin: ada.origin, ...JSON_ACCEPT, ...headers }, body: JSON.stringify(fields) };
  return ada.send(`/lobby/${slug}/messages/`, init);
}

const clientIdIn = (html: string) => html.match(/name="client_id" value="([^"]+)"/)?.[1];

describe('sending a message', () => {
  it('without JavaScript: redirects back to the room, which shows the message', async () => {
    const response = await ada.post('/lobby/game/messages/', { body: 'Anyone up for chess?', client_id: 'plain-1' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/lobby/game/');
    const page = await (await ada.get('/lobby/game/')).text();
    expect(page).toContain('Anyone up for chess?');
    expect(page).toMatch(/<li id="m-1" data-seq="1"/);
  });

  it('with htmx: answers only the new item, upserted into the list (the page keeps its composer)', async () => {
    const response = await ada.post('/lobby/study/messages/', { body: 'Notes are up', client_id: 'htmx-1' }, { 'hx-request': 'true' });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).not.toContain('<form id="composer"');
    expect(html).toMatch(/^<ol id="messages" hx-swap-oob="upsert"><li id="m-1" data-seq="1"[\s\S]*Notes are up[\s\S]*<\/li><\/ol>$/);
    // A retry of the same client_id answers the same item, not a second one.
    const again = await (await ada.post('/lobby/study/messages/', { body: 'Notes are up', client_id: 'htmx-1' }, { 'hx-request': 'true' })).text();
    expect(again).toBe(html);
  });

  it('accepts exactly 4,000 characters', async () => {
    const response = await sendJson('movie', { body: 'x'.repeat(4000) });
    expect(response.status).toBe(201);
    expect((await response.json()).body).toHaveLength(4000);
  });
});

describe('a body that is not JSON though it says so', () => {
  it('is refused with 400 and the reason, and stores nothing', async () => {
    const before = (await roomMessages('music')).length;
    const response = await ada.send('/lobby/music/messages/', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ada.origin, ...JSON_ACCEPT },
      body: '{"body": "half a message',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'The body is not valid JSON.' });
    expect(await roomMessages('music')).toHaveLength(before);
  });
});

describe('a message that cannot be sent', () => {
  const cases: Array<[string, string, string]> = [
    ['empty', '', 'Write something before sending.'],
    ['whitespace only', '  \n\t  ', 'Write something before sending.'],
    ['4,001 characters', 'y'.repeat(4001), 'Messages can be at most 4,000 characters; this one has 4,001.'],
  ];

  it.each(cases)('%s: 422 with the reason next to the composer, and nothing stored', async (_name, body, reason) => {
    const before = await roomMessages('music');
    const page = await ada.post('/lobby/music/messages/', { body, client_id: 'refused-1' });
    expect(page.status).toBe(422);
    const html = await page.text();
    expect(html).toMatch(new RegExp(`<form id="composer"[\\s\\S]*id="composer-error" role="alert">${reason}</p>`));
    expect(html).toContain('value="refused-1"');

    const fragment = await ada.post('/lobby/music/messages/', { body, client_id: 'refused-1' }, { 'hx-request': 'true' });
    expect(fragment.status).toBe(422);
    expect(await fragment.text()).toContain(reason);

    const json = await sendJson('music', { body });
    expect(json.status).toBe(422);
    expect((await json.json()).fields).toEqual({ body: reason });
    expect(await roomMessages('music')).toEqual(before);
  });

  it('keeps what was typed when it is too long, so nothing is lost', async () => {
    const html = await (await ada.post('/lobby/music/messages/', { body: 'z'.repeat(4001) })).text();
    expect(html).toContain(`${'z'.repeat(4001)}</textarea>`);
  });
});

describe('sending twice (a retry, a double click)', () => {
  it('stores one message for the same client_id and returns the same seq', async () => {
    const first = await sendJson('game', { body: 'only once', client_id: 'retry-abc' });
    const second = await sendJson('game', { body: 'only once', client_id: 'retry-abc' });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    // The first answer is the new message as stored (not read back); the retry reads it: the same.
    const [created, retried] = [await first.json(), await second.json()];
    expect(retried).toEqual(created);
    expect(created).toMatchObject({ body: 'only once', author: { username: 'ada_sends' }, edited_at: null, deleted_at: null });
    expect((await roomMessages('game')).find((m) => m.seq === created.seq)).toEqual(created);
    await ada.post('/lobby/game/messages/', { body: 'only once', client_id: 'retry-abc' });
    expect((await roomMessages('game')).filter((m) => m.body === 'only once')).toHaveLength(1);
  });

  it('does the same with an Idempotency-Key header', async () => {
    const key = { 'idempotency-key': 'key-42' };
    const [a, b] = await Promise.all([sendJson('game', { body: 'keyed' }, key), sendJson('game', { body: 'keyed' }, key)]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    expect((await a.json()).seq).toBe((await b.json()).seq);
    expect((await roomMessages('game')).filter((m) => m.body === 'keyed')).toHaveLength(1);
  });
});

describe('what a message may contain', () => {
  it('shows HTML as text, and wraps the body so htmx ignores it', async () => {
    const body = '<script>alert(1)</script><button hx-post="/logout/">free pizza</button>';
    expect((await ada.post('/lobby/travel-free/messages/', { body })).status).toBe(404);
    await ada.post('/lobby/study/messages/', { body });
    const page = await (await ada.get('/lobby/study/')).text();
    expect(page).not.toContain('<script>alert(1)');
    expect(page).not.toContain('<button hx-post="/logout/">');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    // htmx skips anything inside an element that has the hx-ignore attribute, whatever its value.
    expect(page).toMatch(/<div class="message-body" hx-ignore(="[^"]*")?>&lt;script&gt;/);
  });
});

describe('someone not signed in', () => {
  it('is sent to the sign-in page, or gets a 401 as JSON, and nothing is stored', async () => {
    const before = await roomMessages('game');
    const form = await new Browser(t.app).post('/lobby/game/messages/', { body: 'anonymous' });
    expect(form.status).toBe(303);
    expect(form.headers.get('location')).toBe('/');
    const json = await new Browser(t.app).post('/lobby/game/messages/', { body: 'anonymous' }, JSON_ACCEPT);
    expect(json.status).toBe(401);
    expect((await json.json()).error).toMatch(/sign in/i);
    expect(await roomMessages('game')).toEqual(before);
  });
});
