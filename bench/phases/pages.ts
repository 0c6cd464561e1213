import { startCeiling } from '../lib/ceiling-process.js';
import { createRoom, httpSender, type Person, postHistory, request, signInGuest } from '../lib/clients.js';
import { at } from '../lib/figures.js';
import { load, type LoadResult } from '../lib/http-load.js';
import type { BenchContext, Figure, PhaseReport, ProcessUsage } from '../lib/report.js';
import { startHubbub, watch } from '../lib/servers.js';
import { round } from '../lib/stats.js';

/**
 * E. Page renders: the lobby and a room page with 50 messages, signed in, as a browser asks for them
 * (scaled mode). Warm: keep-alive connections and nothing changes. Cold: a new connection for every
 * page while a writer posts to the room every 10 ms, so nothing the server might cache stays valid.
 */

const HISTORY = 50;
const WRITER_INTERVAL_MS = 10;
const ROOM_TARGETS = { warm: at('>=', 20_000), cold: at('>=', 5_000) };
// Enough clients to keep the server busy while some wait on the database; cold ones also wait on connects.
const CONNECTIONS = { warm: 48, cold: 32 };

interface Page {
  name: 'lobby' | 'room';
  path: string;
}

interface Run {
  /** Hubbub, or the ceiling sending the same room page as stored bytes. */
  target: 'hubbub' | 'ceiling';
  page: Page['name'];
  kind: 'warm' | 'cold';
  connections: number;
  durationMs: number;
  result: LoadResult;
  processes: ProcessUsage[];
}

const messageItems = (html: string) => html.match(/<li id="m-\d+"/g)?.length ?? 0;

/** A benchmark of error pages is worthless: both pages must answer 200, the room with its 50 messages. */
async function checkPages(url: string, person: Person, pages: Page[]): Promise<void> {
  for (const page of pages) {
    const answer = await request(`${url}${page.path}`, { headers: { cookie: person.cookie, accept: 'text/html' } });
    if (answer.status !== 200) throw new Error(`${page.path} answered ${answer.status}: ${answer.body.slice(0, 200)}`);
    if (page.name === 'room' && messageItems(answer.body) !== HISTORY) {
      throw new Error(`${page.path} shows ${messageItems(answer.body)} messages, not ${HISTORY}`);
    }
  }
}

interface WriterResult {
  sent: number;
  perSecond: number;
  accepted: number;
  failed: number;
  errors: string[];
}

/** Posts to the room every 10 ms until stopped: every room page the cold run reads is a new one. */
function startWriter(url: string, person: Person, slug: string): { stop(): Promise<WriterResult> } {
  const sender = httpSender(url, slug, person);
  let sent = 0;
  const startedAt = performance.now();
  const timer = setInterval(() => sender.send(`Cold page line ${++sent}`, `cold-${sent}`), WRITER_INTERVAL_MS);
  return {
    async stop() {
      clearInterval(timer);
      const perSecond = (sent * 1000) / (performance.now() - startedAt);
      await sender.settle(5_000);
      sender.close();
      return { sent, perSecond: round(perSecond, 1), accepted: sender.accepted, failed: sender.failed, errors: sender.errors };
    },
  };
}

function pageFigures({ target, page, kind, connections, result }: Run, writerNote: string): Figure[] {
  const name = `${target === 'ceiling' ? 'ceiling ' : ''}${page} ${kind}`;
  const changing = target === 'hubbub' ? `, ${writerNote}` : ', the same stored page';
  const connection = kind === 'warm' ? `${connections} keep-alive connections` : `${connections} clients, a new connection per page${changing}`;
  const bytes = result.bodyBytes.min === result.bodyBytes.max ? `${result.bodyBytes.min}` : `${result.bodyBytes.min}–${result.bodyBytes.max}`;
  return [
    {
      name,
      value: round(result.okPerSecond, 0),
      unit: 'pages/s',
      target: page === 'room' && target === 'hubbub' ? ROOM_TARGETS[kind] : undefined,
      note: `${connection}, ${bytes} bytes each`,
    },
    // A closed loop at saturation: the latency is mostly the wait in line (connections / rate).
    { name: `${name} p50`, value: round(result.latencyMs.p50), unit: 'ms', note: `${connections} requests in flight` },
    { name: `${name} p99`, value: round(result.latencyMs.p99), unit: 'ms' },
  ];
}

/** Signed in, with a room of 50 messages: the two pages a browser asks for. */
async function setUp(url: string): Promise<{ person: Person; slug: string; pages: Page[] }> {
  const person = await signInGuest(url);
  const slug = await createRoom(url, person, 'Page bench');
  await postHistory(url, person, slug, HISTORY);
  const pages: Page[] = [
    { name: 'lobby', path: '/lobby/' },
    { name: 'room', path: `/lobby/${slug}/` },
  ];
  await checkPages(url, person, pages);
  return { person, slug, pages };
}

