import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usernameSkeleton } from '../../../src/auth/usernames.js';
import { Account, type Answer, clientId, formBody, GENEROUS_LIMITS, MAX_BODY_BYTES, historyJson, historyPages, PASSWORD, pool, refusalProblems, replayEvents, request, transcriptPages } from '../../security/channels.js';
import { corpus, hasLoneSurrogate, type Hostile, type Outcome, personNameOutcome, usernameOutcome, wellFormed } from '../../security/corpus.js';
import { attr, dangerCounts, elements, readPage, textProblems } from '../../security/html.js';
import { startTestServers, type TestServers } from '../../support/server.js';
import type { LiveClient } from '../../support/socket.js';

// Every corpus entry as a first and last name (sign-up by form, by JSON, by the old API) and as a
// username; then each accepted name read back wherever a name shows: the header, messages (page,
// history, event stream, transcript, old socket) and the list of people in a room.
let running: TestServers;
let url: string;
let alice: Account;
let slug: string;
const base = {} as { item: string; lobby: Record<string, number>; refused: Record<string, number>; room: Record<string, number> };
type Kind = 'form' | 'json' | 'api';
type Signup = { entry: Hostile; i: number; store: boolean; first: Outcome; last: Outcome; form: Answer; json: Answer; api: Answer; tooLarge: Record<Kind, boolean>; person?: Account };
const signups: Signup[] = [];
const sockets: LiveClient[] = [];

const problemsOf = (found: Record<string, string[]>) => Object.entries(found).filter(([, list]) => list.length > 0);
const accepted = () => signups.filter((s) => s.person);
const names = (s: Signup) => ({ first: s.first.accepted ? s.first.stored : '', last: s.last.accepted ? s.last.stored : '' });

/**
 * Which entries JSON and /api/signup/ store as accounts of their own: every lone surrogate (JSON carries
 * it as a \\uD800 escape, a form as U+FFFD) and the first three of each family; the form stores all.
 */
const sampled = new Set(corpus.filter((entry, i) => corpus.findIndex((e) => e.family === entry.family) > i - 3).map((entry) => entry.name));
const stores = (entry: Hostile) => hasLoneSurrogate(entry.text) || sampled.has(entry.name);

const bodyOf = (kind: Kind, fields: Record<string, string>) => (kind === 'form' ? formBody(fields) : JSON.stringify(fields));

