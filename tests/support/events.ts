import { Arrivals } from './signal.js';

/** One Server-Sent Event as a client sees it. */
export interface ServerEvent {
  event: string;
  id: string | undefined;
  data: string;
}

/**
 * Reads a text/event-stream response the way EventSource does (fields, blank-line dispatch,
 * comments ignored), keeping every event, so tests can wait for one.
 */
export class EventStreamClient {
  readonly events: ServerEvent[] = [];
  /** Comment lines (heartbeats) seen. */
  comments = 0;
  ended = false;
  private readonly arrivals = new Arrivals();
  private readonly abort = new AbortController();

  private constructor(readonly response: Response) {}

  static async open(url: string, headers: Record<string, string>): Promise<EventStreamClient> {
    const abort = new AbortController();
    const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
    const client = new EventStreamClient(response);
    client.abort.signal.addEventListener('abort', () => abort.abort());
    if (response.ok && response.body) void client.read(response.body);
    return client;
  }

  private async read(body: ReadableStream<Uint8Array>) {
    const decoder = new TextDecoder();
    let buffer = '';
    let current: ServerEvent = { event: 'message', id: undefined, data: '' };
    let hasData = false;
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let newline: number;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline).replace(/\r$/, '');
          buffer = buffer.slice(newline + 1);
          if (line === '') {
            if (hasData) this.events.push(current);
            current = { event: 'message', id: undefined, data: '' };
            hasData = false;
            this.wake();
          } else if (line.startsWith(':')) {
            this.comments++;
            this.wake();
          } else {
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'event') current.event = value;
            else if (field === 'id') current.id = value;
            else if (field === 'data') {
              current.data = hasData ? `${current.data}\n${value}` : value;
              hasData = true;
            }
          }
        }
      }
    } catch {
      // aborted
    } finally {
      this.ended = true;
      this.wake();
    }
  }

  private wake() {
    this.arrivals.notify();
  }

  /** The `message` events' JSON, in order of arrival. */
  messages(): Array<{ seq: number; updated_seq: number; body: string | null; deleted_at: string | null }> {
    return this.events.filter((e) => e.event === 'message').map((e) => JSON.parse(e.data));
  }

  async waitFor(what: string, done: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0 || this.ended) {
        if (done()) return;
        throw new Error(`no ${what} within ${timeoutMs} ms${this.ended ? ' (stream ended)' : ''}; got:\n${JSON.stringify(this.events, null, 1)}`);
      }
      await this.arrivals.next(left);
    }
  }

  close(): void {
    this.abort.abort();
  }
}
