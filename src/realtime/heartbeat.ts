import type { Socket } from 'node:net';
import { WebSocket, type WebSocketServer } from 'ws';

/** The frame a page sees each round: a comment, which swaps nothing. */
export const BEAT = '<!-- beat -->';

// A server's frames are not masked, so a round sends every socket the same bytes: built once. A
// ping (FIN, opcode 9, no payload); for a page, the ping and the beat as a text frame (opcode 1).
const PING_FRAME = Buffer.from([0x89, 0x00]);
const PAGE_FRAMES = Buffer.concat([PING_FRAME, Buffer.from([0x81, Buffer.byteLength(BEAT)]), Buffer.from(BEAT)]);

// Sockets beaten per turn of the event loop: a round over 19,000 sockets (most of a second here)
// lets messages and pages through between turns instead of holding them up until it ends, and what
// each write leaves behind (its request, the callback queued for the next tick) is collected young
// rather than outliving a round-long turn.
const PER_TURN = 500;

/** ws's own parts: the TCP socket, and its sender's state (0: no frame being prepared). */
interface WsParts {
  _socket?: Socket;
  _sender?: { _state: number };
}

/**
 * A ping, and for a page also a frame it can see: browsers never show pings to the page, and
 * live.js watches for silence. Both go out as one prepared write: with 19,000 sockets a round is
 * 19,000 system calls, and no frame is built per socket. While ws is preparing a frame of its own
 * (compressing, reading a Blob), bytes written under it would cut in; ws's own methods queue
 * behind it, so they are used then.
 */
function beat(socket: WebSocket, page: boolean): void {
  if (socket.readyState !== WebSocket.OPEN) return;
  const { _socket: tcp, _sender: sender } = socket as unknown as WsParts;
  if (tcp?.writable && sender?._state === 0) {
    tcp.write(page ? PAGE_FRAMES : PING_FRAME);
    return;
  }
  socket.ping();
  if (page) socket.send(BEAT);
}

/**
 * Every `intervalMs` (WS_PING_INTERVAL, 30 s) each socket is pinged; one that has not answered the
 * previous ping is half-open (a vanished laptop, a dead NAT entry) and is dropped, which also ends
 * its presence. Only the pages' sockets (under /lobby/) speak HTML and get the beat; other
 * protocols' clients parse every frame, so they get pings alone.
 */
export function startHeartbeat(wss: WebSocketServer, intervalMs: number): NodeJS.Timeout {
  const answered = new WeakSet<object>();
  const pages = new WeakSet<object>();
  wss.on('connection', (socket, request) => {
    answered.add(socket);
    if (request.url?.startsWith('/lobby/')) pages.add(socket);
    socket.on('pong', () => answered.add(socket));
  });
  let lastTick = Date.now();
  const timer = setInterval(() => {
    // Late by more than half a period, the process was stalled (a burst, a pause): pongs that
    // arrived meanwhile are still unread, so this round only pings and judges nobody.
    const now = Date.now();
    const stalled = now - lastTick > intervalMs * 1.5;
    lastTick = now;
    const sockets = [...wss.clients];
    let next = 0;
    const turn = () => {
      for (const end = Math.min(next + PER_TURN, sockets.length); next < end; next++) {
        const socket = sockets[next]!;
        if (!stalled) {
          if (!answered.has(socket)) {
            socket.terminate();
            continue;
          }
          answered.delete(socket);
        }
        beat(socket, pages.has(socket));
      }
      if (next < sockets.length) setImmediate(turn);
    };
    turn();
  }, intervalMs);
  timer.unref();
  return timer;
}
