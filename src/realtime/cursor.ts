/**
 * Where a reconnecting reader resumes: the change after `requested`, written in plain decimal digits.
 * Anything else (absent, empty, `1e3`, `0x10`, a sign) starts from now; a number beyond the room's
 * log (stale, made up) counts as its end, since it would otherwise hide changes still to come.
 */
export function resumeAfter(requested: string | undefined, lastSeq: number): number {
  if (requested === undefined || !/^\d{1,15}$/.test(requested)) return lastSeq;
  return Math.min(Number(requested), lastSeq);
}
