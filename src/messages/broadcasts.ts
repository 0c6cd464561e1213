import { roomChannel } from '../realtime/bus.js';
import type { Realtime } from '../realtime/realtime.js';
import type { Logger } from '../log.js';
import type { MessageView } from './queries.js';
import { toWire } from './wire.js';

/**
 * Called after a change to a room committed. Local sockets are served at once; other instances are
 * nudged over the bus. A new message travels with its nudge, so instances whose sockets have
 * everything before it send it without reading the log. A lost nudge delays, never loses: sockets
 * catch up from the database.
 */
export function broadcastChange(realtime: Realtime, log: Logger, roomId: number, seq: number, message?: MessageView | null): void {
  realtime.hub.nudge(roomId, seq, message ?? undefined);
  // Not awaited: a slow or absent Redis must never hold up the writer's answer.
  const event = message ? { type: 'change' as const, roomId, seq, message: toWire(message) } : { type: 'change' as const, roomId, seq };
  void realtime.bus.publish(roomChannel(roomId), event).catch((error) => {
    log.warn({ err: error, roomId, seq }, 'bus publish failed; other instances catch up on their next change');
  });
}
