import type { Logger } from '../log.js';
import { roomChannel } from '../realtime/bus.js';
import type { Realtime } from '../realtime/realtime.js';

/** After a rename committed: every lobby shows the new name (the room's own page on its next load). */
export async function broadcastRoomRenamed(realtime: Realtime): Promise<void> {
  await realtime.lobby.changed();
}

/**
 * After a room was deleted: its sockets close with 4005 on every instance (pages go to the lobby,
 * event streams and old-protocol sockets end), and every lobby drops its card. A nudge lost with
 * Redis away leaves other instances' sockets open on a room whose log no longer changes; any write
 * there answers 404, and the next load of the page too.
 */
export async function broadcastRoomDeleted(realtime: Realtime, log: Logger, roomId: number): Promise<void> {
  realtime.hub.closeRoom(roomId);
  await realtime.bus.publish(roomChannel(roomId), { type: 'room-deleted', roomId }).catch((error) => {
    log.warn({ err: error, roomId }, 'could not tell other instances a room was deleted');
  });
  await realtime.lobby.changed();
}
