import { describe, expect, it } from 'vitest';
import { type ChartOptions, formatTick, lineChart, logTicks, niceTicks } from '../../bench/lib/svg.js';

/**
 * Well-formed enough for any SVG reader: every tag closes in order, and no text or attribute holds a
 * raw `<` or a bare `&`. (Node has no XML parser; the charts use no comments, CDATA or doctype.)
 */
function wellFormed(svg: string): boolean {
  const open: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
  let at = 0;
  while (at < svg.length) {
    const next = svg.indexOf('<', at);
    const textPart = svg.slice(at, next === -1 ? svg.length : next);
    if (/&(?!(amp|lt|gt|quot|#39);)/.test(textPart) || textPart.includes('>')) return false;
    if (next === -1) break;
    tag.lastIndex = next;
    const match = tag.exec(svg);
    if (!match) return false;
    const [, closing, name, attributes, selfClosing] = match;
    if (/&(?!(amp|lt|gt|quot|#39);)/.test(attributes!)) return false;
    if (closing) {
      if (open.pop() !== name) return false;
    } else if (!selfClosing) open.push(name!);
    at = tag.lastIndex;
  }
  return open.length === 0;
}

const attribute = (element: string, name: string) => Number(new RegExp(`\\s${name}="([^"]*)"`).exec(element)![1]);
const elements = (svg: string, pattern: RegExp) => svg.match(pattern) ?? [];
/** The markers drawn on the plot (the legend shows one per series as well). */
const plotted = (svg: string) => elements(elements(svg, /<g class="series">.*?<\/g>/g).join(''), /<circle [^>]*>/g);

function plotArea(svg: string) {
  const rect = elements(svg, /<rect class="plot"[^>]*>/g)[0]!;
  const [x, y] = [attribute(rect, 'x'), attribute(rect, 'y')];
  return { left: x, top: y, right: x + attribute(rect, 'width'), bottom: y + attribute(rect, 'height') };
}

const chart = (overrides: Partial<ChartOptions> = {}) =>
  lineChart({
    title: 'Latency <p99> & friends',
    xLabel: 'messages/s',
    yLabel: 'ms',
    series: [
      { name: 'a<b', points: [[100, 2], [1000, 20], [5000, 150]] },
      { name: "ceiling's", points: [[100, 0.5], [5000, 3]], dashed: true },
    ],
    guides: [{ y: 100, label: 'target ≤ 100 ms' }],
    ...overrides,
  });

describe('the bench charts', () => {
  it('is one well-formed SVG with a white background, a title and a description', () => {
    const svg = chart();
    expect(wellFormed(svg)).toBe(true);
    expect(elements(svg, /<svg[\s>]/g)).toHaveLength(1);
    expect(elements(svg, /<\/svg>/g)).toHaveLength(1);
    expect(svg).toContain('<title>Latency &lt;p99&gt; &amp; friends</title>');
    expect(svg).toMatch(/<desc>[^<]+<\/desc>/);
    expect(svg).toContain('fill="#ffffff"');
    expect(svg).not.toMatch(/<(script|style|image|foreignObject)|href=/);
  });

  it('tells a broken document from a good one (the check itself can fail)', () => {
    expect(wellFormed('<svg><g></svg>')).toBe(false);
    expect(wellFormed('<svg><text>a<b</text></svg>')).toBe(false);
    expect(wellFormed('<svg><text>a & b</text></svg>')).toBe(false);
  });

  it('escapes every name, label and title', () => {
    const svg = chart({ xLabel: 'x"<y>', guides: [{ y: 1, label: 'a&b' }] });
    expect(svg).toContain('a&lt;b');
    expect(svg).toContain('ceiling&#39;s');
    expect(svg).toContain('x&quot;&lt;y&gt;');
    expect(svg).toContain('a&amp;b');
    expect(svg).not.toContain('a<b');
    expect(wellFormed(svg)).toBe(true);
  });

  it('places a single point inside the plot area', () => {
    const svg = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'one', points: [[5000, 1_500_000]] }] });
    const area = plotArea(svg);
    const [point] = plotted(svg);
    const [cx, cy] = [attribute(point!, 'cx'), attribute(point!, 'cy')];
    expect(cx).toBeGreaterThanOrEqual(area.left);
    expect(cx).toBeLessThanOrEqual(area.right);
    expect(cy).toBeGreaterThanOrEqual(area.top);
    expect(cy).toBeLessThanOrEqual(area.bottom);
  });

  it('maps larger values up and to the right', () => {
    const svg = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 's', points: [[1, 1], [2, 4], [3, 9]] }] });
    const points = plotted(svg).map((circle) => [attribute(circle, 'cx'), attribute(circle, 'cy')] as const);
    expect(points).toHaveLength(3);
    expect(points[0]![0]).toBeLessThan(points[1]![0]);
    expect(points[0]![1]).toBeGreaterThan(points[1]![1]);
    expect(points[1]![1]).toBeGreaterThan(points[2]![1]);
  });

  it('leaves out points a log axis cannot show, and points that are not numbers', () => {
    const svg = lineChart({
      title: 't', xLabel: 'x', yLabel: 'y', logX: true, logY: true,
      series: [{ name: 's', points: [[0, 5], [-1, 5], [10, 0], [10, -3], [Number.NaN, 1], [10, 5], [100, 50]] }],
    });
    expect(plotted(svg)).toHaveLength(2);
    expect(svg).not.toMatch(/NaN|Infinity/);
    expect(wellFormed(svg)).toBe(true);
  });

  it('draws the axes and says "no data" when there is nothing to draw', () => {
    for (const series of [[], [{ name: 'empty', points: [] }], [{ name: 'gone', points: [[0, 0]] as Array<[number, number]> }]]) {
      const svg = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series, logY: true });
      expect(svg).toContain('no data');
      expect(svg).toContain('class="plot"');
      expect(svg).not.toMatch(/NaN|Infinity/);
      expect(wellFormed(svg)).toBe(true);
    }
    expect(chart()).not.toContain('no data');
  });

  it('gives the same string for the same input', () => {
    expect(chart()).toBe(chart());
    expect(chart({ logY: true })).toBe(chart({ logY: true }));
  });

  it('labels ticks compactly', () => {
    expect([1000, 20_000, 1_500_000, 0.5, 2, 20, 0, 250, 2e9, -1500].map(formatTick)).toEqual(['1k', '20k', '1.5M', '0.5', '2', '20', '0', '250', '2G', '-1.5k']);
    expect(formatTick(0.1 + 0.2)).toBe('0.3');
  });
});

