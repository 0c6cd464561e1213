import { redisClient, redisClientWithTimeouts } from './redis-client.js';
import { withinRedisWait } from './redis-wait.js';
import type { Logger } from '../log.js';
import type { Bus, BusEvent, BusHandler } from './bus.js';

/** Redis pub/sub between instances; node-redis resubscribes on reconnect, and we then catch up. */
export class RedisBus implements Bus {
  private readonly resubscribeHandlers: Array<() => void> = [];
  private readonly handlers = new Map<string, BusHandler>();
  /**
   * The last event per channel whose publish failed (Redis away). Sent again once the publisher is
   * back: the other instances' own reconnect catch-up may have run before it, and without this a
   * change made in between would wait for their periodic catch-up.
   */
  private readonly unsent = new Map<string, BusEvent>();

  private readonly publisher;
  private readonly subscriber;
  private closed = false;

  private constructor(
    url: string,
    private readonly prefix: string,
    private readonly log: Logger,
  ) {
    // A publish while Redis is away fails at once instead of queueing: nudges are best-effort (the
    // other instances catch up from the database when their subscriber reconnects).
    this.publisher = redisClient({ url, disableOfflineQueue: true });
    // Subscribes made while Redis is away wait for it; node-redis resubscribes after a reconnect.
    this.subscriber = redisClientWithTimeouts({ url });
  }

  /** `prefix` keeps deployments that share one Redis apart (REDIS_PREFIX). */
  static async connect(url: string, prefix: string, log: Logger): Promise<RedisBus> {
    const bus = new RedisBus(url, prefix, log);
    for (const client of [bus.publisher, bus.subscriber]) {
      client.on('error', (error: Error) => log.warn({ err: error.message }, 'redis connection problem'));
    }
    let ready = false;
    bus.subscriber.on('ready', () => {
      if (ready) bus.resubscribed();
      ready = true;
    });
    bus.publisher.on('ready', () => void bus.sendUnsent());
    await Promise.all([bus.publisher.connect(), bus.subscriber.connect()]);
    return bus;
  }

  private resubscribed() {
    this.log.info('redis subscriber reconnected: catching up');
    for (const handler of this.resubscribeHandlers) handler();
  }

  async publish(channel: string, event: BusEvent): Promise<void> {
    try {
      await withinRedisWait('a publish', this.publisher.publish(`${this.prefix}:${channel}`, JSON.stringify(event)));
    } catch (error) {
      // Notices are of the moment; changes, presence and the lobby are worth a late nudge.
      if (event.type !== 'notice') this.unsent.set(channel, event);
      throw error;
    }
  }

  private async sendUnsent() {
    const events = [...this.unsent];
    this.unsent.clear();
    for (const [channel, event] of events) await this.publish(channel, event).catch(() => {});
  }

  async subscribe(channel: string, handler: BusHandler): Promise<void> {
    this.handlers.set(channel, handler);
    const listener = (message: string) => {
      try {
        this.handlers.get(channel)?.(JSON.parse(message) as BusEvent);
      } catch (error) {
        this.log.warn({ err: error, channel }, 'ignored a malformed bus event');
      }
    };
    // node-redis forgets a SUBSCRIBE that was in flight when the connection dropped (it rejects it
    // and resubscribes only the channels it had confirmed), so it is sent again; while the
    // subscriber reconnects, the retry waits in its offline queue.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.subscriber.subscribe(`${this.prefix}:${channel}`, listener);
        return;
      } catch (error) {
        if (this.closed) throw error;
        if (this.handlers.get(channel) !== handler) return;
        this.log.warn({ err: error, channel, attempt }, 'redis subscribe failed: trying again');
        await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 50 * 2 ** attempt)));
      }
    }
  }

  async unsubscribe(channel: string): Promise<void> {
    this.handlers.delete(channel);
    await this.subscriber.unsubscribe(`${this.prefix}:${channel}`);
  }

  onResubscribe(handler: () => void): void {
    this.resubscribeHandlers.push(handler);
  }

  /** Both connections must be up: events go out on the publisher and come in on the subscriber. */
  async ping(): Promise<void> {
    if (!this.subscriber.isReady) throw new Error('the Redis subscriber is not connected');
    await withinRedisWait('a ping', this.publisher.ping());
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([this.publisher.quit(), this.subscriber.quit()]);
  }
}
