import http from 'node:http';
import https from 'node:https';
import WebSocket from 'ws';

/** An answer, read whole. */
export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: string;
  /** The address the client connects from (127.0.0.2 plays a second machine). */
  localAddress?: string;
}

/**
 * A client of one origin, http or https. Over https it trusts `ca` (the test's own certificate),
 * as a browser trusts a real one: node:https rather than fetch, since fetch takes no CA.
 */
export class Site {
  constructor(
    readonly origin: string,
    private readonly ca?: string,
  ) {}

  private open(method: string, path: string, options: RequestOptions, onResponse: (response: http.IncomingMessage) => void) {
    const url = new URL(path, this.origin);
    const transport = url.protocol === 'https:' ? https : http;
    const request = transport.request(url, { method, headers: options.headers, ca: this.ca, localAddress: options.localAddress, agent: false }, onResponse);
    if (options.body !== undefined) request.write(options.body);
    request.end();
    return request;
  }

  request(method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const request = this.open(method, path, options, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json: <T>() => JSON.parse(text) as T }),
        );
        response.on('error', reject);
      });
      request.on('error', reject);
    });
  }

  /** A Server-Sent Events stream, read as it arrives. */
  events(path: string, headers: Record<string, string>): EventStream {
    const stream = new EventStream();
    const request = this.open('GET', path, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
      stream.status = response.statusCode;
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => stream.take(chunk));
      response.on('end', () => (stream.ended = true));
      response.on('error', () => (stream.ended = true));
    });
    request.on('error', () => (stream.ended = true));
    stream.close = () => request.destroy();
    return stream;
  }

  /** A WebSocket (wss:// over https), open once this resolves; every text frame is kept. */
  async socket(path: string, headers: Record<string, string> = {}): Promise<Socket> {
    const url = new URL(path, this.origin.replace(/^http/, 'ws'));
    const ws = new WebSocket(url, { headers, ca: this.ca });
    const socket = new Socket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_request, response) => reject(new Error(`${path}: handshake refused with ${response.statusCode}`)));
      ws.once('error', reject);
    });
    return socket;
  }
}

export class Socket {
  readonly frames: string[] = [];
  closeCode: number | undefined;

  constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => this.frames.push(String(data)));
    ws.on('close', (code) => (this.closeCode = code));
    ws.on('error', () => {});
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  close(): void {
    this.ws.close(1000);
  }
}

export interface ServerEvent {
  event: string;
  data: string;
  id?: string;
}

export class EventStream {
  readonly events: ServerEvent[] = [];
  status: number | undefined;
  ended = false;
  close: () => void = () => {};
  private pending = '';

  take(chunk: string): void {
    this.pending += chunk;
    let end: number;
    while ((end = this.pending.indexOf('\n\n')) >= 0) {
      const block = this.pending.slice(0, end);
      this.pending = this.pending.slice(end + 2);
      const event: ServerEvent = { event: 'message', data: '' };
      let named = false;
      for (const line of block.split('\n')) {
        const match = /^(event|data|id): ?(.*)$/.exec(line);
        if (!match) continue;
        if (match[1] === 'event') [event.event, named] = [match[2]!, true];
        if (match[1] === 'data') event.data = match[2]!;
        if (match[1] === 'id') event.id = match[2]!;
      }
      if (named || event.data) this.events.push(event);
    }
  }
}

/** Waits until `check` holds (polling), or fails naming what never happened. */
export async function waitUntil(what: string | (() => string), check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
