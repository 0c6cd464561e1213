import type { Metrics } from '../metrics/metrics.js';

/**
 * Nudges between instances. Delivery is at most once: a lost event only delays a change until the
 * next one or a catch-up, because the database, not the bus, is the log.
 */
export type BusEvent =
  /** `message`: a new message as stored, so instances already in step send it without a read. */
  | { type: 'change'; roomId: number; seq: number; message?: WireMessage }
  /** Who is in the room changed without a notice. (A notice means it too; older instances sent both.) */
  | { type: 'presence'; roomId: number }
  | {
      type: 'notice';
      roomId: number;
      kind: 'joined' | 'left';
      userId: number;
      firstName: string;
      /** Absent from instances of an older version during a rolling upgrade. */
      username?: string;
      at: string;
      key: string;
    }
  /**
   * The lobbies refresh. A room renamed or deleted is named: every instance forgets it as read
   * (src/rooms/queries.ts), and closes a deleted room's sockets.
   */
  | { type: 'lobby'; renamedRoom?: number; deletedRoom?: number }
  /** A room was renamed: its pages show the new name and description at once. */
  | { type: 'room-renamed'; roomId: number; name: string; description: string }
  /** A room was deleted: its sockets close (4005). */
  | { type: 'room-deleted'; roomId: number }
  /** Sign-out, revocation or a disabled account (`userIds`: every socket of theirs, bearer-token ones too). */
  | { type: 'sessions-ended'; sessionIds: string[]; userIds?: number[] };

/** A new message as stored, as JSON carries it (times as ISO strings); see src/messages/wire.ts. */
export interface WireMessage {
  id: number;
  roomId: number;
  seq: number;
  authorId: number;
  body: string;
  clientId: string | null;
  createdAt: string;
  author: { id: number; username: string; firstName: string; icon: string };
}

export type BusHandler = (event: BusEvent) => void;

export interface Bus {
  publish(channel: string, event: BusEvent): Promise<void>;
  /**
   * Resolves once events on `channel` reach `handler`. A transport that loses its connection while
   * subscribing tries again until it is subscribed, the channel is unsubscribed or the bus closes.
   */
  subscribe(channel: string, handler: BusHandler): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  /** Called after the transport reconnected: whatever was published meanwhile may be lost. */
  onResubscribe(handler: () => void): void;
  /** Fails unless the transport can carry events now (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

// Channel names within one deployment; the Redis bus puts the deployment's prefix in front.
export const roomChannel = (roomId: number) => `room:${roomId}`;
export const LOBBY_CHANNEL = 'lobby';
export const SESSIONS_CHANNEL = 'sessions';

/** One process, no Redis: events go straight to the local subscribers. */
export class InProcessBus implements Bus {
  private readonly handlers = new Map<string, BusHandler>();

  async publish(channel: string, event: BusEvent): Promise<void> {
    const handler = this.handlers.get(channel);
    // Asynchronous like a real transport, so publishers never run subscriber code inline.
    if (handler) queueMicrotask(() => handler(event));
  }

  async subscribe(channel: string, handler: BusHandler): Promise<void> {
    this.handlers.set(channel, handler);
  }

  async unsubscribe(channel: string): Promise<void> {
    this.handlers.delete(channel);
  }

  onResubscribe(): void {}

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.handlers.clear();
  }
}

/** Counts what goes over `bus` (hubbub_bus_* at /metrics), then does what `bus` does. */
export function meteredBus(bus: Bus, metrics: Metrics): Bus {
  return {
    async publish(channel, event) {
      try {
        await bus.publish(channel, event);
        metrics.busPublished.inc({ type: event.type });
      } catch (error) {
        metrics.busPublishFailures.inc({ type: event.type });
        throw error;
      }
    },
    subscribe: (channel, handler) =>
      bus.subscribe(channel, (event) => {
        metrics.busReceived.inc({ type: event.type });
        handler(event);
      }),
    unsubscribe: (channel) => bus.unsubscribe(channel),
    onResubscribe: (handler) => bus.onResubscribe(handler),
    ping: () => bus.ping(),
    close: () => bus.close(),
  };
}