function report(runs: Run[], written: WriterResult): PhaseReport {
  const errors = runs.reduce((sum, one) => sum + one.result.errors, 0);
  const errorNote = [...runs.map((one) => `${one.target === 'ceiling' ? 'ceiling ' : ''}${one.page} ${one.kind} ${one.result.errors}`), `(writer: ${written.failed} of ${written.sent} posts failed)`].join(', ');
  const writerNote = `a message posted every ${round(1000 / written.perSecond, 1)} ms`;
  const figures: Figure[] = [
    ...runs.flatMap((one) => pageFigures(one, writerNote)),
    { name: 'page errors (not 200, or cut short)', value: errors, unit: '', target: at('<=', 0), note: errorNote },
  ];
  for (const kind of ['warm', 'cold'] as const) {
    const hubbub = runs.find((one) => one.target === 'hubbub' && one.page === 'room' && one.kind === kind);
    const ceiling = runs.find((one) => one.target === 'ceiling' && one.kind === kind);
    if (hubbub && ceiling && ceiling.result.okPerSecond > 0) {
      figures.push({ name: `room ${kind} vs ceiling`, value: round((100 * hubbub.result.okPerSecond) / ceiling.result.okPerSecond, 0), unit: '%', note: 'Hubbub rendering the page / the ceiling sending it as stored bytes' });
    }
  }
  const headline = runs.find((one) => one.target === 'hubbub' && one.page === 'room' && one.kind === 'warm')!;
  const details = { writer: { intervalMs: WRITER_INTERVAL_MS, ...written }, runs };
  return { id: 'E', title: `Pages: the lobby and a room with ${HISTORY} messages, signed in (scaled)`, figures, processes: headline.processes, details };
}

export async function run(context: BenchContext): Promise<PhaseReport[]> {
  const durationMs = context.smoke ? 1_000 : 8_000;
  const warmUpMs = context.smoke ? 300 : 1_000;
  const measure = async (deployment: Parameters<typeof watch>[0], target: Run['target'], name: Page['name'], url: string, kind: Run['kind'], headers: Record<string, string>): Promise<Run> => {
    const options = { url, headers: { ...headers, accept: 'text/html' }, connections: CONNECTIONS[kind], keepAlive: kind === 'warm' };
    await load({ ...options, durationMs: warmUpMs });
    const sampler = watch(deployment, target);
    sampler.start();
    const result = await load({ ...options, durationMs });
    const processes = sampler.stop();
    context.log(`  ${target} ${name} ${kind}: ${Math.round(result.okPerSecond)} pages/s, p50 ${round(result.latencyMs.p50)} p99 ${round(result.latencyMs.p99)} ms, ${result.errors} errors`);
    return { target, page: name, kind, connections: CONNECTIONS[kind], durationMs, result, processes };
  };
  const runs: Run[] = [];
  let written: WriterResult;
  let roomHtml: string;
  let cookie: string;
  const hubbub = await startHubbub('scaled');
  try {
    const url = hubbub.instances[0]!.url;
    const { person, slug, pages } = await setUp(url);
    cookie = person.cookie;
    roomHtml = (await request(`${url}/lobby/${slug}/`, { headers: { cookie: person.cookie, accept: 'text/html' } })).body;
    for (const page of pages) runs.push(await measure(hubbub, 'hubbub', page.name, `${url}${page.path}`, 'warm', { cookie: person.cookie }));
    const writer = startWriter(url, person, slug);
    try {
      for (const page of pages) runs.push(await measure(hubbub, 'hubbub', page.name, `${url}${page.path}`, 'cold', { cookie: person.cookie }));
    } finally {
      written = await writer.stop();
    }
    await checkPages(url, person, pages);
  } finally {
    await hubbub.stop();
  }
  // The ceiling sends the room page Hubbub rendered, with the same requests (cookie and all).
  const ceiling = await startCeiling();
  try {
    const url = ceiling.instance.url;
    const stored = await request(`${url}/pages/room`, { method: 'PUT', body: roomHtml });
    if (stored.status !== 204) throw new Error(`the ceiling did not take the page: ${stored.status}`);
    const deployment = { instances: [ceiling.instance], databaseUrl: null };
    for (const kind of ['warm', 'cold'] as const) runs.push(await measure(deployment, 'ceiling', 'room', `${url}/pages/room`, kind, { cookie }));
  } finally {
    await ceiling.instance.stop();
  }
  return [report(runs, written)];
}
