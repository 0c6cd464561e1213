import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../support/app.js';
import { Browser, validSignup } from '../../support/browser.js';

let t: TestApp;
let ada: Browser;
let bob: Browser;
const JSON_ACCEPT = { accept: 'application/json' };

type JsonMessage = { seq: number; updated_seq: number; body: string | null; edited_at: string | null; deleted_at: string | null };

beforeAll(async () => {
  t = await createTestApp();
  ada = new Browser(t.app);
  bob = new Browser(t.app);
  await ada.post('/signup/', validSignup({ username: 'ada_edits' }));
  await bob.post('/signup/', validSignup({ username: 'bob_edits', first_name: 'Bob' }));
});
afterAll(() => t.close());

function api(who: Browser, method: string, path: string, fields?: Record<string, string>) {
  const headers: Record<string, string> = { origin: who.origin, ...JSON_ACCEPT };
  if (fields) headers['content-type'] = 'application/json';
  return who.send(path, { method, headers, ...(fields ? { body: JSON.stringify(fields) } : {}) });
}

async function post(body: string, slug = 'game'): Promise<JsonMessage> {
  return (await api(ada, 'POST', `/lobby/${slug}/messages/`, { body })).json();
}

async function room(slug = 'game'): Promise<{ room: { last_seq: number }; messages: JsonMessage[] }> {
  return (await ada.get(`/lobby/${slug}/`, JSON_ACCEPT)).json();
}

const inRoom = async (seq: number) => (await room()).messages.find((m) => m.seq === seq)!;
const itemIn = (html: string, seq: number) => html.match(new RegExp(`<li id="m-${seq}" data-seq="${seq}"[\\s\\S]*?</li>`))?.[0] ?? '';

