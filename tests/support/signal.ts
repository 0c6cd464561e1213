/**
 * Wakes everyone waiting for "something arrived": a client calls `notify()` on each frame or event,
 * and a wait loop calls `next(ms)` to sleep until then (or until the time is up).
 */
export class Arrivals {
  private readonly waiters = new Set<() => void>();

  notify(): void {
    for (const wake of this.waiters) wake();
  }

  next(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      this.waiters.add(wake);
    });
  }
}

/** Polls `done` every 20 ms until it holds; fails, naming `what`, after `timeoutMs`. */
export async function until(what: string, done: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
