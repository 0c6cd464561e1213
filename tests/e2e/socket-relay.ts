// Loses chosen frames on the way to a page. Every WebSocket the page opens is relayed by the test
// process (a `ws` client with the page's cookies and Origin), which passes everything on both ways but
// the server's frames a test asks it to drop. The link itself stays healthy (closes go through at once);
// for a cut or a half-open link, see fault-proxy.ts.
import type { BrowserContext, Page, WebSocketRoute } from '@playwright/test';
import WebSocket from 'ws';

interface Drop {
  match: (frame: string) => boolean;
  resolve: (frame: string) => void;
}

/** Codes a client may send in a close frame; anything else ends the TCP connection instead. */
const sendable = (code: number | undefined): code is number => code === 1000 || (code !== undefined && code >= 3000 && code <= 4999);

export class SocketRelay {
  /** Sockets of the page that reached the server. */
  opened = 0;
  /** Close codes of the sockets the page closed itself (4003: fell silent, 4004: missed a frame, …), in order. */
  readonly pageCloses: number[] = [];
  private readonly servers = new Set<WebSocket>();
  private readonly drops: Drop[] = [];

  private constructor(private readonly context: BrowserContext) {}

  /** Relays the WebSockets of `page` (call it before the page opens any). */
  static async of(page: Page): Promise<SocketRelay> {
    const relay = new SocketRelay(page.context());
    await page.routeWebSocket(/\/ws\/?(\?.*)?$/, (route) => relay.relay(route));
    page.on('close', () => relay.dispose());
    return relay;
  }

  /** Loses the next frame from the server that `match`es; resolves with it once it was lost. */
  dropNext(match: (frame: string) => boolean): Promise<string> {
    return new Promise((resolve) => this.drops.push({ match, resolve }));
  }

  dispose(): void {
    for (const server of this.servers) server.terminate();
    this.servers.clear();
  }

  private async relay(route: WebSocketRoute): Promise<void> {
    const httpUrl = route.url().replace(/^ws/, 'http');
    const cookie = (await this.context.cookies(httpUrl)).map(({ name, value }) => `${name}=${value}`).join('; ');
    const server = new WebSocket(route.url(), { headers: { origin: new URL(httpUrl).origin, cookie } });
    this.servers.add(server);
    let closed = false;

    server.on('message', (data, isBinary) => {
      const frame = isBinary ? (data as Buffer) : data.toString();
      if (typeof frame === 'string') {
        const drop = this.drops.findIndex(({ match }) => match(frame));
        if (drop >= 0) return this.drops.splice(drop, 1)[0]!.resolve(frame);
      }
      route.send(frame);
    });
    server.on('close', (code, reason) => {
      this.servers.delete(server);
      if (closed) return;
      closed = true;
      void route.close({ code, reason: reason.toString() });
    });
    route.onMessage((message) => {
      if (server.readyState === WebSocket.OPEN) server.send(message);
    });
    // The page closed its socket: the close frame goes to the server, and the page's side ends.
    route.onClose((code, reason) => {
      if (closed) return;
      closed = true;
      this.pageCloses.push(code ?? 1005);
      if (sendable(code)) server.close(code, reason);
      else server.terminate();
      void route.close({ code: code ?? 1005, reason: reason ?? '' });
    });

    // The page's socket opens once the server accepted it (the route opens it after this handler returns).
    const accepted = await new Promise<boolean>((resolve) => {
      server.once('open', () => resolve(true));
      server.once('error', () => resolve(false));
    });
    if (accepted) this.opened++;
    else if (!closed) {
      closed = true;
      await route.close({ code: 1006, reason: '' });
    }
  }
}