describe('tick values', () => {
  const nice = (value: number) => {
    if (value === 0) return true;
    const mantissa = Math.abs(value) / 10 ** Math.floor(Math.log10(Math.abs(value)) + 1e-12);
    return [1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-9);
  };

  it('steps by 1, 2 or 5 × 10^k, covers the range, and comes about five to an axis', () => {
    for (const [min, max] of [[0, 1], [0, 97], [0, 1234], [3, 17], [0.3, 0.9], [0, 1_500_000], [-40, 60], [0.001, 0.02]] as const) {
      const ticks = niceTicks(min, max);
      const step = ticks[1]! - ticks[0]!;
      expect(nice(Number(step.toPrecision(12))), `step ${step} for ${min}..${max}`).toBe(true);
      expect(ticks[0]).toBeLessThanOrEqual(min);
      expect(ticks.at(-1)).toBeGreaterThanOrEqual(max);
      expect(ticks.length).toBeGreaterThanOrEqual(3);
      expect(ticks.length).toBeLessThanOrEqual(8);
      for (const tick of ticks) expect(Number(tick.toPrecision(12))).toBe(tick);
    }
    expect(niceTicks(0.3, 0.7)).toEqual([0.3, 0.4, 0.5, 0.6, 0.7]);
  });

  it('widens a range of one value instead of dividing by zero', () => {
    const ticks = niceTicks(5, 5);
    expect(ticks[0]).toBeLessThan(5);
    expect(ticks.at(-1)).toBeGreaterThan(5);
  });

  it('on a log axis: powers of ten, with 2 and 5 between them over few decades', () => {
    expect(logTicks(3, 40)).toEqual([1, 2, 5, 10, 20, 50, 100]);
    expect(logTicks(1, 1_000_000)).toEqual([1, 10, 100, 1000, 10_000, 100_000, 1_000_000]);
    expect(logTicks(0.05, 0.5)).toEqual([0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1]);
    expect(logTicks(7, 7)).toEqual([1, 2, 5, 10]);
  });
});
