/**
 * Who is in which room, across instances. Each instance registers a user in a room once, however
 * many sockets (tabs) that user has open on it; the hub counts the sockets.
 */
export interface Presence {
  /** True when the user was in the room on no instance before. */
  enter(roomId: number, userId: number): Promise<boolean>;
  /** True when the user is now in the room on no instance. */
  exit(roomId: number, userId: number): Promise<boolean>;
  members(roomId: number): Promise<number[]>;
  counts(): Promise<Map<number, number>>;
  /** Users whose instance vanished without saying goodbye, once each, to announce as gone. */
  sweep(): Promise<Array<{ roomId: number; userId: number }>>;
  close(): Promise<void>;
}

export class InProcessPresence implements Presence {
  private readonly rooms = new Map<number, Set<number>>();

  async enter(roomId: number, userId: number): Promise<boolean> {
    const users = this.rooms.get(roomId) ?? new Set<number>();
    this.rooms.set(roomId, users);
    const first = !users.has(userId);
    users.add(userId);
    return first;
  }

  async exit(roomId: number, userId: number): Promise<boolean> {
    const users = this.rooms.get(roomId);
    const present = users?.delete(userId) ?? false;
    if (users?.size === 0) this.rooms.delete(roomId);
    return present;
  }

  async members(roomId: number): Promise<number[]> {
    return [...(this.rooms.get(roomId) ?? [])];
  }

  async counts(): Promise<Map<number, number>> {
    return new Map([...this.rooms].map(([roomId, users]) => [roomId, users.size]));
  }

  async sweep(): Promise<Array<{ roomId: number; userId: number }>> {
    return [];
  }

  async close(): Promise<void> {
    this.rooms.clear();
  }
}
