import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../support/app.js';
import { Browser, validSignup } from '../../support/browser.js';

let t: TestApp;
let ada: Browser;
const JSON_ACCEPT = { accept: 'application/json' };

// Rooms holding 0, 1, 50 (one full page), 51 and 101 messages; a room's messages have seqs 1..n.
const rooms = { none: 'game', one: 'study', full: 'movie', fullPlusOne: 'music', many: 'archive' };

async function fill(slug: string, count: number) {
  for (let n = 1; n <= count; n++) {
    const response = await ada.send(`/lobby/${slug}/messages/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ada.origin, ...JSON_ACCEPT },
      body: JSON.stringify({ body: `message ${n}` }),
    });
    if (response.status !== 201) throw new Error(`seeding ${slug} failed at ${n}: ${response.status}`);
  }
}

beforeAll(async () => {
  t = await createTestApp();
  ada = new Browser(t.app);
  await ada.post('/signup/', validSignup({ username: 'ada_history' }));
  await ada.post('/lobby/', { name: 'Archive', image: 'study' });
  await fill(rooms.one, 1);
  await fill(rooms.full, 50);
  await fill(rooms.fullPlusOne, 51);
  await fill(rooms.many, 101);
}, 120_000);
afterAll(() => t.close());

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const seqsOf = (body: { messages: Array<{ seq: number }> }) => body.messages.map((m) => m.seq);
const pageSeqs = (html: string) => [...html.matchAll(/<li id="m-(\d+)" data-seq/g)].map((m) => Number(m[1]));

async function json(path: string) {
  const response = await ada.get(path, JSON_ACCEPT);
  expect(response.status, path).toBe(200);
  return response.json();
}

describe('the room page shows the newest 50 messages, oldest first', () => {
  it.each([
    [rooms.none, [], false],
    [rooms.one, [1], false],
    [rooms.full, range(1, 50), false],
    [rooms.fullPlusOne, range(2, 51), true],
    [rooms.many, range(52, 101), true],
  ] as const)('%s', async (slug, seqs, hasOlder) => {
    const room = await json(`/lobby/${slug}/`);
    expect(seqsOf(room)).toEqual(seqs);
    expect(room.has_older).toBe(hasOlder);
    const newest = await json(`/lobby/${slug}/messages/`);
    expect(seqsOf(newest)).toEqual(seqs);
    expect(newest.has_older).toBe(hasOlder);

    const page = await (await ada.get(`/lobby/${slug}/`)).text();
    expect(pageSeqs(page)).toEqual(seqs);
    if (hasOlder) {
      expect(page).toContain(`<a href="/lobby/${slug}/messages/?before=${seqs[0]}"`);
      expect(page).not.toContain('This is the start of the conversation.');
    } else {
      expect(page).toContain('This is the start of the conversation.');
      expect(page).not.toContain('Older messages');
    }
  });
});

describe('older messages: ?before=<seq>', () => {
  it('returns exactly the 50 before that seq, oldest first, and where to continue', async () => {
    const second = await json(`/lobby/${rooms.many}/messages/?before=52`);
    expect(seqsOf(second)).toEqual(range(2, 51));
    expect(second).toMatchObject({ has_older: true, next_before: 2 });
    const last = await json(`/lobby/${rooms.many}/messages/?before=2`);
    expect(seqsOf(last)).toEqual([1]);
    expect(last).toMatchObject({ has_older: false, next_before: null });
    expect(await json(`/lobby/${rooms.fullPlusOne}/messages/?before=2`)).toMatchObject({ messages: [{ seq: 1, body: 'message 1' }], has_older: false });
    expect(seqsOf(await json(`/lobby/${rooms.full}/messages/?before=1`))).toEqual([]);
    expect(seqsOf(await json(`/lobby/${rooms.many}/messages/?before=30`))).toEqual(range(1, 29));
  });

  it.each(['abc', '0', '-3', '2.5'])('refuses before=%s with 400', async (before) => {
    const response = await ada.get(`/lobby/${rooms.many}/messages/?before=${before}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('before must be a message seq.');
    const api = await ada.get(`/lobby/${rooms.many}/messages/?before=${before}`, JSON_ACCEPT);
    expect((await api.json()).error).toBe('before must be a message seq.');
  });

  it('answers htmx with items upserted into the list, hiding the spent marker and adding a new one', async () => {
    const response = await ada.get(`/lobby/${rooms.many}/messages/?before=52`, { 'hx-request': 'true' });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toMatch(/^<ol id="messages" hx-swap-oob="upsert">[\s\S]*<\/ol>$/);
    expect(html).not.toContain('<html');
    expect(pageSeqs(html)).toEqual(range(2, 51));
    // The room page's "Older messages" link (id m-51-0-older) is replaced by a hidden one…
    const page = await (await ada.get(`/lobby/${rooms.many}/`)).text();
    expect(page).toContain('<li id="m-51-0-older" class="history-start">');
    expect(html).toMatch(/<li id="m-51-0-older" hidden(="")?><\/li>/);
    // …and a new marker links further back.
    expect(html).toMatch(/<li id="m-1-0-older" class="history-start"><a href="\/lobby\/archive\/messages\/\?before=2" hx-get=/);

    const oldest = await (await ada.get(`/lobby/${rooms.many}/messages/?before=2`, { 'hx-request': 'true' })).text();
    expect(pageSeqs(oldest)).toEqual([1]);
    expect(oldest).toContain('This is the start of the conversation.');
    expect(oldest).not.toContain('Older messages');
  });

  it('without JavaScript is a page with a link further back, until the start of the conversation', async () => {
    const page = await (await ada.get(`/lobby/${rooms.many}/messages/?before=52`)).text();
    expect(page).toContain('<html');
    expect(pageSeqs(page)).toEqual(range(2, 51));
    expect(page).toContain('<a href="/lobby/archive/messages/?before=2">Older messages</a>');
    expect(page).toContain('<a href="/lobby/archive/">Back to the newest messages</a>');
    const first = await (await ada.get(`/lobby/${rooms.many}/messages/?before=2`)).text();
    expect(pageSeqs(first)).toEqual([1]);
    expect(first).toContain('This is the start of the conversation.');
    expect(first).not.toContain('Older messages</a>');
  });
});
