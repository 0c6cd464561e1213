/**
 * Open sockets and event streams per person on this instance. Counted locally: a socket lives on one
 * instance, and a quota per instance bounds what one account can hold open on each of them.
 */
export class SocketQuota {
  private readonly open = new Map<number, number>();

  constructor(readonly perUser: number) {}

  /** Takes a slot for this person; null when they hold the maximum already. Release exactly once. */
  acquire(userId: number): (() => void) | null {
    const held = this.open.get(userId) ?? 0;
    if (held >= this.perUser) return null;
    this.open.set(userId, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const now = (this.open.get(userId) ?? 1) - 1;
      if (now > 0) this.open.set(userId, now);
      else this.open.delete(userId);
    };
  }
}
