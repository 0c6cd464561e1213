import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../support/app.js';
import { Browser, validSignup } from '../../support/browser.js';

// A room as plain text, for terminals: Accept: text/plain on the messages URL, or messages.txt.
let t: TestApp;
let ada: Browser;

beforeAll(async () => {
  t = await createTestApp();
  ada = new Browser(t.app);
  await ada.post('/signup/', validSignup({ username: 'ada_text' }));
});
afterAll(() => t.close());

const say = (room: string, body: string) =>
  ada.post(`/lobby/${room}/messages/`, { body }, { accept: 'application/json' }).then(async (r) => (await r.json()).seq as number);

describe('a room as plain text', () => {
  it('lists messages oldest first, one per line, with seq, time, author and marks for edits and deletes', async () => {
    const first = await say('movie', 'Popcorn ready?');
    const second = await say('movie', 'Two lines:\nthe second one');
    const third = await say('movie', 'Oops');
    await ada.send(`/lobby/movie/messages/${second}/`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', accept: 'application/json', origin: ada.origin },
      body: JSON.stringify({ body: 'Two lines:\nthe second, edited' }),
    });
    await ada.send(`/lobby/movie/messages/${third}/`, { method: 'DELETE', headers: { accept: 'application/json', origin: ada.origin } });

    for (const [path, headers] of [
      ['/lobby/movie/messages/', { accept: 'text/plain' }],
      ['/lobby/movie/messages.txt', {}],
    ] as const) {
      const response = await ada.get(path, headers);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/plain; charset=UTF-8');
      expect(response.headers.get('vary')).toContain('Accept');
      const lines = (await response.text()).trimEnd().split('\n');
      expect(lines[0]).toBe(`# Movie (movie): messages #${first} to #${third}`);
      expect(lines[1]).toBe('# this is the beginning of the room');
      expect(lines[2]).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z  #${first}  Ada \\(@ada_text\\): Popcorn ready\\?$`));
      expect(lines[3]).toMatch(new RegExp(`  #${second}  Ada \\(@ada_text\\) \\[edited\\]: Two lines:$`));
      expect(lines[4]).toBe('    the second, edited');
      expect(lines[5]).toMatch(new RegExp(`  #${third}  Ada \\(@ada_text\\) \\[deleted\\]$`));
      expect(lines).toHaveLength(6);
    }
  });

  it('pages back by seq, naming the older page in a Link header', async () => {
    for (let n = 1; n <= 55; n++) await say('game', `game ${n}`);
    const newest = await ada.get('/lobby/game/messages.txt');
    const older = `/lobby/game/messages.txt?before=6`;
    expect(newest.headers.get('link')).toBe(`<${older}>; rel="next"`);
    const text = await newest.text();
    expect(text.split('\n')[1]).toBe(`# older: ${older}`);
    expect(text).toContain(': game 6\n');
    expect(text).not.toContain(': game 5\n');
    const page = await ada.get(older);
    const lines = (await page.text()).trimEnd().split('\n');
    expect(lines.slice(2).map((l) => l.replace(/^.*: /, ''))).toEqual(['game 1', 'game 2', 'game 3', 'game 4', 'game 5']);
    expect(page.headers.get('link')).toBeNull();
    expect((await ada.get('/lobby/game/messages.txt?before=zero')).status).toBe(400);
  });

  it('cannot be made to forge a line or drive the terminal', async () => {
    await say('music', 'hi\n2026-01-01T00:00:00.000Z  #999  Mallory (@admin): fake\u001b[2J\u0007');
    const text = await (await ada.get('/lobby/music/messages.txt')).text();
    expect(text).toContain('\n    2026-01-01T00:00:00.000Z  #999  Mallory (@admin): fake\uFFFD[2J\uFFFD\n');
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
  });

  it('tells a reader who is not signed in to sign in (401, not a redirect to a page)', async () => {
    const stranger = new Browser(t.app);
    expect((await stranger.get('/lobby/music/messages.txt')).status).toBe(401);
    expect((await stranger.get('/lobby/music/messages/', { accept: 'text/plain' })).status).toBe(401);
  });
});
