import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Account, type Answer, formBody, GENEROUS_LIMITS, MAX_BODY_BYTES, pool, refusalProblems, request } from '../../security/channels.js';
import { corpus, type Hostile, type Outcome, roomDescriptionOutcome, roomNameOutcome, wellFormed } from '../../security/corpus.js';
import { attr, dangerCounts, elements, readPage, type Token, textProblems } from '../../security/html.js';
import { startTestServers, type TestServers } from '../../support/server.js';
import type { LiveClient } from '../../support/socket.js';

// Every corpus entry as a room's name (by form and by JSON) and as its description (by form or JSON,
// in turn); then each room read back: its page, the lobby (page, JSON, live grid) and its transcript.
let running: TestServers;
let carol: Account;
let lobbySocket: LiveClient;
const base = {} as { room: Record<string, number>; lobby: Record<string, number>; refused: Record<string, number> };
type Made = { entry: Hostile; field: 'name' | 'description'; via: 'form' | 'json'; outcome: Outcome; expected: 201 | 409 | 422 | 413 | 400; answer: Answer; slug?: string; name: string; description: string };
const made: Made[] = [];

const problemsOf = (found: Record<string, string[]>) => Object.entries(found).filter(([, list]) => list.length > 0);
const created = () => made.filter((m) => m.expected === 201);
const tag = (tokens: Token[], name: string, match: (t: Extract<Token, { type: 'start' }>) => boolean = () => true) => elements(tokens, (t) => t.name === name && match(t));

function create(via: 'form' | 'json', fields: Record<string, string>): Promise<Answer> {
  return via === 'form' ? carol.form('/lobby/', { image: 'chat', ...fields }) : carol.json('POST', '/lobby/', { image: 'chat', ...fields });
}
const tooLarge = (via: 'form' | 'json', fields: Record<string, string>) =>
  Buffer.byteLength(via === 'form' ? formBody({ image: 'chat', ...fields }) : JSON.stringify({ image: 'chat', ...fields })) > MAX_BODY_BYTES;
let initial: string[][];

beforeAll(async () => {
  running = await startTestServers(1, { env: GENEROUS_LIMITS });
  carol = await Account.create(running.servers[0]!.url, 'carol_rooms', 'Carol');
  initial = (await carol.getJson('/lobby/')).rooms.map((room: { name: string; description: string }) => [room.name, room.description]);
  const slug = await (await create('json', { name: 'A harmless room', description: 'Harmless words.' })).json.slug;
  base.room = dangerCounts(readPage((await carol.get(`/lobby/${slug}/`)).text).tokens);
  base.lobby = dangerCounts(readPage((await carol.get('/lobby/')).text).tokens);
  base.refused = dangerCounts(readPage((await create('form', { name: '' })).text).tokens);
  lobbySocket = await carol.open('/lobby/ws/');

  const slugs = new Set([slug]);
  // In order: whether a name's address is taken depends on the rooms made before it.
  for (const [i, entry] of corpus.entries()) {
    const name = roomNameOutcome(entry.text);
    // Each name by form and by JSON; whichever goes first may get the address, the other finds it taken.
    for (const via of i % 2 ? (['form', 'json'] as const) : (['json', 'form'] as const)) {
      const expected = tooLarge(via, { name: entry.text }) ? 413 : entry.text.includes('\u0000') ? 400 : !name.accepted ? 422 : slugs.has(name.slug!) ? 409 : 201;
      const answer = await create(via, { name: entry.text });
      if (expected === 201) slugs.add(name.slug!);
      made.push({ entry, field: 'name', via, outcome: name, expected, answer, slug: name.slug, name: name.accepted ? name.stored : '', description: '' });
    }
    // Each description by one of the two, in turn (so each way gets every family), in a room of its own.
    const description = roomDescriptionOutcome(entry.text);
    for (const via of [i % 2 ? 'form' : 'json'] as const) {
      const roomName = `${via} description ${i}`;
      const expected = tooLarge(via, { name: roomName, description: entry.text }) ? 413 : entry.text.includes('\u0000') ? 400 : description.accepted ? 201 : 422;
      const answer = await create(via, { name: roomName, description: entry.text });
      made.push({ entry, field: 'description', via, outcome: description, expected, answer, slug: `${via}-description-${i}`, name: roomName, description: description.accepted ? description.stored : '' });
    }
  }
}, 180_000);

afterAll(async () => {
  await lobbySocket?.close();
  await running?.close();
});

