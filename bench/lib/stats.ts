/** Percentiles by the nearest-rank method, over a copy sorted once. */
export interface Summary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export function summarize(values: ArrayLike<number>): Summary {
  const sorted = Float64Array.from(values).sort();
  const count = sorted.length;
  if (count === 0) return { count, mean: NaN, p50: NaN, p90: NaN, p99: NaN, p999: NaN, max: NaN };
  const at = (p: number) => sorted[Math.min(count - 1, Math.max(0, Math.ceil(p * count) - 1))]!;
  let sum = 0;
  for (const value of sorted) sum += value;
  return { count, mean: sum / count, p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: sorted[count - 1]! };
}

export const round = (value: number, digits = 2) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : value);

export const median = (values: number[]) => summarize(values).p50;
