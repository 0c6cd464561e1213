import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServers, type TestServers } from '../support/server.js';

// docs/PROTOCOL.md promises a curl session. Its ```sh blocks run here as written, in order, in one
// bash with `set -euo pipefail`, against a real server; then the output is held to what the doc
// says it shows. A command the doc gets wrong fails this test, so the doc cannot rot.
const DOC = fileURLToPath(new URL('../../docs/PROTOCOL.md', import.meta.url));
const SESSION_TIMEOUT_MS = 60_000;

/** The bodies of the ```sh fenced blocks, in order (```text and other blocks are not run). */
function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh[ \t]*\n([\s\S]*?)^```[ \t]*$/gm)].map((match) => match[1]!);
}

interface SessionResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the blocks in one bash, each preceded by a marker line so a failure names its block. */
function runSession(blocks: string[], env: Record<string, string>, cwd: string): Promise<SessionResult> {
  const script = ['set -euo pipefail', ...blocks.map((block, i) => `printf '\\n::block %d::\\n' ${i + 1}\n${block}`)].join('\n');
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), SESSION_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Lines that are a JSON object, optionally followed by an HTTP status (curl -w ' %{http_code}'). */
function jsonLines(stdout: string): Array<{ json: Record<string, unknown>; status: number | null }> {
  const found: Array<{ json: Record<string, unknown>; status: number | null }> = [];
  for (const line of stdout.split('\n')) {
    const match = /^(\{.*\})(?: (\d{3}))?$/.exec(line);
    if (!match) continue;
    try {
      found.push({ json: JSON.parse(match[1]!) as Record<string, unknown>, status: match[2] ? Number(match[2]) : null });
    } catch {
      // not JSON after all
    }
  }
  return found;
}

/** The SSE events in the output (blocks of `field: value` lines with an `event` field). */
function sseEvents(stdout: string): Array<Record<string, string>> {
  const events: Array<Record<string, string>> = [];
  for (const block of stdout.split(/\n\n+/)) {
    const fields: Record<string, string> = {};
    for (const line of block.split('\n')) {
      const match = /^(event|data|id|retry): ?(.*)$/.exec(line);
      if (match) fields[match[1]!] = match[2]!;
    }
    if (fields.event) events.push(fields);
  }
  return events;
}

interface Message {
  seq: number;
  updated_seq: number;
  room: string;
  author: { username: string };
  body: string | null;
  edited_at: string | null;
  deleted_at: string | null;
}

const isMessage = (json: Record<string, unknown>): json is Record<string, unknown> & Message =>
  typeof json.seq === 'number' && typeof json.updated_seq === 'number' && 'body' in json;

let running: TestServers;
let base: string;
let blocks: string[];
let result: SessionResult;
let workDir: string;
// Unique per run, so the session also works against a server that has seen it before.
const username = `ada_${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;

beforeAll(async () => {
  running = await startTestServers(1);
  base = running.servers[0]!.url;
  blocks = shellBlocks(await readFile(DOC, 'utf8'));
});

beforeAll(async () => {
  for (const tool of ['bash', 'curl']) {
    if (spawnSync(tool, ['--version']).status !== 0) throw new Error(`${tool} is needed to run the session of docs/PROTOCOL.md`);
  }
  workDir = await mkdtemp(join(tmpdir(), 'hubbub-protocol-doc-'));
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    BASE: base,
    HUBBUB_USER: username,
    // The reader's own curl settings and proxies stay out of it.
    HOME: workDir,
    CURL_HOME: workDir,
    XDG_CONFIG_HOME: workDir,
    NO_PROXY: '*',
    no_proxy: '*',
  };
  delete env.BASH_ENV;
  result = await runSession(blocks, env, workDir);
}, SESSION_TIMEOUT_MS + 10_000);