function signUp(kind: Kind, fields: Record<string, string>): Promise<Answer> {
  if (kind === 'form') {
    return request(`${url}/signup/`, { method: 'POST', headers: { origin: url, 'content-type': 'application/x-www-form-urlencoded' }, body: formBody(fields) });
  }
  const path = kind === 'api' ? '/api/signup/' : '/signup/';
  return request(`${url}${path}`, { method: 'POST', headers: { origin: url, 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(fields) });
}

beforeAll(async () => {
  running = await startTestServers(1, { env: GENEROUS_LIMITS });
  url = running.servers[0]!.url;
  alice = await Account.create(url, 'alice_names', 'Alice');
  slug = await alice.createRoom('Hostile names');
  // A harmless person, for the shape of their message item and of the pages showing their name.
  const harmless = await Account.create(url, 'harmless_names', 'Harmless');
  await harmless.form(`/lobby/${slug}/messages/`, { body: 'from harmless', client_id: clientId() });
  const roomPage = readPage((await alice.get(`/lobby/${slug}/`)).text);
  base.item = roomPage.items[0]!.shape;
  base.room = dangerCounts(roomPage.outsideTokens);
  base.lobby = dangerCounts(readPage((await harmless.get('/lobby/')).text).tokens);
  base.refused = dangerCounts(readPage((await signUp('form', { username: 'nobody_here', first_name: '', last_name: '', password: PASSWORD, icon: 'owl' })).text).tokens);

  await pool(corpus, 4, async (entry, i) => {
    // JSON and the old API make accounts of their own for a sample (see `stores`); for the rest they
    // reuse the form's username, so a 409 "taken" proves the names passed validation without paying
    // for another argon2 hash.
    const store = stores(entry);
    const fields = (kind: Kind) => ({ username: kind === 'form' || store ? `${kind}_${i}` : `form_${i}`, first_name: entry.text, last_name: entry.text, password: PASSWORD, icon: 'owl' });
    const form = await rawSignUp(fields('form'));
    const [json, api] = await Promise.all([signUp('json', fields('json')), signUp('api', fields('api'))]);
    const tooLarge = Object.fromEntries((['form', 'json', 'api'] as const).map((kind) => [kind, Buffer.byteLength(bodyOf(kind, fields(kind))) > MAX_BODY_BYTES])) as Record<Kind, boolean>;
    const signup: Signup = { entry, i, store, first: personNameOutcome(entry.text, 'first_name'), last: personNameOutcome(entry.text, 'last_name'), form, json, api, tooLarge };
    if (form.cookie) {
      signup.person = new Account(url, `form_${i}`, form.cookie, '');
      await signup.person.form(`/lobby/${slug}/messages/`, { body: `from form_${i}`, client_id: clientId() });
    }
    signups[i] = signup;
  });
}, 180_000);

afterAll(async () => {
  for (const socket of sockets) await socket.close().catch(() => {});
  await running?.close();
});

async function rawSignUp(fields: Record<string, string>): Promise<Answer & { cookie?: string }> {
  // Too large to be read at all (413): on a connection of its own (see request()).
  if (Buffer.byteLength(formBody(fields)) > MAX_BODY_BYTES) return signUp('form', fields);
  const response = await fetch(`${url}/signup/`, {
    method: 'POST',
    headers: { origin: url, 'content-type': 'application/x-www-form-urlencoded' },
    body: formBody(fields),
    redirect: 'manual',
  });
  const cookie = response.headers.getSetCookie().find((line) => line.startsWith('hubbub_session='))?.split(';')[0];
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type') ?? '', text, location: response.headers.get('location'), json: undefined, ...(cookie ? { cookie } : {}) };
}

/** The fields a refusal must name: those whose value the schema refuses (NUL: the whole body is refused). */
function refusedFields(s: Signup): string[] {
  return [...(s.first.accepted ? [] : ['first_name']), ...(s.last.accepted ? [] : ['last_name'])];
}
const hasNul = (s: Signup) => s.entry.text.includes('\u0000');

describe('hostile first and last names at sign-up', () => {
  it('by form: 303 into the lobby when both are fine; otherwise a 4xx page naming them, keeping the text escaped', () => {
    const found: Record<string, string[]> = {};
    for (const s of signups) {
      const refused = refusedFields(s);
      if (refused.length === 0) {
        found[s.entry.name] = s.form.status === 303 && s.person ? [] : [`status ${s.form.status}: ${s.form.text.slice(0, 200)}`];
        continue;
      }
      const problems = refusalProblems(s.form, s.tooLarge.form ? [413] : hasNul(s) ? [400] : [422]);
      if (s.form.status === 422) {
        const page = readPage(s.form.text);
        if (JSON.stringify(dangerCounts(page.tokens)) !== JSON.stringify(base.refused)) problems.push(`page has ${JSON.stringify(dangerCounts(page.tokens))}`);
        for (const field of refused) if (!page.tokens.some((t) => attr(t, 'id') === `${field}-error`)) problems.push(`no error under ${field}`);
        // The form keeps what was typed, as an attribute value: escaped, never breaking out of it.
        for (const field of ['first_name', 'last_name']) {
          const input = page.tokens.find((t) => t.type === 'start' && t.name === 'input' && attr(t, 'name') === field);
          problems.push(...textProblems(attr(input, 'value'), wellFormed(s.entry.text), `${field} input`));
        }
      }
      found[s.entry.name] = problems;
    }
    expect(problemsOf(found)).toEqual([]);
  });

  it('by JSON (/signup/) and by the old API (/api/signup/): the names pass (stored exactly, or only the username is taken), or a 4xx names each refused field', () => {
    const found: Record<string, string[]> = {};
    for (const s of signups) {
      for (const [kind, got, ok] of [['json', s.json, 201], ['api', s.api, 200]] as const) {
        const refused = refusedFields(s);
        const user = kind === 'json' ? got.json?.user : got.json;
        if (refused.length === 0 && s.store) {
          const same = got.status === ok && user?.first_name === names(s).first && user?.last_name === names(s).last && user?.is_guest === false;
          found[`${kind} ${s.entry.name}`] = same ? [] : [`${got.status} ${got.text.slice(0, 200)}`];
          continue;
        }
        if (refused.length === 0) {
          // Everything passed but the username, which the form's account holds: the names are fine.
          const onlyTaken = got.status === 409 && Object.keys(got.json?.fields ?? {}).join() === 'username';
          found[`${kind} ${s.entry.name}`] = onlyTaken ? [] : [`${got.status} ${got.text.slice(0, 200)}`];
          continue;
        }
        const problems = refusalProblems(got, s.tooLarge[kind] ? [413] : hasNul(s) ? [400] : [kind === 'api' ? 400 : 422]);
        if (got.status === 400 || got.status === 422) if (!hasNul(s)) for (const field of refused) if (typeof got.json?.fields?.[field] !== 'string') problems.push(`no fields.${field}: ${got.text.slice(0, 200)}`);
        found[`${kind} ${s.entry.name}`] = problems;
      }
    }
    expect(problemsOf(found)).toEqual([]);
  });
});

describe('accepted names, read back wherever a name shows', () => {
  it("each person's own pages greet them by name as text: the header and the lobby's Welcome", async () => {
    const found: Record<string, string[]> = {};
    await pool(accepted(), 8, async (s) => {
      const lobby = readPage((await s.person!.get('/lobby/')).text);
      const problems = JSON.stringify(dangerCounts(lobby.tokens)) === JSON.stringify(base.lobby) ? [] : [`lobby has ${JSON.stringify(dangerCounts(lobby.tokens))}`];
      const header = elements(lobby.tokens, (t) => attr(t, 'class') === 'whoami-name')[0];
      problems.push(...textProblems(header?.raw, names(s).first, 'header'));
      const welcome = elements(lobby.tokens, (t) => t.name === 'h1' && attr(t, 'id') === 'lobby-title')[0];
      problems.push(...textProblems(welcome?.raw, `Welcome, ${names(s).first}`, 'welcome'));
      found[s.entry.name] = problems;
    });
    expect(problemsOf(found)).toEqual([]);
  });

  it('messages show the author as text: room page, history pages, history JSON, event stream, transcript, old socket', async () => {
    const bySender = new Map(accepted().map((s) => [`from ${s.person!.username}`, s]));
    const history = await historyJson(alice, slug);
    expect(history.length).toBe(bySender.size + 1);
    const found: Record<string, string[]> = {};
    const bySeq = new Map(history.map((m) => [m.seq, m]));
    for (const m of history.slice(1)) {
      const s = bySender.get(m.body!);
      found[`json #${m.seq}`] = s && m.author.first_name === names(s).first ? [] : [`author ${JSON.stringify(m.author)} of ${m.body}`];
    }
    const pages = [await alice.get(`/lobby/${slug}/`), ...(await historyPages(alice, slug))].map((page) => readPage(page.text));
    expect(dangerCounts(pages[0]!.outsideTokens)).toEqual(base.room);
    for (const item of pages.flatMap((page) => page.items)) {
      const s = bySender.get(bySeq.get(item.seq)?.body ?? '');
      if (!s) continue;
      const problems = item.shape === base.item ? [] : [`item tags ${item.shape}`];
      found[`page #${item.seq}`] = [...problems, ...textProblems(item.authorRaw, names(s).first, 'author')];
    }
    const stream = await replayEvents(alice, slug, 0, history.length);
    found['event stream'] = stream.messages().flatMap((m: any) => (m.author.first_name === bySeq.get(m.seq)?.author.first_name ? [] : [`#${m.seq} ${m.author.first_name}`]));
    const lines = (await transcriptPages(alice, slug)).flatMap((page) => page.text.replace(/\n$/, '').split('\n').slice(2));
    const expected = history.map((m) => `${m.created_at}  #${m.seq}  ${m.author.first_name} (@${m.author.username}): ${m.body}`);
    found.transcript = lines.length === expected.length ? lines.filter((line, i) => line !== expected[i]).slice(0, 5) : [`${lines.length} lines for ${expected.length} messages`];
    const old = await alice.oldSocket(slug);
    old.close();
    const items = old.frames[0]!.message as Array<{ firstname: string; message: string }>;
    found['old socket'] = items.flatMap((item) => {
      const s = bySender.get(item.message);
      return item.message === 'from harmless' || (s && item.firstname === names(s).first) ? [] : [`${item.message}: ${item.firstname}`];
    });
    expect(problemsOf(found)).toEqual([]);
  });

  it('the list of people in a room shows each name as text (page and live frame), and its JSON both names exactly', async () => {
    const found: Record<string, string[]> = {};
    const people = accepted();
    // In rooms of 25: each arrival sends the list to everyone there, so a crowd costs its square.
    for (let at = 0; at < people.length; at += 25) {
      const batch = people.slice(at, at + 25);
      const room = await alice.createRoom(`Presence ${at}`);
      for (const s of batch) sockets.push(await s.person!.enter(room));
      // The newest socket's list, once it names everyone in the batch (joins are announced as they land).
      const everyone = (f: string) => f.includes('<div id="presence"') && batch.every((s) => f.includes(`title="@${s.person!.username}"`));
      const frame = readPage(await sockets.at(-1)!.waitFor('everyone in the list', everyone));
      const page = readPage((await alice.get(`/lobby/${room}/`)).text);
      const listed = new Map(((await alice.getJson(`/lobby/${room}/`)).people as Array<{ username: string; first_name: string; last_name: string }>).map((p) => [p.username, p]));
      for (const s of batch) {
        const person = listed.get(s.person!.username);
        found[`JSON ${s.entry.name}`] = person?.first_name === names(s).first && person.last_name === names(s).last ? [] : [`JSON ${JSON.stringify(person)}`];
      }
      for (const [where, view] of [['page', page], ['frame', frame]] as const) {
        const shown = elements(view.tokens, (t) => t.name === 'span' && (attr(t, 'title') ?? '').startsWith('@'));
        for (const s of batch) {
          const span = shown.find((e) => attr(e.tag, 'title') === `@${s.person!.username}`);
          found[`${where} ${s.entry.name}`] = textProblems(span?.raw, names(s).first, 'presence');
        }
      }
      expect(dangerCounts(page.outsideTokens)).toEqual(base.room);
      for (const socket of sockets.splice(0)) await socket.close();
    }
    expect(problemsOf(found)).toEqual([]);
  });
});

describe('hostile usernames', () => {
  it('are refused with a 4xx naming the field, unless they normalise to an allowed name (then stored as normalised)', async () => {
    const existing = ['alice_names', 'harmless_names', ...signups.flatMap((s) => [`form_${s.i}`, `json_${s.i}`, `api_${s.i}`])];
    const taken = new Set(existing.map(usernameSkeleton));
    const found: Record<string, string[]> = {};
    // In order: whether a name is taken depends on the names accepted before it.
    for (const entry of corpus) {
      const outcome = usernameOutcome(entry.text);
      const api = await signUp('api', { username: entry.text, password: PASSWORD, first_name: 'Hostile' });
      const form = await signUp('form', { username: entry.text, password: PASSWORD, first_name: 'Hostile', icon: 'owl' });
      const problems: string[] = [];
      if (outcome.accepted && !taken.has(usernameSkeleton(outcome.stored))) {
        if (api.status !== 200 || api.json?.username !== outcome.stored) problems.push(`api ${api.status} ${api.text.slice(0, 200)}`);
        taken.add(usernameSkeleton(outcome.stored));
        // The same name again, by form: taken (in any letter case), refused by name.
        problems.push(...refusalProblems(form, [409]));
      } else if (outcome.accepted) {
        problems.push(...refusalProblems(api, [409]), ...refusalProblems(form, [409]));
      } else {
        const nul = entry.text.includes('\u0000');
        const formTooLarge = Buffer.byteLength(formBody({ username: entry.text })) > MAX_BODY_BYTES;
        problems.push(...refusalProblems(api, [400]), ...refusalProblems(form, formTooLarge ? [413] : nul ? [400] : [422]));
        if (!nul && typeof api.json?.fields?.username !== 'string') problems.push(`api: no fields.username: ${api.text.slice(0, 200)}`);
        if (!nul && !formTooLarge && !form.text.includes('id="username-error"')) problems.push('form: no error under the username');
      }
      found[entry.name] = problems;
    }
    expect(problemsOf(found)).toEqual([]);
  });

  it('signing in with one never fails on our side: wrong credentials (401) or a refused field (400)', async () => {
    const found: Record<string, string[]> = {};
    // Each sign-in costs an argon2 run (even for unknown names): the families aimed at lookups.
    const lookups = corpus.filter((entry) => ['sql', 'unicode', 'control'].includes(entry.family));
    await pool(lookups, 4, async (entry) => {
      const body = JSON.stringify({ username: entry.text, password: 'not the password' });
      const token = await request(`${url}/api/token/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      found[entry.name] = refusalProblems(token, [400, 401]);
    });
    expect(problemsOf(found)).toEqual([]);
  });
});
