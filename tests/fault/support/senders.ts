import { randomUUID } from 'node:crypto';
import { type Guest, pageHeaders } from './guests.js';
import { now, sleep, waitUntil } from './util.js';

/**
 * The highest seq any sender has had acknowledged, per room. A member that reconnects notes it: the
 * member has recovered once its cursor reaches it.
 */
export class AckBoard {
  private readonly highest = new Map<string, number>();

  record(slug: string, seq: number): void {
    if (seq > (this.highest.get(slug) ?? 0)) this.highest.set(slug, seq);
  }

  max(slug: string): number {
    return this.highest.get(slug) ?? 0;
  }
}

/** One message and what became of it. */
export interface SentMessage {
  clientId: string;
  body: string;
  /** When the schedule sent it first (ms, monotonic). */
  sentAt: number;
  /** When a 200/201 came back, and what it said. */
  ackedAt: number | null;
  seq: number | null;
  /** 201 (stored now) or 200 (a retry found it stored). */
  status: number | null;
  attempts: number;
  /** The last few failures (network errors and 5xx), for diagnostics. */
  failures: string[];
  /** A 4xx (or other) answer that no retry can fix: the message was refused. */
  refused: string | null;
}

export interface SenderOptions {
  guest: Guest;
  name: string;
  urls: string[];
  /** The instance every new message goes to first (retries move on to the next ones). */
  home: number;
  slug: string;
  board: AckBoard;
  /** Messages per second. */
  rate: number;
  /** Delay of the first message after `start`, to spread several senders' schedules. */
  offsetMs?: number;
  /** Per request; a request that takes longer is treated as a network error and retried. */
  requestTimeoutMs?: number;
  /** Characters of filler appended to every body (larger messages, larger frames). */
  bodyPadding?: number;
}

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 1_000;

/**
 * A guest sending on an open-loop schedule: message k goes out at start + offset + k / rate whatever
 * happened to the earlier ones. Each message is retried with the same client_id after a network
 * error or a 5xx (short backoff, next instance each time) until the server stores it.
 */
export class Sender {
  readonly messages: SentMessage[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private abandoned = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: SenderOptions) {}

  get name(): string {
    return this.options.name;
  }

  /** Starts the schedule; it runs until `stop()`. */
  start(): void {
    const { rate, offsetMs = 0 } = this.options;
    const period = 1000 / rate;
    const origin = now() + offsetMs;
    this.running = true;
    let k = 0;
    const tick = () => {
      if (!this.running) return;
      // Late timers send every message that is due: the schedule never waits on the server.
      while (origin + k * period <= now()) void this.launch(k++);
      this.timer = setTimeout(tick, Math.max(0, origin + k * period - now()));
    };
    this.timer = setTimeout(tick, Math.max(0, offsetMs));
  }

  /** Sends nothing new; messages already sent keep retrying until `drain`. */
  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  /** Waits (bounded) until every message sent has been acknowledged or refused. */
  async drain(timeoutMs: number): Promise<boolean> {
    return waitUntil(() => this.inFlight.size === 0, timeoutMs, 50);
  }

  /** Gives up on whatever is still retrying (after a failed drain), so the process can move on. */
  abandon(): void {
    this.abandoned = true;
  }

  /**
   * Closed loop: `count` messages one after another, each sent once the previous one was answered
   * (acknowledged or refused), as fast as the server answers.
   */
  async burst(count: number): Promise<void> {
    for (let i = 0; i < count && !this.abandoned; i++) await this.launch(this.messages.length);
  }

  /** `count` messages sent at once (each retried until stored); answers once all were answered. */
  async sendNow(count: number): Promise<void> {
    await Promise.all(Array.from({ length: count }, () => this.launch(this.messages.length)));
  }

  private launch(k: number): Promise<void> {
    const clientId = randomUUID();
    const message: SentMessage = {
      clientId,
      body: `${this.options.name} #${k} ${clientId.slice(0, 8)}${this.options.bodyPadding ? ` ${'x'.repeat(this.options.bodyPadding)}` : ''}`,
      sentAt: now(),
      ackedAt: null,
      seq: null,
      status: null,
      attempts: 0,
      failures: [],
      refused: null,
    };
    this.messages.push(message);
    const delivery = this.deliver(message).finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
    return delivery;
  }

  private async deliver(message: SentMessage): Promise<void> {
    const { urls, home, slug, guest, board, requestTimeoutMs = 5_000 } = this.options;
    let instance = home;
    for (let attempt = 0; !this.abandoned; attempt++) {
      const baseUrl = urls[instance % urls.length]!;
      message.attempts++;
      let retryAfterMs = 0;
      try {
        const response = await fetch(`${baseUrl}/lobby/${slug}/messages/`, {
          method: 'POST',
          headers: pageHeaders(baseUrl, guest.cookie, true),
          body: JSON.stringify({ body: message.body, client_id: message.clientId }),
          redirect: 'manual',
          signal: AbortSignal.timeout(requestTimeoutMs),
        });
        const text = await response.text();
        if (response.status === 200 || response.status === 201) {
          const { seq } = JSON.parse(text) as { seq: number };
          message.ackedAt = now();
          message.seq = seq;
          message.status = response.status;
          board.record(slug, seq);
          return;
        }
        if (response.status < 500) {
          message.refused = `${response.status} from ${baseUrl}: ${text.slice(0, 200)}`;
          return;
        }
        retryAfterMs = Number(response.headers.get('retry-after') ?? 0) * 1000 || 0;
        this.note(message, `${response.status} from instance ${instance % urls.length} after ${Math.round(now() - message.sentAt)} ms: ${text.slice(0, 120)}`);
      } catch (error) {
        const { name, message: text, cause } = error as Error & { cause?: { code?: string } };
        this.note(message, `${name}: ${text}${cause?.code ? ` (${cause.code})` : ''} at instance ${instance % urls.length} after ${Math.round(now() - message.sentAt)} ms`);
      }
      const backoff = Math.min(MIN_BACKOFF_MS * 2 ** attempt, MAX_BACKOFF_MS);
      await sleep(Math.min(Math.max(backoff, retryAfterMs), MAX_BACKOFF_MS));
      instance++;
    }
  }

  private note(message: SentMessage, failure: string): void {
    message.failures.push(failure);
    if (message.failures.length > 5) message.failures.shift();
  }
}
