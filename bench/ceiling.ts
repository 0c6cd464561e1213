import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';

/**
 * The ceiling: the best this machine can do at all for a chat's fan-out. A bare `ws` server with no
 * database and no Redis, answering the same URLs as Hubbub's two protocols so the same driver drives
 * it. It still does the least a chat must do per message: parse it, escape it, render one frame the
 * size and shape of Hubbub's, and send it to every socket of the room. Each frame is encoded once
 * and the same Buffer goes to every socket, so fan-out costs no more than `ws` itself.
 */

const MAX_BODY_BYTES = 64 * 1024;
// Hubbub's bound on a slow reader (src/realtime/routes.ts): without it an overloaded ceiling would
// buffer without limit and look better than any real chat can be.
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const TEXT: { binary: false } = { binary: false };

// One author for every message, with a name and icon the size of a Hubbub guest's.
const AUTHOR = { firstName: 'Bench Guest', username: 'guest_bench_ceiling_0001', icon: 'fox' };

interface Room {
  seq: number;
  pages: Set<WebSocket>;
  legacy: Set<WebSocket>;
}

const rooms = new Map<string, Room>();

function roomNamed(name: string): Room {
  let room = rooms.get(name);
  if (!room) rooms.set(name, (room = { seq: 0, pages: new Set(), legacy: new Set() }));
  return room;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);

// The same wording as views/messages/MessageTime.tsx, so the frame's size matches.
const utc = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });

/** Hubbub's live frame for one new message (src/realtime/frames.tsx), as a reader who is not the author sees it. */
function pageFrame(seq: number, body: string, at: Date): string {
  const iso = at.toISOString();
  return (
    `<ol id="messages" hx-swap-oob="upsert"><li id="m-${seq}" data-seq="${seq}" class="message">` +
    `<img class="avatar" src="/static/icons/${AUTHOR.icon}.svg" alt="" width="36" height="36"/><div class="message-main">` +
    `<p class="message-meta" hx-ignore="true"><span class="author">${AUTHOR.firstName}</span><span class="username">@${AUTHOR.username}</span>` +
    `<time datetime="${iso}" title="${iso}">${utc.format(at)} UTC</time></p>` +
    `<div class="message-body" hx-ignore="true">${escapeHtml(body)}</div></div></li></ol>` +
    `<div id="room-cursor" data-seq="${seq}" data-after="${seq - 1}" hidden="" hx-swap-oob="true"></div>`
  );
}

/** The old protocol's frame: always these five keys (src/realtime/legacy-socket.ts). */
function legacyFrame(type: 'old_data' | 'chat' | 'error', message: string | never[]): string {
  return JSON.stringify({ message_type: type, message, firstname: AUTHOR.firstName, username: AUTHOR.username, timestamp: new Date().toISOString() });
}

function fanOut(sockets: Set<WebSocket>, frame: string) {
  const encoded = Buffer.from(frame);
  for (const ws of sockets) {
    if (ws.readyState !== WebSocket.OPEN) continue;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) ws.close(1013, 'too far behind');
    else ws.send(encoded, TEXT);
  }
}

/** A new message, from either protocol, reaches every socket of its room in that socket's own protocol. */
function post(room: Room, body: string): number {
  const seq = ++room.seq;
  if (room.pages.size > 0) fanOut(room.pages, pageFrame(seq, body, new Date()));
  if (room.legacy.size > 0) fanOut(room.legacy, legacyFrame('chat', body));
  return seq;
}

function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size <= limit ? Buffer.concat(chunks).toString() : null));
    req.on('error', () => resolve(null));
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const messageBody = (input: unknown, key: string): string | null => {
  const value = (input as Record<string, unknown> | null)?.[key];
  return typeof value === 'string' && value.length > 0 ? value : null;
};

