import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Person } from '../../support/person.js';
import { startTestServers, type TestServers } from '../../support/server.js';

// Over a real socket: a body that states its length is judged by the header before anything reads
// it; a chunked one (no length) is counted as it is read. Either way the limit holds (64 KiB).
let running: TestServers;
let url: string;
let ada: Person;

beforeAll(async () => {
  running = await startTestServers(1);
  url = running.servers[0]!.url;
  ada = await Person.signUp(url, 'limit_ada', 'Ada');
});
afterAll(() => running?.close());

/** A POST of `body` to the room's messages as JSON, with Content-Length or chunked. */
function send(body: string, framing: 'length' | 'chunked'): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { cookie: ada.cookie, origin: url, accept: 'application/json', 'content-type': 'application/json' };
    if (framing === 'length') headers['content-length'] = String(Buffer.byteLength(body));
    const req = http.request(`${url}/lobby/game/messages/`, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.on('error', reject);
    if (framing === 'chunked') {
      // Several chunks, as a streaming client sends them.
      for (let at = 0; at < body.length; at += 16_384) req.write(body.slice(at, at + 16_384));
      req.end();
    } else req.end(body);
  });
}

describe('request bodies', () => {
  it.each(['length', 'chunked'] as const)('are read and stored when small (%s)', async (framing) => {
    const answer = await send(JSON.stringify({ body: `hello, ${framing}` }), framing);
    expect(answer.status).toBe(201);
    expect(JSON.parse(answer.text).body).toBe(`hello, ${framing}`);
  });

  it.each(['length', 'chunked'] as const)('over 64 KiB are refused with 413 and a sentence (%s)', async (framing) => {
    const answer = await send(JSON.stringify({ body: 'x'.repeat(70_000) }), framing);
    expect(answer.status).toBe(413);
    expect(answer.text).toContain('That request is too large.');
  });
});