afterAll(async () => {
  await running?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** The output, for failure messages: which block ran last, and what was printed. */
function transcriptOfRun(): string {
  const last = [...result.stdout.matchAll(/^::block (\d+)::$/gm)].at(-1)?.[1] ?? 'none';
  return `exit ${result.code}; last block started: ${last}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`;
}

describe('the curl session of docs/PROTOCOL.md', () => {
  it('has the session, in ```sh blocks', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    for (const block of blocks) expect(block.trim()).not.toBe('');
    expect(blocks[0]).toMatch(/BASE=\$\{BASE:-/);
    expect(blocks[0]).toMatch(/HUBBUB_USER=\$\{HUBBUB_USER:-/);
  });

  it('runs to the end under set -euo pipefail', () => {
    expect(result.code, transcriptOfRun()).toBe(0);
    expect(result.stdout, transcriptOfRun()).toContain(`::block ${blocks.length}::`);
  });

  it('signs up through the old API and gets a token pair', () => {
    const lines = jsonLines(result.stdout).map((line) => line.json);
    expect(lines, transcriptOfRun()).toContainEqual(expect.objectContaining({ username, first_name: 'Ada', is_guest: false }));
    const pairs = lines.filter((json) => typeof json.access === 'string' && typeof json.refresh === 'string');
    expect(pairs.length, transcriptOfRun()).toBeGreaterThanOrEqual(1);
    expect(String(pairs[0]!.access)).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('lists the rooms and makes one', () => {
    const lines = jsonLines(result.stdout);
    const lobby = lines.find((line) => Array.isArray(line.json.rooms));
    expect(lobby, transcriptOfRun()).toBeDefined();
    expect((lobby!.json.user as { username: string }).username).toBe(username);
    expect((lobby!.json.rooms as Array<{ slug: string }>).map((room) => room.slug)).toContain('game');
    const made = lines.find((line) => line.status === 201 && typeof line.json.slug === 'string');
    expect(made, transcriptOfRun()).toMatchObject({ json: { slug: 'engines', url: '/lobby/engines/', last_seq: 0 } });
  });

  it('posts a message (201) and a retry with the same key answers it unchanged (200)', () => {
    const lines = jsonLines(result.stdout);
    const sent = lines.find((line) => line.status === 201 && isMessage(line.json));
    expect(sent, transcriptOfRun()).toBeDefined();
    const retry = lines.find((line) => line.status === 200 && isMessage(line.json) && line.json.seq === sent!.json.seq);
    expect(retry, transcriptOfRun()).toBeDefined();
    expect(retry!.json).toEqual(sent!.json);
    expect(sent!.json).toMatchObject({ room: 'engines', author: { username }, updated_seq: sent!.json.seq });
  });

  it('pages history, and the posted message is in it by its seq', () => {
    const lines = jsonLines(result.stdout).map((line) => line.json);
    const seq = lines.find(isMessage)!.seq;
    const pages = lines.filter((json) => Array.isArray(json.messages));
    expect(pages.length, transcriptOfRun()).toBeGreaterThanOrEqual(2);
    for (const page of pages) {
      expect(typeof page.has_older).toBe('boolean');
      expect(page.next_before === null || typeof page.next_before === 'number').toBe(true);
      const seqs = (page.messages as Message[]).map((message) => message.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
    expect(pages.every((page) => (page.messages as Message[]).some((message) => message.seq === seq)), transcriptOfRun()).toBe(true);
    // The page before a later message ends with an earlier one.
    const [newest, older] = pages;
    expect((older!.messages as Message[]).length).toBeLessThan((newest!.messages as Message[]).length);
  });

  it('edits the message and deletes another, each change taking a new number', () => {
    const messages = jsonLines(result.stdout).map((line) => line.json).filter(isMessage);
    const first = messages[0]!;
    const edited = messages.find((message) => message.seq === first.seq && message.edited_at !== null);
    expect(edited, transcriptOfRun()).toBeDefined();
    expect(edited!.updated_seq).toBeGreaterThan(first.seq);
    expect(edited!.body).not.toBe(first.body);
    const deleted = messages.find((message) => message.deleted_at !== null);
    expect(deleted, transcriptOfRun()).toMatchObject({ body: null });
    expect(deleted!.updated_seq).toBeGreaterThan(edited!.updated_seq);
  });

  it('watches the room: the replay and a live message, each with its updated_seq as the id', () => {
    const events = sseEvents(result.stdout);
    expect(events[0], transcriptOfRun()).toMatchObject({ event: 'ready', retry: '1000' });
    expect(JSON.parse(events[0]!.data!)).toEqual({ room: 'engines', after: 0 });
    const streamed = events.filter((event) => event.event === 'message');
    expect(streamed.length, transcriptOfRun()).toBeGreaterThanOrEqual(3);
    const ids = streamed.map((event) => Number(event.id));
    for (const [i, event] of streamed.entries()) {
      expect(event.id).toMatch(/^\d+$/);
      expect((JSON.parse(event.data!) as Message).updated_seq).toBe(ids[i]);
    }
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const http = jsonLines(result.stdout).map((line) => line.json).filter(isMessage);
    const edited = http.find((message) => message.edited_at !== null)!;
    const deleted = http.find((message) => message.deleted_at !== null)!;
    const bodies = streamed.map((event) => JSON.parse(event.data!) as Message);
    // Each message once, as it is now.
    expect(bodies).toContainEqual(expect.objectContaining({ seq: edited.seq, updated_seq: edited.updated_seq, body: edited.body }));
    expect(bodies).toContainEqual(expect.objectContaining({ seq: deleted.seq, body: null }));
    expect(new Set(bodies.map((message) => message.seq)).size).toBe(bodies.length);
    // And the one sent while watching arrived live.
    const live = bodies.at(-1)!;
    expect(live.seq, transcriptOfRun()).toBeGreaterThan(deleted.updated_seq);
    expect(live.edited_at).toBeNull();
  });

  it('reads the transcript: the edited, the deleted and the live message as lines', () => {
    const http = jsonLines(result.stdout).map((line) => line.json).filter(isMessage);
    const edited = http.find((message) => message.edited_at !== null)!;
    const deleted = http.find((message) => message.deleted_at !== null)!;
    const live = sseEvents(result.stdout)
      .filter((event) => event.event === 'message')
      .map((event) => JSON.parse(event.data!) as Message)
      .at(-1)!;
    const out = result.stdout;
    expect(out, transcriptOfRun()).toMatch(/^# Engines \(engines\): messages #\d+ to #\d+$/m);
    expect(out).toMatch(/^# this is the beginning of the room$/m);
    const line = (seq: number, rest: string) => new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z  #${seq}  Ada \\(@${username}\\)${rest}$`, 'm');
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(out).toMatch(line(edited.seq, ` \\[edited\\]: ${escape(edited.body!)}`));
    expect(out).toMatch(line(deleted.seq, ' \\[deleted\\]'));
    expect(out).toMatch(line(live.seq, `: ${escape(live.body!)}`));
  });

  it('rotates the refresh token, and a replayed one ends the family', () => {
    const lines = jsonLines(result.stdout);
    const pairs = lines.filter((line) => typeof line.json.access === 'string' && typeof line.json.refresh === 'string');
    expect(pairs.length, transcriptOfRun()).toBe(2);
    expect(pairs[1]!.json.refresh).not.toBe(pairs[0]!.json.refresh);
    const refused = lines.filter((line) => line.status === 401);
    expect(refused.length, transcriptOfRun()).toBe(2);
    for (const line of refused) expect(line.json.error).toMatch(/refresh token/);
  });

  it('signs in a guest with a cookie jar', () => {
    expect(result.stdout, transcriptOfRun()).toMatch(/^303 https?:\/\/\S+\/lobby\/$/m);
    const guest = jsonLines(result.stdout).find((line) => (line.json.user as { is_guest?: boolean } | undefined)?.is_guest === true);
    expect(guest, transcriptOfRun()).toBeDefined();
    expect((guest!.json.user as { username: string }).username).toMatch(/^guest_[a-z]+_[a-z]+_\d{4}$/);
  });
});
