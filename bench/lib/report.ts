/**
 * What every phase reports: named figures (with the target where it has one), the delivery
 * check against the database, and the processes it sampled. The runner prints them as a table and
 * writes them, with the machine's facts, to JSON.
 */

export interface Target {
  /** The figure must be at most (<=) or at least (>=) this. */
  op: '<=' | '>=';
  value: number;
}

export interface Figure {
  name: string;
  value: number;
  unit: string;
  target?: Target;
  note?: string;
}

export interface ProcessUsage {
  /** What the process is: "hubbub", "hubbub-b", "postgres", "redis", "driver", "ceiling". */
  name: string;
  pids: number[];
  cpuAvgPercent: number;
  cpuMaxPercent: number;
  rssAvgBytes: number;
  rssMaxBytes: number;
}

/** The loss / duplicate / order check: every stored message reached every member once, in seq order. */
export interface DeliveryCheck {
  sent: number;
  stored: number;
  expectedDeliveries: number;
  delivered: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  /** Sends the server refused or failed (not stored, so not counted as lost). */
  failedSends: number;
}

export interface PhaseReport {
  id: string;
  title: string;
  figures: Figure[];
  delivery?: DeliveryCheck;
  processes?: ProcessUsage[];
  /** Anything else worth keeping in the JSON (steps of a stepped phase, raw series for charts). */
  details?: Record<string, unknown>;
}

export interface BenchContext {
  /** A short run for CI: seconds, not minutes; it checks the driver works and loses nothing. */
  smoke: boolean;
  log(message: string): void;
}

export const met = (figure: Figure): boolean | null =>
  figure.target ? (figure.target.op === '<=' ? figure.value <= figure.target.value : figure.value >= figure.target.value) : null;
