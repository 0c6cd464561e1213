import { performance } from 'node:perf_hooks';

export { setTimeout as sleep } from 'node:timers/promises';

/** Monotonic milliseconds: every time the suite measures (sends, acks, arrivals, faults) uses it. */
export const now = () => performance.now();

/** The p-th percentile (0..100) by nearest rank, or null for no values. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** The largest value, or null for none (Math.max(...values) overflows the stack on long arrays). */
export function maxOf(values: Iterable<number>): number | null {
  let max: number | null = null;
  for (const value of values) if (max === null || value > max) max = value;
  return max;
}

/** Polls until `done()` holds or the time is up; answers whether it held. */
export async function waitUntil(done: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const deadline = now() + timeoutMs;
  for (;;) {
    if (await done()) return true;
    if (now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** The last `lines` lines of a process's output, for a failure message. */
export function tail(text: string, lines = 60): string {
  const all = text.trimEnd().split('\n');
  return (all.length > lines ? [`… ${all.length - lines} earlier lines …`, ...all.slice(-lines)] : all).join('\n');
}
