/**
 * Every entry of the hostile corpus as a message body through some of the ways in, then read back
 * through every way out. Two test files run it for two channels each, so they run side by side:
 * tests/integration/security/hostile-input.test.ts (form, htmx) and hostile-input-api.test.ts (JSON, old socket).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServers, type TestServers } from '../support/server.js';
import type { LiveClient } from '../support/socket.js';
import { Account, clientId, GENEROUS_LIMITS, historyJson, historyPages, type JsonMessage, refusalProblems, replayEvents, transcriptPages } from './channels.js';
import { corpus, wellFormed } from './corpus.js';
import { dangerCounts, decode, itemProblems, type MessageItemView, readPage, unescaped } from './html.js';
import { acceptedOf, type Channel, refusalStatuses, type Sent, sendAll } from './senders.js';

// Every entry of the hostile corpus as a message body, through each way in (form, JSON with a bearer
// token, htmx, the old socket), then read back through each way out. Each entry must be stored exactly
// as sent (trimmed) or refused with a 4xx, and every page must show it as text, never as markup.
export function messageSuite(CHANNELS: readonly Channel[]) {
  let running: TestServers;
  let ada: Account;
  let bob: Account;
  const rooms = {} as Record<Channel | 'baseline', string>;
  const known = {} as Record<Channel, JsonMessage>;
  const live = {} as Record<Channel, LiveClient>;
  let bobLive: LiveClient;
  const sent = {} as Record<Channel, Sent[]>;
  let profile: unknown;
  const baseline = {} as { harmlessHtml: string; own: string; other: string; htmxOutside: string; frameOutside: string; refusedOutside: string; roomDanger: Record<string, number>; historyDanger: Record<string, number> };
  const sockets: LiveClient[] = [];

  const problemsOf = (found: Record<string, string[]>) => Object.entries(found).filter(([, list]) => list.length > 0);

  beforeAll(async () => {
    running = await startTestServers(1, { env: GENEROUS_LIMITS });
    const url = running.servers[0]!.url;
    [ada, bob] = await Promise.all([Account.create(url, 'ada_hostile', 'Ada'), Account.create(url, 'bob_hostile', 'Bob')]);
    profile = (await ada.getJson('/')).user;
    for (const name of ['baseline', ...CHANNELS] as const) rooms[name] = await ada.createRoom(`Hostile ${name}`);
    const watched = CHANNELS[0]!;
    for (const channel of CHANNELS) {
      known[channel] = (await ada.json('POST', `/lobby/${rooms[channel]}/messages/`, { body: 'A known earlier message.' })).json;
    }

    // What a harmless message looks like in each view: the shapes every hostile one must match.
    const watch = await ada.enter(rooms.baseline);
    sockets.push(watch);
    const harmless = await ada.form(`/lobby/${rooms.baseline}/messages/`, { body: 'hello, baseline', client_id: clientId() }, { htmx: true });
    baseline.htmxOutside = readPage(harmless.text).outside;
    baseline.harmlessHtml = harmless.text;
    const seq = readPage(harmless.text).items[0]!.seq;
    baseline.frameOutside = readPage(await watch.waitFor('the harmless message', (frame) => frame.includes(`id="m-${seq}"`))).outside;
    const page = readPage((await ada.get(`/lobby/${rooms.baseline}/`)).text);
    baseline.own = page.items[0]!.shape;
    baseline.roomDanger = dangerCounts(page.outsideTokens);
    baseline.historyDanger = dangerCounts(readPage((await ada.get(`/lobby/${rooms.baseline}/messages/`)).text).outsideTokens);
    baseline.other = readPage((await bob.get(`/lobby/${rooms.baseline}/`)).text).items[0]!.shape;

    for (const channel of CHANNELS) sockets.push((live[channel] = await ada.enter(rooms[channel])));
    sockets.push((bobLive = await bob.enter(rooms[watched])));
    if (CHANNELS.includes('form')) baseline.refusedOutside = readPage((await ada.form(`/lobby/${rooms.form}/messages/`, { body: '', client_id: clientId() })).text).outside;

    const results = await Promise.all(CHANNELS.map((channel) => sendAll(channel, ada, rooms[channel], () => ada.oldSocket(rooms[channel]))));
    CHANNELS.forEach((channel, i) => (sent[channel] = results[i]!));
  }, 240_000);

  afterAll(async () => {
    for (const socket of sockets) await socket.close().catch(() => {});
    await running?.close();
  });

  /** The room's messages (read once, after the sends), with the entry each must show, by seq. */
  const stored = {} as Record<Channel, Promise<{ history: JsonMessage[]; accepted: ReturnType<typeof acceptedOf>; bySeq: Map<number, ReturnType<typeof acceptedOf>[number]> }>>;
  function storedIn(channel: Channel) {
    stored[channel] ??= historyJson(ada, rooms[channel]).then((history) => {
      const accepted = acceptedOf(sent[channel]);
      return { history, accepted, bySeq: new Map(accepted.map((s, i) => [history[i + 1]?.seq ?? -1, s])) };
    });
    return stored[channel];
  }

  function checkItems(items: MessageItemView[], bySeq: Map<number, { entry: { name: string }; stored: string }>, shape: string, where: string) {
    const found: Record<string, string[]> = {};
    const seen = new Map(items.map((item) => [item.seq, item]));
    for (const [seq, s] of bySeq) {
      const item = seen.get(seq);
      found[`${where} ${s.entry.name} (#${seq})`] = item ? itemProblems(item, s.stored, shape) : ['not shown'];
    }
    return problemsOf(found);
  }

  describe('every hostile entry sent as a message', () => {
    it(`has ${corpus.length} entries in the corpus`, () => {
      expect(corpus.length).toBeGreaterThanOrEqual(200);
    });

    it('the checks catch markup that escapes: a harmless item with an entry pasted in unescaped fails them', () => {
      const missed = corpus.filter((entry) => {
        const pasted = baseline.harmlessHtml.replaceAll('hello, baseline', entry.text);
        const item = readPage(pasted).items[0];
        // Raw <, > or & is what escaping must turn into references; without them raw text is already safe.
        return /[<>&]/.test(entry.text) && item !== undefined && itemProblems(item, entry.text, baseline.own).length === 0;
      });
      expect(missed.map((entry) => entry.name)).toEqual([]);
    });

    if (CHANNELS.includes('form')) it('by form post: 303 back to the room when accepted; otherwise a 4xx page keeping the text, escaped', () => {
      const found: Record<string, string[]> = {};
      for (const s of sent.form) {
        const got = s.answer!;
        if (s.outcome.accepted && s.bytes <= 64 * 1024) {
          found[s.entry.name] = got.status === 303 && got.location === `/lobby/${rooms.form}/` ? [] : [`status ${got.status}: ${got.text.slice(0, 200)}`];
          continue;
        }
        const problems = refusalProblems(got, refusalStatuses(s));
        if (got.status === 422) {
          const page = readPage(got.text);
          if (page.outside !== baseline.refusedOutside) problems.push('the refused page has tags a harmless refusal has not');
          const composer = page.tokens.findIndex((t) => t.type === 'start' && t.name === 'textarea' && t.attrs.some(([n, v]) => n === 'id' && v === 'composer-body'));
          const raw = page.tokens[composer + 1]?.type === 'text' ? (page.tokens[composer + 1] as { raw: string }).raw : '';
          problems.push(...unescaped(raw).map((what) => `composer has ${what}`));
          // The text is kept for the person to fix (what arrived: lone surrogates travel as U+FFFD).
          if (decode(raw) !== wellFormed(s.entry.text)) problems.push('composer does not keep the text as typed');
        }
        found[s.entry.name] = problems;
      }
      expect(problemsOf(found)).toEqual([]);
    });

    if (CHANNELS.includes('json')) it('as JSON with a bearer token: 201 with the stored text, or a 4xx naming the body field', () => {
      const found: Record<string, string[]> = {};
      for (const s of sent.json) {
        const got = s.answer!;
        if (s.outcome.accepted) {
          found[s.entry.name] = got.status === 201 && got.json?.body === s.outcome.stored && got.json.author?.username === ada.username ? [] : [`${got.status} ${got.text.slice(0, 200)}`];
        } else {
          const problems = refusalProblems(got, refusalStatuses(s));
          if (got.status === 422 && typeof got.json?.fields?.body !== 'string') problems.push(`no fields.body: ${got.text.slice(0, 200)}`);
          found[s.entry.name] = problems;
        }
      }
      expect(problemsOf(found)).toEqual([]);
    });

    if (CHANNELS.includes('htmx')) it('with htmx: the answer fragment shows the text escaped, inside hx-ignore; refusals are a 4xx', () => {
      const found: Record<string, string[]> = {};
      for (const s of sent.htmx) {
        const got = s.answer!;
        if (s.outcome.accepted && s.bytes <= 64 * 1024) {
          const fragment = readPage(got.text);
          const problems = got.status === 200 ? [] : [`status ${got.status}`];
          if (fragment.outside !== baseline.htmxOutside) problems.push(`fragment tags ${fragment.outside}`);
          if (fragment.items.length !== 1) problems.push(`${fragment.items.length} items`);
          else problems.push(...itemProblems(fragment.items[0]!, s.outcome.stored, baseline.own));
          found[s.entry.name] = problems;
        } else {
          found[s.entry.name] = refusalProblems(got, refusalStatuses(s));
        }
      }
      expect(problemsOf(found)).toEqual([]);
    });

    if (CHANNELS.includes('old')) it('over the old socket: its own chat frame back with the stored text, or an error frame saying why', () => {
      const found: Record<string, string[]> = {};
      for (const s of sent.old) {
        const frame = s.frame;
        const keys = frame ? Object.keys(frame).sort().join() : '';
        const problems = keys === 'firstname,message,message_type,timestamp,username' ? [] : [`frame ${JSON.stringify(frame ?? { closed: s.closed }).slice(0, 200)}`];
        if (s.outcome.accepted) {
          if (frame?.message_type !== 'chat' || frame.message !== s.outcome.stored || frame.username !== ada.username) problems.push(`answered ${JSON.stringify(frame).slice(0, 200)}`);
        } else if (frame?.message_type !== 'error' || typeof frame.message !== 'string' || frame.message === '') {
          problems.push(`answered ${JSON.stringify(frame).slice(0, 200)}`);
        } else if (/could not be stored/.test(frame.message)) {
          // Bad input must be refused as such, not reported as a fault that a resend might fix.
          problems.push(`refused as a server fault: ${frame.message}`);
        }
        found[s.entry.name] = problems;
      }
      expect(problemsOf(found)).toEqual([]);
    });
  });

  describe('reading the messages back', () => {
    it('history JSON: exactly the accepted messages, once each, in order, each as stored', async () => {
      for (const channel of CHANNELS) {
        const { history, accepted } = await storedIn(channel);
        expect(history[0], channel).toEqual(known[channel]);
        expect(history.slice(1).map((m) => m.body), channel).toEqual(accepted.map((s) => s.stored));
        expect(history.every((m) => m.author.username === ada.username && m.updated_seq === m.seq && m.edited_at === null)).toBe(true);
      }
    });

    it('the page socket shows each new message live, escaped, to its author and to another reader', async () => {
      for (const channel of CHANNELS) {
        const { bySeq } = await storedIn(channel);
        const last = Math.max(...bySeq.keys());
        await live[channel].waitFor(`#${last}`, (frame) => frame.includes(`id="m-${last}"`), { timeoutMs: 20_000 });
        const frames = live[channel].frames.map(readPage).filter((frame) => frame.items.length > 0);
        expect(frames.filter((frame) => frame.outside !== baseline.frameOutside).map((f) => f.outside), channel).toEqual([]);
        expect(checkItems(frames.flatMap((f) => f.items), bySeq, baseline.own, `${channel} live`)).toEqual([]);
        expect(frames.flatMap((f) => f.items).every((item) => bySeq.has(item.seq)), 'no item that was not sent').toBe(true);
      }
      const { bySeq } = await storedIn(CHANNELS[0]!);
      const last = Math.max(...bySeq.keys());
      await bobLive.waitFor(`#${last}`, (frame) => frame.includes(`id="m-${last}"`), { timeoutMs: 20_000 });
      expect(checkItems(bobLive.frames.flatMap((frame) => readPage(frame).items), bySeq, baseline.other, "Bob's live")).toEqual([]);
    });

    it('the room page and every history page show each message as text, with no tag or attribute from it', async () => {
      for (const channel of CHANNELS) {
        const { bySeq } = await storedIn(channel);
        const pages = [await ada.get(`/lobby/${rooms[channel]}/`), ...(await historyPages(ada, rooms[channel]))].map((page) => readPage(page.text));
        // Around the messages, every page has exactly the scripts, handlers and htmx attributes of a harmless room's.
        expect(dangerCounts(pages[0]!.outsideTokens), `${channel}: the room page`).toEqual(baseline.roomDanger);
        for (const page of pages.slice(1)) expect(dangerCounts(page.outsideTokens), `${channel}: a history page`).toEqual(baseline.historyDanger);
        expect(checkItems(pages.slice(1).flatMap((p) => p.items), bySeq, baseline.own, channel)).toEqual([]);
        // The room page shows the newest 50, the same way.
        const newest = new Map([...bySeq].slice(-50));
        expect(checkItems(pages[0]!.items, newest, baseline.own, `${channel} room page`)).toEqual([]);
      }
    });

    it('the event stream replays each message exactly, and nothing else', async () => {
      for (const channel of CHANNELS) {
        const { history } = await storedIn(channel);
        const stream = await replayEvents(ada, rooms[channel], 0, history.length);
        expect(stream.messages().map((m) => [m.seq, m.body]), channel).toEqual(history.map((m) => [m.seq, m.body]));
        expect(stream.events.filter((e) => !['ready', 'message', 'presence', 'notice'].includes(e.event))).toEqual([]);
      }
    });

    it('the transcript: one line per message (continuations indented), control characters as U+FFFD', async () => {
      const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
      for (const channel of CHANNELS) {
        const { history } = await storedIn(channel);
        const pages = await transcriptPages(ada, rooms[channel]);
        expect(pages.map((p) => p.status)).toEqual(pages.map(() => 200));
        const lines = pages.flatMap((page) => page.text.replace(/\n$/, '').split('\n').slice(2));
        const expected = history.flatMap((m) =>
          `${m.created_at}  #${m.seq}  ${m.author.first_name} (@${m.author.username}): ${m.body!.replace(CONTROL, '\uFFFD').split('\n').join('\n    ')}`.split('\n'),
        );
        expect(lines.length, channel).toBe(expected.length);
        expect(lines.filter((line, i) => line !== expected[i]).slice(0, 5), channel).toEqual([]);
      }
    });

    it("the old socket's history (old_data) lists the newest messages exactly", async () => {
      for (const channel of CHANNELS) {
        const { history } = await storedIn(channel);
        const socket = await ada.oldSocket(rooms[channel]);
        socket.close();
        const items = socket.frames[0]!.message as Array<{ message: string; username: string }>;
        expect(socket.frames[0]!.message_type).toBe('old_data');
        expect(items.map((item) => item.message), channel).toEqual(history.slice(-50).map((m) => m.body));
      }
    });

    it('a page socket that reconnects with ?after= catches up with each message, escaped', async () => {
      for (const channel of CHANNELS) {
        const { bySeq } = await storedIn(channel);
        const socket = await ada.enter(rooms[channel], known[channel].seq);
        sockets.push(socket);
        expect(checkItems(socket.frames.flatMap((frame) => readPage(frame).items), bySeq, baseline.own, `${channel} catch-up`)).toEqual([]);
      }
    });

    it('leaves everything else as it was: the profile, the baseline room, no message doubled', async () => {
      expect((await ada.getJson('/')).user).toEqual(profile);
      expect((await historyJson(ada, rooms.baseline)).map((m) => m.body)).toEqual(['hello, baseline']);
      for (const channel of CHANNELS) {
        const history = await historyJson(ada, rooms[channel]);
        const accepted = acceptedOf(sent[channel]);
        expect(history.length, channel).toBe(accepted.length + 1);
        expect(history[0], channel).toEqual(known[channel]);
        expect(new Set(history.map((m) => m.seq)).size).toBe(history.length);
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });
}