function answer(res: ServerResponse, status: number, value: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

const pathOf = (url = '/') => url.split('?', 1)[0]!;
const POST_PATH = /^\/lobby\/([^/]+)\/messages\/$/;
const PAGE_SOCKET_PATH = /^\/lobby\/([^/]+)\/ws\/?$/;
const LEGACY_SOCKET_PATH = /^\/ws\/chat\/([^/]+)\/?$/;
const PAGE_PATH = /^\/pages\/([a-z]+)$/;
const MAX_PAGE_BYTES = 1024 * 1024;

/**
 * Pages as Hubbub rendered them (the driver PUTs them), served as they are: the best this machine
 * can do for a page at all is to send bytes it already has, so phase E measures Hubbub against that.
 */
const pages = new Map<string, Buffer>();

async function onPage(req: IncomingMessage, res: ServerResponse, name: string) {
  if (req.method === 'PUT') {
    const html = await readBody(req, MAX_PAGE_BYTES);
    if (html === null) return answer(res, 413, { error: `pages are limited to ${MAX_PAGE_BYTES} bytes` });
    pages.set(name, Buffer.from(html));
    return void res.writeHead(204).end();
  }
  const page = pages.get(name);
  if (req.method !== 'GET' || !page) return answer(res, 404, { error: 'not found' });
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': page.length }).end(page);
}

async function onRequest(req: IncomingMessage, res: ServerResponse) {
  const path = pathOf(req.url);
  if (req.method === 'GET' && path === '/healthz') return answer(res, 200, { ok: true });
  const page = PAGE_PATH.exec(path)?.[1];
  if (page) return onPage(req, res, page);
  const room = req.method === 'POST' ? POST_PATH.exec(path)?.[1] : undefined;
  if (!room) return answer(res, 404, { error: 'not found' });
  const text = await readBody(req);
  if (text === null) return answer(res, 413, { error: `bodies are limited to ${MAX_BODY_BYTES} bytes` });
  const body = messageBody(parseJson(text), 'body');
  if (!body) return answer(res, 400, { error: 'send {"body": "…", "client_id": "…"}' });
  answer(res, 201, { seq: post(roomNamed(room), body) });
}

const sockets = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, maxPayload: MAX_BODY_BYTES });

function joinPage(ws: WebSocket, room: Room) {
  room.pages.add(ws);
  ws.on('close', () => room.pages.delete(ws));
  // The driver counts a member as ready at its first frame; Hubbub's first is the people list.
  ws.send('<ul id="presence" hx-swap-oob="true"></ul>');
}

function joinLegacy(ws: WebSocket, room: Room) {
  room.legacy.add(ws);
  ws.on('close', () => room.legacy.delete(ws));
  ws.on('message', (data) => {
    const input = parseJson(data.toString());
    const message = (input as { type?: unknown } | undefined)?.type === 'new_message' ? messageBody(input, 'message') : null;
    if (message) post(room, message);
    else ws.send(legacyFrame('error', 'Send {"type":"new_message","message":"…"}.'));
  });
  ws.send(legacyFrame('old_data', []));
}

function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
  // Node leaves an upgrading socket without an error listener: a client's reset must not end the server.
  socket.on('error', () => socket.destroy());
  const path = pathOf(req.url);
  const page = PAGE_SOCKET_PATH.exec(path)?.[1];
  const legacy = LEGACY_SOCKET_PATH.exec(path)?.[1];
  if (!page && !legacy) {
    socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
    return;
  }
  sockets.handleUpgrade(req, socket, head, (ws) => {
    ws.on('error', () => ws.terminate());
    if (pingMs > 0) watch(ws, page !== undefined);
    if (page) joinPage(ws, roomNamed(page));
    else joinLegacy(ws, roomNamed(legacy!));
  });
}

/**
 * CEILING_PING_MS (D, for what idling costs): the heartbeat the `ws` documentation gives, every
 * socket pinged each period and one that did not answer the last ping terminated, with a page's
 * beat (a frame it can see, as Hubbub sends) corked into the same write.
 */
const pingMs = Number(process.env.CEILING_PING_MS ?? 0);
const watched = new Map<WebSocket, { page: boolean; alive: boolean }>();
const BEAT = '<!-- beat -->';

function watch(ws: WebSocket, page: boolean) {
  const entry = { page, alive: true };
  watched.set(ws, entry);
  ws.on('pong', () => (entry.alive = true));
  ws.on('close', () => watched.delete(ws));
}

if (pingMs > 0) {
  setInterval(() => {
    for (const [ws, entry] of watched) {
      if (!entry.alive) {
        ws.terminate();
        continue;
      }
      entry.alive = false;
      const tcp = (ws as unknown as { _socket: Duplex })._socket;
      tcp.cork();
      ws.ping();
      if (entry.page) ws.send(BEAT);
      tcp.uncork();
    }
  }, pingMs).unref();
}

const server = createServer((req, res) => {
  onRequest(req, res).catch(() => res.destroy());
});
server.on('upgrade', onUpgrade);
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address() as { address: string; port: number };
  console.log(`ceiling listening on http://${address}:${port}`);
});

function shutDown() {
  for (const room of rooms.values()) for (const ws of [...room.pages, ...room.legacy]) ws.terminate();
  server.closeAllConnections();
  server.close(() => process.exit(0));
}
process.once('SIGTERM', shutDown);
process.once('SIGINT', shutDown);
