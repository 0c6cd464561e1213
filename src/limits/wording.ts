import type { Context } from 'hono';

/** "1 second", "45 seconds", "2 minutes": how long someone must wait, as a person would say it. */
export function duration(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

/** Marks a 429 answer with when to come back. */
export function retryAfter(c: Context, seconds: number): void {
  c.header('Retry-After', String(seconds));
}
