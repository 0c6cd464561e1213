// An HTTP proxy for one browser context, with the network faults a browser cannot fake for itself.
// Chromium sends WebSockets through it as CONNECT tunnels, so the page's own native socket crosses it:
// a half-open tunnel drops every byte both ways and tells neither end, exactly like a dead NAT entry
// or a laptop that went to sleep, so both the browser and the server have to find out by themselves.
import { type IncomingMessage, type Server, type ServerResponse, createServer, request as httpRequest } from 'node:http';
import { type Socket, connect } from 'node:net';
import type { AddressInfo } from 'node:net';

interface Tunnel {
  client: Socket;
  upstream: Socket;
  halfOpen: boolean;
}

export class FaultProxy {
  /** CONNECT tunnels opened (the page's WebSockets). */
  tunnelsOpened = 0;
  private refuseNew = false;
  private readonly tunnels = new Set<Tunnel>();

  private constructor(
    private readonly server: Server,
    /** For a context's `proxy.server`. */
    readonly url: string,
  ) {}

  static async start(): Promise<FaultProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new FaultProxy(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (request, response) => proxy.forward(request, response));
    server.on('connect', (request: IncomingMessage, client: Socket, head: Buffer) => proxy.tunnel(request, client, head));
    return proxy;
  }

  /** The link goes down: open tunnels end at once (both ends see the connection close), new ones are refused. */
  cut(): void {
    this.refuseNew = true;
    for (const tunnel of this.tunnels) {
      tunnel.client.destroy();
      tunnel.upstream.destroy();
    }
  }

  /**
   * Every open tunnel goes half-open: nothing passes either way and nobody is told. With `refuseNew`,
   * the link is dead for new connections and requests too (until `restore`).
   */
  blackhole({ refuseNew = false } = {}): void {
    this.refuseNew = refuseNew;
    for (const tunnel of this.tunnels) tunnel.halfOpen = true;
  }

  /** New connections go through again (half-open tunnels stay dead, as they would). */
  restore(): void {
    this.refuseNew = false;
  }

  async close(): Promise<void> {
    for (const { client, upstream } of this.tunnels) {
      client.destroy();
      upstream.destroy();
    }
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Plain HTTP requests (absolute-form URLs), passed on as they are. */
  private forward(request: IncomingMessage, response: ServerResponse) {
    if (this.refuseNew) return request.socket.destroy();
    const upstream = httpRequest(request.url!, { method: request.method, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode!, answer.rawHeaders);
      answer.pipe(response);
    });
    upstream.on('error', () => response.destroy());
    request.pipe(upstream);
  }

  private tunnel(request: IncomingMessage, client: Socket, head: Buffer) {
    if (this.refuseNew) return client.destroy();
    const [host, port] = request.url!.split(':');
    const upstream = connect(Number(port), host!, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      this.tunnelsOpened++;
    });
    const tunnel: Tunnel = { client, upstream, halfOpen: false };
    this.tunnels.add(tunnel);
    const pass = (from: Socket, to: Socket) => {
      from.on('data', (data) => {
        if (!tunnel.halfOpen) to.write(data);
      });
      // An end or a reset goes through only while the tunnel is alive.
      from.on('end', () => {
        if (!tunnel.halfOpen) to.end();
      });
      from.on('error', () => {
        if (!tunnel.halfOpen) to.destroy();
      });
      from.on('close', () => {
        if (!tunnel.halfOpen) to.destroy();
        if (client.destroyed && upstream.destroyed) this.tunnels.delete(tunnel);
      });
    };
    pass(client, upstream);
    pass(upstream, client);
  }
}
