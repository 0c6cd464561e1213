import type { Room } from '../db/schema.js';
import type { Logger } from '../log.js';
import { roomChannel } from '../realtime/bus.js';
import type { Realtime } from '../realtime/realtime.js';

/**
 * After a rename committed: the room's open pages (and event streams) on every instance show the new
 * name and description at once, and every lobby its new card. A nudge lost with Redis away leaves the
 * old name on other instances' open pages until they reload.
 */
export async function broadcastRoomRenamed(realtime: Realtime, log: Logger, room: Pick<Room, 'id' | 'name' | 'description'>): Promise<void> {
  const heading = { name: room.name, description: room.description };
  realtime.hub.renameRoom(room.id, heading);
  await realtime.bus.publish(roomChannel(room.id), { type: 'room-renamed', roomId: room.id, ...heading }).catch((error) => {
    log.warn({ err: error, roomId: room.id }, 'could not tell other instances a room was renamed');
  });
  await realtime.lobby.changed({ renamedRoom: room.id });
}

/**
 * After a room was deleted: its sockets close with 4005 on every instance (pages go to the lobby,
 * event streams and old-protocol sockets end), and every lobby drops its card. A nudge lost with
 * Redis away leaves other instances' sockets open on a room whose log no longer changes (and pages
 * reconnecting there join it again, for up to 30 s); any write there answers 404, and the next load of
 * the page too.
 */
export async function broadcastRoomDeleted(realtime: Realtime, log: Logger, roomId: number): Promise<void> {
  realtime.hub.closeRoom(roomId);
  await realtime.bus.publish(roomChannel(roomId), { type: 'room-deleted', roomId }).catch((error) => {
    log.warn({ err: error, roomId }, 'could not tell other instances a room was deleted');
  });
  await realtime.lobby.changed({ deletedRoom: roomId });
}