describe('the author edits a message', () => {
  it('with a plain form (_method=PATCH): the room shows the new text, marked (edited)', async () => {
    const { seq } = await post('See you at 7');
    const response = await ada.post(`/lobby/game/messages/${seq}/`, { _method: 'PATCH', body: 'See you at 8' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`/lobby/game/#m-${seq}`);
    const item = itemIn(await (await ada.get('/lobby/game/')).text(), seq);
    expect(item).toContain('See you at 8');
    expect(item).not.toContain('See you at 7');
    expect(item).toContain('(edited)');
    expect(await inRoom(seq)).toMatchObject({ body: 'See you at 8', edited_at: expect.any(String) });
  });

  it('with JSON PATCH: answers the message; each change takes the next room seq, the message keeps its seq', async () => {
    const message = await post('first draft');
    expect(message.updated_seq).toBe(message.seq);
    const before = (await room()).room.last_seq;
    const edited: JsonMessage = await (await api(ada, 'PATCH', `/lobby/game/messages/${message.seq}/`, { body: 'second draft' })).json();
    expect(edited).toMatchObject({ seq: message.seq, updated_seq: before + 1, body: 'second draft' });
    const again: JsonMessage = await (await api(ada, 'PATCH', `/lobby/game/messages/${message.seq}/`, { body: 'final' })).json();
    expect(again).toMatchObject({ seq: message.seq, updated_seq: before + 2 });
    expect((await room()).room.last_seq).toBe(before + 2);
  });

  it('with htmx: answers the replaced item for the list', async () => {
    const { seq } = await post('typo');
    const response = await ada.post(`/lobby/game/messages/${seq}/`, { _method: 'PATCH', body: 'fixed' }, { 'hx-request': 'true' });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toMatch(/^<ol id="messages" hx-swap-oob="upsert">/);
    expect(itemIn(html, seq)).toContain('fixed');
  });

  it('refuses an empty edit and keeps the message', async () => {
    const { seq } = await post('keep me');
    const response = await api(ada, 'PATCH', `/lobby/game/messages/${seq}/`, { body: '   ' });
    expect(response.status).toBe(422);
    expect(await inRoom(seq)).toMatchObject({ body: 'keep me', edited_at: null });
  });
});

describe('the author deletes a message', () => {
  it('leaves a tombstone in the page and a null body in JSON, at a new seq', async () => {
    const { seq } = await post('regrettable');
    const before = (await room()).room.last_seq;
    const response = await ada.post(`/lobby/game/messages/${seq}/`, { _method: 'DELETE' });
    expect(response.status).toBe(303);
    const item = itemIn(await (await ada.get('/lobby/game/')).text(), seq);
    expect(item).toContain('This message was deleted.');
    expect(item).not.toContain('regrettable');
    expect(item).not.toContain('delete-form');
    expect(await inRoom(seq)).toMatchObject({ seq, updated_seq: before + 1, body: null, deleted_at: expect.any(String) });
  });

  it('with JSON DELETE; a second delete, or an edit afterwards, is a 404', async () => {
    const { seq } = await post('twice');
    const deleted = await api(ada, 'DELETE', `/lobby/game/messages/${seq}/`);
    expect(deleted.status).toBe(200);
    expect((await deleted.json()).body).toBeNull();
    const last = (await room()).room.last_seq;
    expect((await api(ada, 'DELETE', `/lobby/game/messages/${seq}/`)).status).toBe(404);
    expect((await ada.post(`/lobby/game/messages/${seq}/`, { _method: 'DELETE' })).status).toBe(404);
    expect((await api(ada, 'PATCH', `/lobby/game/messages/${seq}/`, { body: 'back from the dead' })).status).toBe(404);
    expect(await inRoom(seq)).toMatchObject({ body: null });
    expect((await room()).room.last_seq).toBe(last);
  });
});

describe('what nobody else may do', () => {
  it('another user gets 403 for an edit or a delete, and nothing changes', async () => {
    const message = await post('mine, not yours');
    const last = (await room()).room.last_seq;
    const edit = await bob.post(`/lobby/game/messages/${message.seq}/`, { _method: 'PATCH', body: 'hacked' });
    expect(edit.status).toBe(403);
    expect(await edit.text()).toContain('You can only change your own messages.');
    expect((await api(bob, 'PATCH', `/lobby/game/messages/${message.seq}/`, { body: 'hacked' })).status).toBe(403);
    expect((await api(bob, 'DELETE', `/lobby/game/messages/${message.seq}/`)).status).toBe(403);
    expect(await inRoom(message.seq)).toEqual(message);
    expect((await room()).room.last_seq).toBe(last);
  });

  it('another user sees no edit or delete buttons on it, while its author does, whoever opened the page first', async () => {
    const { seq } = await post('just mine');
    // Both read the same state of the room: the page is read once and shared, each form rendered once.
    const adaFirst = itemIn(await (await ada.get('/lobby/game/')).text(), seq);
    const item = itemIn(await (await bob.get('/lobby/game/')).text(), seq);
    expect(item).toContain('just mine');
    expect(item).not.toContain('edit-form');
    expect(item).not.toContain('delete-form');
    expect(adaFirst).toContain('edit-form');
    expect(itemIn(await (await ada.get('/lobby/game/')).text(), seq)).toContain('delete-form');
    expect(itemIn(await (await bob.get('/lobby/game/')).text(), seq)).not.toContain('edit-form');
  });

  it.each(['999', '0', 'abc'])('a message that does not exist (%s) is a 404', async (seq) => {
    expect((await ada.post(`/lobby/game/messages/${seq}/`, { _method: 'PATCH', body: 'x' })).status).toBe(404);
    expect((await api(ada, 'DELETE', `/lobby/game/messages/${seq}/`)).status).toBe(404);
  });

  it('a message is only found in its own room', async () => {
    const { seq } = await post('study only', 'study');
    const response = await api(ada, 'DELETE', `/lobby/music/messages/${seq}/`);
    expect(response.status).toBe(404);
    expect((await room('study')).messages.find((m) => m.seq === seq)).toMatchObject({ body: 'study only' });
  });
});
