/** The old app's socket (/ws/chat/<room>/?token=), as its client used it: JSON frames both ways. */
import WebSocket from 'ws';
import { Arrivals } from '../support/signal.js';

export interface OldFrame {
  message_type: string;
  message: unknown;
  firstname: string;
  username: string;
  timestamp: string;
}

/** The old app's socket client: keeps every frame; `raw` keeps frames that were not JSON. */
export class OldSocket {
  readonly frames: OldFrame[] = [];
  readonly raw: string[] = [];
  closeCode: number | undefined;
  private readonly arrivals = new Arrivals();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = String(data);
      this.raw.push(text);
      try {
        this.frames.push(JSON.parse(text) as OldFrame);
      } catch {
        this.frames.push({ message_type: 'NOT JSON', message: text, firstname: '', username: '', timestamp: '' });
      }
      this.arrivals.notify();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.arrivals.notify();
    });
  }

  static async connect(url: string): Promise<OldSocket> {
    const ws = new WebSocket(url, { headers: { origin: 'http://old-client.example' } });
    const socket = new OldSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await socket.waitFor('old_data', () => socket.frames.some((frame) => frame.message_type === 'old_data'));
    return socket;
  }

  send(value: unknown) {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value));
  }

  async waitFor(what: string, done: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0 || this.closeCode !== undefined) {
        if (done()) return;
        throw new Error(`old socket: no ${what} within ${timeoutMs} ms (close code ${this.closeCode}); last frames: ${this.raw.slice(-3).join('\n').slice(0, 1000)}`);
      }
      await this.arrivals.next(left);
    }
  }

  /** The next frame after the first `since` frames that is `chat` or `error`: the answer to one send. */
  async answerAfter(since: number): Promise<OldFrame> {
    const isAnswer = (frame: OldFrame) => frame.message_type === 'chat' || frame.message_type === 'error' || frame.message_type === 'NOT JSON';
    await this.waitFor('answer', () => this.frames.slice(since).some(isAnswer));
    return this.frames.slice(since).find(isAnswer)!;
  }

  close() {
    this.ws.terminate();
  }
}
