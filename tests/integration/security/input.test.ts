import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../support/app.js';
import { Browser, validSignup } from '../../support/browser.js';

let t: TestApp;
let ada: Browser;

beforeAll(async () => {
  t = await createTestApp();
  ada = new Browser(t.app);
  await ada.post('/signup/', validSignup({ username: 'Alice_01' }));
});
afterAll(() => t.close());

const raw = (path: string, type: string, body: Uint8Array | string) =>
  ada.send(path, { method: 'POST', headers: { 'content-type': type, origin: ada.origin, accept: 'application/json' }, body: body as string });
const count = async () => ((await (await ada.get('/lobby/game/', { accept: 'application/json' })).json()).messages as unknown[]).length;

describe('usernames that could be mistaken for a taken one', () => {
  it.each(['alice_01', 'AIice_01', 'A1ice_O1', 'ａｌｉｃｅ＿０１'])('refuses %s with 409 naming the field', async (name) => {
    const response = await new Browser(t.app).post('/signup/', validSignup({ username: name }), { accept: 'application/json' });
    expect(response.status).toBe(409);
    expect((await response.json()).fields.username).toContain('looks too much like one that is');
  });

  it('stores a fullwidth name as its plain letters, and signs in with either spelling', async () => {
    const browser = new Browser(t.app);
    expect((await browser.post('/signup/', validSignup({ username: 'ｗｉｄｅ_ｗｉｌｌ' }))).status).toBe(303);
    const me = await (await browser.get('/', { accept: 'application/json' })).json();
    expect(me.user.username).toBe('wide_will');
    const again = await new Browser(t.app).post('/login/', { username: 'ｗｉｄｅ_ｗｉｌｌ', password: validSignup().password });
    expect(again.status).toBe(303);
  });
});

describe('bytes no person types', () => {
  it('refuses a NUL character with 400 naming the field, and stores nothing', async () => {
    const before = await count();
    const form = await raw('/lobby/game/messages/', 'application/x-www-form-urlencoded', 'body=hi%00there');
    expect(form.status).toBe(400);
    expect((await form.json()).error).toContain('“body” contains a NUL character');
    const json = await raw('/lobby/game/messages/', 'application/json', JSON.stringify({ body: 'hi\u0000there' }));
    expect(json.status).toBe(400);
    const api = await new Browser(t.app).send('/api/signup/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...validSignup({ username: 'nul_nick' }), first_name: 'N\u0000' }) });
    expect(api.status).toBe(400);
    expect(await count()).toBe(before);
  });

  it('refuses bytes that are not UTF-8 with 400, raw or percent-encoded, in forms and JSON', async () => {
    const before = await count();
    const rawForm = await raw('/lobby/game/messages/', 'application/x-www-form-urlencoded', Buffer.from([0x62, 0x6f, 0x64, 0x79, 0x3d, 0xff, 0xfe]));
    expect(rawForm.status).toBe(400);
    expect((await rawForm.json()).error).toBe('The body is not valid UTF-8 text.');
    const escaped = await raw('/lobby/game/messages/', 'application/x-www-form-urlencoded', 'body=%C3%28');
    expect(escaped.status).toBe(400);
    expect((await escaped.json()).error).toContain('not valid UTF-8');
    const json = await raw('/lobby/game/messages/', 'application/json', Buffer.concat([Buffer.from('{"body":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]));
    expect(json.status).toBe(400);
    expect(await count()).toBe(before);
  });

  it('still takes every real character, astral ones and percent-encoded ones included', async () => {
    const response = await raw('/lobby/game/messages/', 'application/x-www-form-urlencoded', `body=${encodeURIComponent('café 👩‍💻 + 100%')}`);
    expect(response.status).toBe(201);
    expect((await response.json()).body).toBe('café 👩‍💻 + 100%');
  });
});

describe('text people wrote, on the page', () => {
  it('sits inside an element htmx ignores: bodies, author names, the room header, the greeting', async () => {
    await ada.post('/lobby/', { name: 'Ignored Room', description: 'a <div hx-get="/logout/">', image: 'chat' });
    await ada.post('/lobby/ignored-room/messages/', { body: 'plain words', client_id: 'wrap-1' });
    const room = await (await ada.get('/lobby/ignored-room/')).text();
    expect(room).toMatch(/<header class="room-header" hx-ignore="?"?[^>]*>[\s\S]*Ignored Room[\s\S]*&lt;div hx-get=&quot;\/logout\/&quot;&gt;[\s\S]*<\/header>/);
    expect(room).toMatch(/<p class="message-meta" hx-ignore="?"?[^>]*><span class="author">Ada<\/span>/);
    expect(room).toMatch(/<div class="message-body" hx-ignore="?"?[^>]*>plain words<\/div>/);
    const lobby = await (await ada.get('/lobby/')).text();
    expect(lobby).toMatch(/<h1 id="lobby-title" hx-ignore="?"?[^>]*>Welcome, Ada<\/h1>/);
    expect(lobby).toMatch(/<li class="room-card" hx-ignore="?"?[^>]*><a href="\/lobby\/ignored-room\/">/);
  });
});
