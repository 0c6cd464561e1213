/**
 * Every bench message carries its sender, its number and the monotonic time it was due, in plain
 * words that survive HTML escaping and JSON: `bench s3 n17 t123456789012`. The clock is
 * CLOCK_MONOTONIC (process.hrtime), the same in every process and thread of this host, so the
 * one-way latency is exact: arrival time minus due time, no clock sync needed.
 */

export const MARKER = /bench s(\d+) n(\d+) t(\d+)/g;

/** One number per message: sender × 10⁷ + n (a run never sends 10⁷ messages from one sender). */
export const messageKey = (sender: number, n: number) => sender * 10_000_000 + n;

export function markerBody(sender: number, n: number, dueNs: bigint): string {
  return `bench s${sender} n${n} t${dueNs}`;
}

export const nowNs = () => process.hrtime.bigint();
export const nsToMs = (ns: bigint) => Number(ns) / 1e6;
