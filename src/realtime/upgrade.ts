import { type IncomingMessage, type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Context, Env, MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../log.js';
import type { ConnectionKind, Metrics } from '../metrics/metrics.js';

/**
 * WebSocket upgrades, through the app like any request: its middleware (session, Origin, limits)
 * and its routes decide, and a refused handshake gets their status (401, 403, 404…) with no data
 * ever flowing. A route that accepts hands back handlers built from plain values it read from the
 * request; nothing keeps the request, its headers or its context once the socket is open, so an
 * idle socket costs little more than the `ws` object itself. (The upgrade helper of
 * @hono/node-server keeps all of those alive as long as the socket lives.)
 */

/** An open socket as the handlers see it. */
export interface LiveSocket {
  readonly raw: WebSocket;
  readonly readyState: number;
  send(frame: string | Buffer): void;
  /** Runs `write` with the connection corked: the frames it sends leave in one write to the kernel. */
  corked(write: () => void): void;
  close(code?: number, reason?: string): void;
}

/** What a route does with the socket it accepts. */
export interface SocketHandlers {
  onOpen(socket: LiveSocket): void | Promise<void>;
  /** A text frame (a binary frame arrives as null). */
  onMessage?(data: string | null, socket: LiveSocket): void;
  onClose?(): void;
}

const UPGRADE = Symbol('websocket upgrade');

/** Plain values for the socket's log lines, read at the handshake (the socket keeps no request). */
interface SocketFacts {
  kind: ConnectionKind;
  route: string;
  requestId: string | undefined;
  userId: number | undefined;
}

interface UpgradeSlot {
  handlers?: SocketHandlers;
  facts?: SocketFacts;
}

const slotOf = (c: Context) => (c.env as { [UPGRADE]?: UpgradeSlot } | undefined)?.[UPGRADE];

/**
 * The last handler of a WebSocket route: accepts the upgrade with the handlers `open` builds. A
 * plain request to the address is answered 426 Upgrade Required.
 */
export function acceptSocket<E extends Env>(kind: ConnectionKind, open: (c: Context<E>) => SocketHandlers): MiddlewareHandler<E> {
  return async (c) => {
    const slot = slotOf(c);
    if (!slot) return c.text('This address takes WebSocket connections only.', 426, { Upgrade: 'websocket' });
    slot.handlers = open(c);
    const { requestId, user } = c.var as { requestId?: string; user?: { id: number } | null };
    slot.facts = { kind, route: routePath(c), requestId, userId: user?.id };
    return c.body(null, 200);
  };
}

/** Whether this request was a WebSocket handshake that a route accepted (it becomes a socket). */
export function isAcceptedUpgrade(c: Context): boolean {
  return slotOf(c)?.handlers !== undefined;
}

const ignore = () => {};

type Fetch = (request: Request, env: Record<string | symbol, unknown>) => Response | Promise<Response>;

/**
 * Answers the server's upgrade requests with the app (`fetch`), and opens accepted sockets on `wss`.
 * Each socket counts in hubbub_open_connections while open and logs its opening and its close code.
 */
export function serveUpgrades(server: Server, wss: WebSocketServer, fetch: Fetch, log: Logger, metrics: Metrics): void {
  server.on('upgrade', async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Module-level: a closure made here would keep this handshake's request alive with the socket.
    socket.on('error', ignore);
    if (request.headers.upgrade?.toLowerCase() !== 'websocket') return refuse(socket, 400);
    const slot: UpgradeSlot = {};
    let handshake: Request;
    try {
      handshake = requestOf(request);
    } catch {
      return refuse(socket, 400); // a Host header that makes no URL
    }
    let response: Response;
    try {
      response = await fetch(handshake, { incoming: request, outgoing: undefined, [UPGRADE]: slot });
    } catch (error) {
      log.error({ err: error }, 'a WebSocket handshake failed');
      return refuse(socket, 500);
    }
    const { handlers, facts } = slot;
    if (socket.destroyed) return;
    if (!handlers || !facts) return refuse(socket, response.status, response.headers);
    // Headers the app set on the way (a renewed session cookie) go out with the 101.
    const addHeaders = (lines: string[]) => lines.push(...headerLines(response.headers));
    wss.on('headers', addHeaders);
    try {
      wss.handleUpgrade(request, socket, head, (ws) => {
        wss.emit('connection', ws, request);
        open(ws, socket, handlers, facts, log, metrics);
      });
    } finally {
      wss.off('headers', addHeaders);
    }
  });
}

function open(ws: WebSocket, connection: Duplex, handlers: SocketHandlers, facts: SocketFacts, log: Logger, metrics: Metrics) {
  const live: LiveSocket = {
    raw: ws,
    get readyState() {
      return ws.readyState;
    },
    send: (frame) => ws.send(frame, { binary: false }),
    corked: (write) => {
      connection.cork();
      try {
        write();
      } finally {
        connection.uncork();
      }
    },
    close: (code, reason) => ws.close(code, reason),
  };
  const guarded = (what: string, run: () => unknown) => {
    try {
      const done = run();
      if (done instanceof Promise) done.catch((error: unknown) => log.error({ err: error }, `WebSocket ${what} failed`));
    } catch (error) {
      log.error({ err: error }, `WebSocket ${what} failed`);
    }
  };
  const openedAt = Date.now();
  metrics.connections.inc({ kind: facts.kind });
  log.info({ event: 'socket-open', ...facts }, 'socket open');
  guarded('open', () => handlers.onOpen(live));
  ws.on('message', (data, isBinary) => guarded('message', () => handlers.onMessage?.(isBinary ? null : data.toString(), live)));
  ws.on('close', (code: number, reason: Buffer) => {
    metrics.connections.dec({ kind: facts.kind });
    const seconds = Math.round((Date.now() - openedAt) / 100) / 10;
    log.info({ event: 'socket-closed', ...facts, code, reason: reason.toString().slice(0, 120), seconds }, 'socket closed');
    guarded('close', () => handlers.onClose?.());
  });
  ws.on('error', ignore); // a broken connection closes the socket, which 'close' handles
}

/** The handshake as a web Request (URL and headers; it has no body). */
function requestOf(request: IncomingMessage): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers.append(name, Array.isArray(value) ? value[0]! : value);
  }
  const scheme = (request.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  const url = new URL(request.url ?? '/', `${scheme}://${request.headers.host ?? 'localhost'}`);
  return new Request(url, { headers });
}

// Hop-by-hop and handshake headers are the server's to write, never the app's.
const NOT_FORWARDED = new Set(['connection', 'content-length', 'keep-alive', 'transfer-encoding', 'upgrade', 'sec-websocket-accept', 'sec-websocket-extensions', 'sec-websocket-protocol']);

function headerLines(headers?: Headers): string[] {
  const lines: string[] = [];
  headers?.forEach((value, name) => {
    if (!NOT_FORWARDED.has(name.toLowerCase())) lines.push(`${name}: ${value}`);
  });
  return lines;
}

function refuse(socket: Duplex, status: number, headers?: Headers) {
  if (socket.destroyed) return;
  const lines = ['Connection: close', 'Content-Length: 0', ...headerLines(headers)];
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${lines.join('\r\n')}\r\n\r\n`);
}
