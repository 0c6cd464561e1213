import net from 'node:net';

export type FaultMode = 'pass' | 'blackhole' | 'latency';
type Fault = { mode: FaultMode; delay: number };
type Pair = { client: net.Socket; upstream: net.Socket; lanes: Lane[] };

/** One direction of a proxied connection. A single FIFO queue per direction is what keeps byte
 *  order when the delay changes mid-stream (a shorter delay must not overtake a longer one). */
class Lane {
  private readonly queue: Array<{ due: number; chunk: Buffer | null }> = [];
  private timer: NodeJS.Timeout | undefined;
  private waitingForDrain = false;

  constructor(
    private readonly from: net.Socket,
    private readonly to: net.Socket,
    private readonly fault: Fault,
  ) {
    from.on('data', (chunk: Buffer) => this.push(chunk));
    // The peer's FIN travels through the same queue, so it cannot overtake delayed bytes.
    from.on('end', () => this.push(null));
  }

  private push(chunk: Buffer | null): void {
    this.queue.push({ due: Date.now() + this.fault.delay, chunk });
    this.flush();
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const wait = head.due - Date.now();
      if (wait > 0) {
        this.timer = setTimeout(() => this.flush(), wait);
        return;
      }
      this.queue.shift();
      if (this.to.destroyed || this.to.writableEnded) continue;
      if (head.chunk === null) {
        this.to.end();
      } else if (this.fault.mode !== 'blackhole') {
        // Checked at delivery, not arrival: nothing reaches the peer while blackholed, even bytes
        // that were already waiting out a latency delay. Dropped bytes are gone for good.
        this.deliver(head.chunk);
      }
    }
  }

  /** Backpressure: stop reading the source until the destination has flushed its buffer. */
  private deliver(chunk: Buffer): void {
    if (this.to.write(chunk) || this.waitingForDrain) return;
    this.waitingForDrain = true;
    this.from.pause();
    this.to.once('drain', () => {
      this.waitingForDrain = false;
      this.from.resume();
    });
  }

  stop(): void {
    clearTimeout(this.timer);
    this.queue.length = 0;
  }
}

/** Sends an RST where possible, so the peer sees a connection killed rather than a polite close. */
function kill(socket: net.Socket): void {
  if (socket.destroyed) return;
  if (socket.connecting) socket.destroy();
  else socket.resetAndDestroy();
}

/**
 * A TCP proxy for fault tests: sits between a client and a real service and misbehaves on demand.
 * Closes (FIN or reset) always reach the other side, even when blackholed, so no test leaks sockets.
 */
export class FaultProxy {
  /** Shared with every lane, so a mode change applies to connections already open. */
  private readonly fault: Fault = { mode: 'pass', delay: 0 };
  private refusing = false;
  private readonly pairs = new Set<Pair>();

  private constructor(
    private readonly server: net.Server,
    readonly host: string,
    readonly port: number,
  ) {}

  /** `<host>:<port>` (127.0.0.1 by default), ready to drop into a URL. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  static async start(target: { host: string; port: number }, listen: { host?: string; port?: number } = {}): Promise<FaultProxy> {
    // allowHalfOpen on both sides: a FIN is forwarded like data, so a peer that half-closes
    // still gets its reply, as it would without the proxy.
    const server = net.createServer({ allowHalfOpen: true });
    const host = listen.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listen.port ?? 0, host, () => resolve());
    });
    const proxy = new FaultProxy(server, host, (server.address() as net.AddressInfo).port);
    server.on('connection', (client) => proxy.accept(client, target));
    return proxy;
  }

  private accept(client: net.Socket, target: { host: string; port: number }): void {
    // A reset on either side is an expected outcome here, never a reason to crash the test run.
    client.on('error', () => {});
    if (this.refusing) {
      kill(client);
      return;
    }
    const upstream = net.connect({ ...target, allowHalfOpen: true });
    upstream.on('error', () => {});
    const pair = { client, upstream, lanes: [new Lane(client, upstream, this.fault), new Lane(upstream, client, this.fault)] };
    this.pairs.add(pair);
    let open = 2;
    for (const [side, other] of [[client, upstream], [upstream, client]] as const) {
      let ended = false;
      side.once('end', () => (ended = true));
      side.once('close', (hadError) => {
        open -= 1;
        // A clean FIN is forwarded through the lane (after any delayed bytes); anything else
        // (reset, error, upstream unreachable) tears the other side down at once.
        const clean = ended && !hadError;
        if (!clean) kill(other);
        if (clean && open > 0) return;
        this.pairs.delete(pair);
        for (const lane of pair.lanes) lane.stop();
      });
    }
  }

  setMode(mode: 'pass' | 'blackhole'): void;
  setMode(mode: 'latency', ms: number): void;
  setMode(mode: FaultMode, ms = 0): void {
    this.fault.mode = mode;
    this.fault.delay = mode === 'latency' ? ms : 0;
  }

  /** Kills every current connection at once; new connections are still accepted. */
  cut(): void {
    for (const { client, upstream, lanes } of this.pairs) {
      for (const lane of lanes) lane.stop();
      kill(client);
      kill(upstream);
    }
    this.pairs.clear();
  }

  /** While on, the service looks down: connections are accepted and reset straight away. */
  refuse(on: boolean): void {
    this.refusing = on;
  }

  connections(): number {
    return this.pairs.size;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