describe('hostile room names and descriptions', () => {
  it('make the room exactly as written, or are refused with a 4xx naming the field (409 for a taken address)', () => {
    const found: Record<string, string[]> = {};
    for (const m of made) {
      const key = `${m.via} ${m.field} ${m.entry.name}`;
      const got = m.answer;
      if (m.expected === 201) {
        found[key] =
          m.via === 'form'
            ? got.status === 303 && got.location === `/lobby/${m.slug}/` ? [] : [`${got.status} ${got.location} ${got.text.slice(0, 200)}`]
            : got.status === 201 && got.json?.slug === m.slug && got.json.name === m.name && got.json.description === m.description ? [] : [`${got.status} ${got.text.slice(0, 200)}`];
        continue;
      }
      const problems = refusalProblems(got, [m.expected]);
      if (m.expected === 409 || m.expected === 422) if (m.via === 'json' && typeof got.json?.fields?.[m.field] !== 'string') problems.push(`no fields.${m.field}`);
      if ((m.expected === 409 || m.expected === 422) && m.via === 'form') {
        // The lobby again, with the error and the text kept in the form: escaped, never breaking out.
        const page = readPage(got.text);
        if (JSON.stringify(dangerCounts(page.tokens)) !== JSON.stringify(base.refused)) problems.push(`page has ${JSON.stringify(dangerCounts(page.tokens))}`);
        if (!page.tokens.some((t) => attr(t, 'id') === `${m.field}-error`)) problems.push(`no error under ${m.field}`);
        const input = page.tokens.find((t) => t.type === 'start' && t.name === 'input' && attr(t, 'name') === m.field);
        problems.push(...textProblems(attr(input, 'value'), wellFormed(m.entry.text), `${m.field} input`));
      }
      found[key] = problems;
    }
    expect(problemsOf(found)).toEqual([]);
  });

  it("each room's page shows its name and description only as text", async () => {
    const found: Record<string, string[]> = {};
    await pool(created(), 8, async (m) => {
      // (Their JSON is checked with the lobby's list, below.)
      const problems: string[] = [];
      const page = readPage((await carol.get(`/lobby/${m.slug}/`)).text);
      if (JSON.stringify(dangerCounts(page.tokens)) !== JSON.stringify(base.room)) problems.push(`page has ${JSON.stringify(dangerCounts(page.tokens))}`);
      problems.push(...textProblems(tag(page.tokens, 'title')[0]?.raw, `${m.name} · Hubbub`, 'title'));
      problems.push(...textProblems(tag(page.tokens, 'h1', (t) => attr(t, 'id') === 'room-title')[0]?.raw, m.name, 'heading'));
      const description = tag(page.tokens, 'p', (t) => attr(t, 'class') === 'room-description')[0];
      if (m.description || description) problems.push(...textProblems(description?.raw, m.description, 'description'));
      const textarea = page.tokens.find((t) => attr(t, 'id') === 'composer-body');
      problems.push(...textProblems(attr(textarea, 'placeholder'), `Message ${m.name}`, 'composer placeholder'));
      const log = page.tokens.find((t) => attr(t, 'role') === 'log');
      problems.push(...textProblems(attr(log, 'aria-label'), `Messages in ${m.name}`, 'log label'));
      found[`${m.via} ${m.field} ${m.entry.name}`] = problems;
    });
    expect(problemsOf(found)).toEqual([]);
  });

  it('the lobby lists every room by its name and description as text: page, JSON and live grid', async () => {
    const expected = [...initial, ['A harmless room', 'Harmless words.'], ...created().map((m) => [m.name, m.description])];
    const json = (await carol.getJson('/lobby/')).rooms.map((room: { name: string; description: string }) => [room.name, room.description]);
    expect(json).toEqual(expected);
    const last = created().at(-1)!;
    const frame = await lobbySocket.waitFor('the grid with every room', (f) => f.includes(`href="/lobby/${last.slug}/"`), { timeoutMs: 20_000 });
    for (const [where, html] of [['page', (await carol.get('/lobby/')).text], ['frame', frame]] as const) {
      const view = readPage(html);
      if (where === 'page') expect(dangerCounts(view.tokens)).toEqual(base.lobby);
      const cards = tag(view.tokens, 'a', (t) => (attr(t, 'href') ?? '').startsWith('/lobby/') && attr(t, 'href') !== '/lobby/');
      expect(cards.length, where).toBe(expected.length);
      const names = tag(view.tokens, 'h2', () => true).filter((h) => !h.raw.includes('Start a new room'));
      const descriptions = tag(view.tokens, 'p', (t) => attr(t, 'class') === undefined);
      const found = expected.flatMap(([name, description], i) => [
        ...textProblems(names[i]?.raw, name!, `${where} card ${i} name`),
        ...textProblems(descriptions[i]?.raw, description!, `${where} card ${i} description`),
      ]);
      expect(found).toEqual([]);
    }
  });

  it("each room's transcript starts with two header lines, with no control character a terminal would obey", async () => {
    const found: Record<string, string[]> = {};
    // The transcript names the room (not its description) in its first line.
    await pool(created().filter((m) => m.field === 'name'), 8, async (m) => {
      const got = await request(`${carol.url}/lobby/${m.slug}/messages.txt`, { headers: { authorization: `Bearer ${carol.access}` } });
      const lines = got.text.split('\n');
      const problems = got.status === 200 ? [] : [`status ${got.status}`];
      // The room has no messages: the two header lines and the final newline, nothing else.
      if (lines.length !== 3 || !lines[0]!.startsWith('# ') || !lines[1]!.startsWith('# ')) problems.push(`header is ${JSON.stringify(got.text.slice(0, 200))}`);
      if (/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(got.text)) problems.push(`control characters in ${JSON.stringify(lines[0]!.slice(0, 120))}`);
      found[`${m.via} ${m.field} ${m.entry.name}`] = problems;
    });
    expect(problemsOf(found)).toEqual([]);
  });
});
