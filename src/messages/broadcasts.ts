import { roomChannel } from '../realtime/bus.js';
import type { Realtime } from '../realtime/realtime.js';
import type { Logger } from '../log.js';
import type { MessageView } from './queries.js';

/**
 * Called after a change to a room committed. Local sockets are served at once; other instances are
 * nudged over the bus. A lost nudge delays, never loses: sockets catch up from the database.
 */
export function broadcastChange(realtime: Realtime, log: Logger, roomId: number, seq: number, message?: MessageView | null): void {
  realtime.hub.nudge(roomId, seq, message ?? undefined);
  // Not awaited: a slow or absent Redis must never hold up the writer's answer.
  void realtime.bus.publish(roomChannel(roomId), { type: 'change', roomId, seq }).catch((error) => {
    log.warn({ err: error, roomId, seq }, 'bus publish failed; other instances catch up on their next change');
  });
}
