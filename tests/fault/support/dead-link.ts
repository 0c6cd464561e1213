import net from 'node:net';
import { now } from './util.js';

/**
 * A TCP link that can go dead without either end being told: a half-open connection (a NAT entry
 * that expired, a laptop that lost its Wi-Fi, a cable pulled out between two routers).
 *
 * tests/support/fault-proxy.ts blackholes bytes but always forwards closes, so a socket the server
 * drops still reaches the client as a FIN at once; over a dead link nothing crosses, closes included.
 * Here, while the link is down, everything (bytes, FINs, resets, even new connections to the
 * target) is held back, as TCP keeps retransmitting; once it is up again it all goes through in
 * order, so a side that gave up meanwhile resets the other when its packets arrive.
 */
export class DeadLink {
  private down = false;
  /** What crossing the link would have done while it was down, in order. */
  private held: Array<() => void> = [];
  private readonly sockets = new Set<net.Socket>();
  /** When the target closed (FIN or reset) a connection, per connection opened through the link. */
  readonly targetClosedAt: number[] = [];

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  /** `http://127.0.0.1:<port>`: the address a client uses instead of the target's. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(target: { host: string; port: number }): Promise<DeadLink> {
    const server = net.createServer({ allowHalfOpen: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const link = new DeadLink(server, (server.address() as net.AddressInfo).port);
    server.on('connection', (client) => link.accept(client, target));
    return link;
  }

  get isDown(): boolean {
    return this.down;
  }

  /** Nothing crosses from now on, in either direction, until `restore`. */
  cutOff(): void {
    this.down = true;
  }

  /** The link works again: what was held back crosses now, in order. */
  restore(): void {
    this.down = false;
    for (const action of this.held.splice(0)) action();
  }

  private cross(action: () => void): void {
    if (this.down) this.held.push(action);
    else action();
  }

  private accept(client: net.Socket, target: { host: string; port: number }): void {
    this.track(client);
    const index = this.targetClosedAt.length;
    this.targetClosedAt.push(NaN);
    let upstream: net.Socket | null = null;
    // The connection reaches the target only once the link lets it through.
    this.cross(() => {
      if (client.destroyed) return;
      const socket = net.connect({ ...target, allowHalfOpen: true });
      upstream = socket;
      this.track(socket);
      this.pipe(socket, client, () => {
        if (Number.isNaN(this.targetClosedAt[index]!)) this.targetClosedAt[index] = now();
      });
    });
    this.pipe(client, () => upstream);
  }

  /** Bytes, a FIN and a reset from `from` cross the link to `to` (which may not exist yet). */
  private pipe(from: net.Socket, to: net.Socket | (() => net.Socket | null), onClosed = () => {}): void {
    const peer = () => (typeof to === 'function' ? to() : to);
    let ended = false;
    from.on('data', (chunk: Buffer) => this.cross(() => writable(peer()) && peer()!.write(chunk)));
    from.on('end', () => {
      ended = true;
      onClosed();
      this.cross(() => writable(peer()) && peer()!.end());
    });
    from.on('close', (hadError) => {
      onClosed();
      // A clean FIN crossed already; anything else kills the other end.
      if (!ended || hadError) this.cross(() => reset(peer()));
    });
  }

  private track(socket: net.Socket): void {
    socket.on('error', () => {}); // resets are what this link is for
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  async close(): Promise<void> {
    this.held = [];
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const writable = (socket: net.Socket | null) => socket !== null && !socket.destroyed && !socket.writableEnded;

/** An RST where possible: the peer sees the connection killed. */
function reset(socket: net.Socket | null): void {
  if (!socket || socket.destroyed) return;
  if (socket.connecting) socket.destroy();
  else socket.resetAndDestroy();
}
