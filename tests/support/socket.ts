import WebSocket from 'ws';
import { Arrivals } from './signal.js';

const WAIT_MS = 5_000;

/** A WebSocket client that keeps every frame (HTML) it receives, so tests can wait for one. */
export class LiveClient {
  readonly frames: string[] = [];
  /** The close code the server sent, once the socket closed. */
  closeCode: number | undefined;
  private readonly arrivals = new Arrivals();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(data.toString());
      this.arrivals.notify();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.arrivals.notify();
    });
  }

  static async open(url: string, headers: Record<string, string>): Promise<LiveClient> {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), { headers });
    const client = new LiveClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_request, response) => reject(new Error(`handshake refused: ${response.statusCode}`)));
      ws.once('error', reject);
    });
    return client;
  }

  /** The HTTP status a refused handshake gets (or 101 when the socket opens after all). */
  static async refusal(url: string, headers: Record<string, string>): Promise<number> {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), { headers });
    return new Promise<number>((resolve, reject) => {
      ws.once('unexpected-response', (request, response) => {
        resolve(response.statusCode ?? 0);
        request.destroy();
      });
      ws.once('open', () => {
        ws.terminate();
        resolve(101);
      });
      ws.once('error', (error) => {
        if (!/Unexpected server response/.test(error.message)) reject(error);
      });
    });
  }

  get closed(): boolean {
    return this.ws.readyState === WebSocket.CLOSED;
  }

  /**
   * Waits for a frame that matches (among those from index `since` on); fails naming what was
   * awaited and what did arrive.
   */
  async waitFor(what: string, match: (frame: string) => boolean, { since = 0, timeoutMs = WAIT_MS } = {}): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.slice(since).find(match);
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) {
        throw new Error(`no frame with ${what} within ${timeoutMs} ms${this.closed ? ' (socket closed)' : ''}; got:\n${this.frames.join('\n---\n')}`);
      }
      await this.arrivals.next(left);
    }
  }

  /** Every frame's message item ids, in order of arrival. */
  itemSeqs(): number[] {
    return this.frames.flatMap((frame) => itemSeqs(frame));
  }

  /** Waits for the server to close the socket; answers the close code. */
  async waitForClose(timeoutMs = WAIT_MS): Promise<number> {
    if (!this.closed) {
      const closed = new Promise((resolve) => this.ws.once('close', resolve));
      const timeout = new Promise((resolve) => setTimeout(resolve, timeoutMs).unref());
      await Promise.race([closed, timeout]);
    }
    if (this.closeCode === undefined) throw new Error(`the socket was still open after ${timeoutMs} ms`);
    return this.closeCode;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const closed = new Promise((resolve) => this.ws.once('close', resolve));
    this.ws.close();
    await closed;
  }
}

/** The seqs of the message items (`<li id="m-<seq>">`) in a frame, in order; notices are left out. */
export const itemSeqs = (frame: string) => [...frame.matchAll(/<li id="m-(\d+)" data-seq="(\d+)"/g)].map((m) => Number(m[1]));

/** The HTML of one message item in a frame, or undefined. */
export function item(frame: string, seq: number): string | undefined {
  return frame.match(new RegExp(`<li id="m-${seq}" data-seq="${seq}"[\\s\\S]*?</li>`))?.[0];
}

export const hasItem = (seq: number, text?: string) => (frame: string) => {
  const html = item(frame, seq);
  return html !== undefined && (text === undefined || html.includes(text));
};

/** The first names in a presence frame (`<div id="presence">`), or null for any other frame. */
export function presenceNames(frame: string): string[] | null {
  if (!frame.includes('<div id="presence"')) return null;
  return [...frame.matchAll(/<span title="@[^"]*">([^<]*)<\/span>/g)].map((m) => m[1]!);
}

/** A presence frame listing exactly these people. */
export const isPresence = (...names: string[]) => (frame: string) =>
  presenceNames(frame)?.slice().sort().join(',') === names.slice().sort().join(',');

export const notice = (text: string) => (frame: string) => frame.includes('class="notice notice-') && frame.includes(text);
