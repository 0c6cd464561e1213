/**
 * Line charts the bench draws itself, as self-contained SVG (no fonts, CSS or scripts to fetch), so
 * a report renders the same on GitHub, in an editor and offline. A white background keeps them
 * readable in dark mode. Output depends only on the input: charts can be diffed between runs.
 */

export interface Series {
  name: string;
  points: Array<[number, number]>;
  dashed?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  logX?: boolean;
  logY?: boolean;
  width?: number;
  height?: number;
  /** horizontal reference lines, e.g. a target */
  guides?: Array<{ y: number; label: string }>;
}

// Okabe–Ito: told apart by readers with any common colour-vision deficiency. Yellow last: faint on white.
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];
const INK = '#222222';
const GRID = '#e3e3e3';
const FONT_SIZE = 12;
/** No text measuring without a font: an average character of system-ui at 12 px is about this wide. */
const CHAR_WIDTH = FONT_SIZE * 0.6;

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Coordinates to a tenth of a pixel: short output, and no float noise between equal runs. */
const px = (value: number) => String(Math.round(value * 10) / 10);

/** 1.5k, 20k, 1.5M; below a thousand at most three significant digits (0.5, 2, 20, 0.25). */
export function formatTick(value: number): string {
  const abs = Math.abs(value);
  const short = (v: number) => String(Number(v.toPrecision(3)));
  if (abs >= 1e9) return `${short(value / 1e9)}G`;
  if (abs >= 1e6) return `${short(value / 1e6)}M`;
  if (abs >= 1e3) return `${short(value / 1e3)}k`;
  return short(value);
}

/** The 1, 2 or 5 × 10^k step that cuts `span` into about `count` pieces. */
function niceStep(span: number, count: number): number {
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / magnitude;
  const nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
  return nice * magnitude;
}

/** About `count` evenly spaced round ticks that cover [min, max] (the first and last may lie outside). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) {
    const pad = Math.abs(min) * 0.1 || 1;
    return niceTicks(min - pad, max + pad, count);
  }
  const step = niceStep(max - min, count - 1);
  // The tolerance keeps 0.3 / 0.1 = 2.9999999999999996 from adding a tick below 0.3.
  const first = Math.floor(min / step + 1e-9);
  const last = Math.ceil(max / step - 1e-9);
  const ticks: number[] = [];
  // toPrecision drops the float noise of i × step (0.30000000000000004).
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

/** Powers of ten covering [min, max] (both > 0), with 2 and 5 between them when there are few decades. */
export function logTicks(min: number, max: number): number[] {
  const low = Math.floor(Math.log10(min));
  const high = Math.max(low + 1, Math.ceil(Math.log10(max)));
  const decades = high - low;
  const ticks: number[] = [];
  for (let k = low; k <= high; k++) {
    const power = Number((10 ** k).toPrecision(12));
    ticks.push(power);
    if (decades <= 2 && k < high) ticks.push(Number((2 * power).toPrecision(12)), Number((5 * power).toPrecision(12)));
  }
  return ticks;
}

interface Axis {
  ticks: number[];
  /** Value → pixel along the axis, from `start` to `end`. */
  toPx(value: number): number;
}

function axis(values: number[], log: boolean, start: number, end: number, includeZero: boolean): Axis {
  const finite = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  // Quantities (rates, latencies) read honestly against zero; with no data the axis is simply 0 to 1.
  if (includeZero && !log && finite.length) finite.push(0);
  const min = finite.length ? Math.min(...finite) : log ? 1 : 0;
  const max = finite.length ? Math.max(...finite) : log ? 10 : 1;
  const ticks = log ? logTicks(min, max) : niceTicks(min, max);
  const f = log ? Math.log10 : (v: number) => v;
  const low = f(ticks[0]!);
  const high = f(ticks[ticks.length - 1]!);
  return { ticks, toPx: (value) => start + ((f(value) - low) / (high - low)) * (end - start) };
}

const plottable = (options: ChartOptions) => ([x, y]: [number, number]) =>
  Number.isFinite(x) && Number.isFinite(y) && (!options.logX || x > 0) && (!options.logY || y > 0);

interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Legend entries left to right, wrapping to a new row when the next would not fit. */
function legendLayout(series: Series[], width: number): Array<{ x: number; row: number }> {
  const places: Array<{ x: number; row: number }> = [];
  let x = 0;
  let row = 0;
  for (const one of series) {
    const entryWidth = 34 + one.name.length * CHAR_WIDTH + 18;
    if (x > 0 && x + entryWidth > width) {
      x = 0;
      row++;
    }
    places.push({ x, row });
    x += entryWidth;
  }
  return places;
}

const text = (x: number, y: number, content: string, attributes = '') =>
  `<text x="${px(x)}" y="${px(y)}"${attributes ? ` ${attributes}` : ''}>${escapeXml(content)}</text>`;

/** A marker shape per series as well as a colour, so series stay apart in grey print too. */
function marker(index: number, x: number, y: number, colour: string): string {
  const [cx, cy] = [px(x), px(y)];
  switch (index % 4) {
    case 0:
      return `<circle cx="${cx}" cy="${cy}" r="3.5" fill="${colour}"/>`;
    case 1:
      return `<rect x="${px(x - 3.5)}" y="${px(y - 3.5)}" width="7" height="7" fill="${colour}"/>`;
    case 2:
      return `<path d="M${cx} ${px(y - 4.5)}L${px(x + 4)} ${px(y + 3)}L${px(x - 4)} ${px(y + 3)}Z" fill="${colour}"/>`;
    default:
      return `<path d="M${cx} ${px(y - 4.5)}L${px(x + 4.5)} ${cy}L${cx} ${px(y + 4.5)}L${px(x - 4.5)} ${cy}Z" fill="${colour}"/>`;
  }
}

const colourOf = (index: number) => PALETTE[index % PALETTE.length]!;

function drawAxes(x: Axis, y: Axis, box: Box, options: ChartOptions): string[] {
  const parts: string[] = [];
  for (const tick of y.ticks) {
    const at = y.toPx(tick);
    parts.push(`<line x1="${px(box.left)}" y1="${px(at)}" x2="${px(box.right)}" y2="${px(at)}" stroke="${GRID}"/>`);
    parts.push(text(box.left - 8, at + 4, formatTick(tick), 'class="tick y" text-anchor="end"'));
  }
  for (const tick of x.ticks) {
    const at = x.toPx(tick);
    parts.push(`<line x1="${px(at)}" y1="${px(box.top)}" x2="${px(at)}" y2="${px(box.bottom)}" stroke="${GRID}"/>`);
    parts.push(text(at, box.bottom + 18, formatTick(tick), 'class="tick x" text-anchor="middle"'));
  }
  parts.push(`<rect class="plot" x="${px(box.left)}" y="${px(box.top)}" width="${px(box.right - box.left)}" height="${px(box.bottom - box.top)}" fill="none" stroke="${INK}"/>`);
  parts.push(text((box.left + box.right) / 2, box.bottom + 38, options.xLabel + (options.logX ? ' (log scale)' : ''), 'text-anchor="middle"'));
  const middle = (box.top + box.bottom) / 2;
  parts.push(text(16, middle, options.yLabel + (options.logY ? ' (log scale)' : ''), `text-anchor="middle" transform="rotate(-90 16 ${px(middle)})"`));
  return parts;
}

function drawGuides(y: Axis, box: Box, options: ChartOptions): string[] {
  return (options.guides ?? [])
    .filter((guide) => Number.isFinite(guide.y) && (!options.logY || guide.y > 0))
    .flatMap((guide) => {
      const at = y.toPx(guide.y);
      return [
        `<line x1="${px(box.left)}" y1="${px(at)}" x2="${px(box.right)}" y2="${px(at)}" stroke="#666666" stroke-width="1.5" stroke-dasharray="2 4"/>`,
        // A white halo keeps the label legible where a series crosses it.
        text(box.right - 4, at - 5, guide.label, 'class="guide" text-anchor="end" fill="#444444" stroke="#ffffff" stroke-width="3" paint-order="stroke"'),
      ];
    });
}

function drawSeries(one: Series, index: number, x: Axis, y: Axis, options: ChartOptions): string {
  const colour = colourOf(index);
  const points = one.points.filter(plottable(options)).map(([vx, vy]) => [x.toPx(vx), y.toPx(vy)] as const);
  if (points.length === 0) return '';
  const path = points.map(([cx, cy], i) => `${i ? 'L' : 'M'}${px(cx)} ${px(cy)}`).join('');
  const dash = one.dashed ? ' stroke-dasharray="6 4"' : '';
  const line = `<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"${dash}/>`;
  return `<g class="series">${line}${points.map(([cx, cy]) => marker(index, cx, cy, colour)).join('')}</g>`;
}

function drawLegend(series: Series[], places: Array<{ x: number; row: number }>, left: number, top: number): string[] {
  return series.map((one, index) => {
    const place = places[index]!;
    const [x, y] = [left + place.x, top + place.row * 20];
    const colour = colourOf(index);
    const dash = one.dashed ? ' stroke-dasharray="6 4"' : '';
    const swatch = `<line x1="${px(x)}" y1="${px(y)}" x2="${px(x + 28)}" y2="${px(y)}" stroke="${colour}" stroke-width="2"${dash}/>`;
    return `<g class="legend">${swatch}${marker(index, x + 14, y, colour)}${text(x + 34, y + 4, one.name)}</g>`;
  });
}

/** What a screen reader says instead of the picture. */
function description(options: ChartOptions): string {
  const series = options.series.map((one) => `${one.name} (${one.points.filter(plottable(options)).length} points)`);
  return `Line chart of ${options.yLabel} against ${options.xLabel}. ${series.length ? `Series: ${series.join(', ')}.` : 'No data.'}`;
}

/**
 * Points are joined in the order given (a latency-against-achieved-throughput curve may turn back);
 * points that cannot be drawn (not finite, or not positive on a log axis) are left out.
 */
export function lineChart(options: ChartOptions): string {
  const width = options.width ?? 720;
  const height = options.height ?? 420;
  const places = legendLayout(options.series, width - 80);
  const legendRows = options.series.length ? Math.max(...places.map((place) => place.row)) + 1 : 0;
  const box: Box = { left: 70, top: 40, right: width - 20, bottom: height - 56 - legendRows * 20 };
  const drawn = options.series.flatMap((one) => one.points.filter(plottable(options)));
  const x = axis(drawn.map(([vx]) => vx), !!options.logX, box.left, box.right, false);
  const guideValues = (options.guides ?? []).map((guide) => guide.y);
  const y = axis([...drawn.map(([, vy]) => vy), ...guideValues], !!options.logY, box.bottom, box.top, true);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" font-family="system-ui, sans-serif" font-size="${FONT_SIZE}" fill="${INK}">`,
    `<title>${escapeXml(options.title)}</title>`,
    `<desc>${escapeXml(description(options))}</desc>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    text(box.left, 24, options.title, 'font-size="16" font-weight="bold"'),
    ...drawAxes(x, y, box, options),
    ...options.series.map((one, index) => drawSeries(one, index, x, y, options)),
    // Over the series, so a target's label is never hidden by a line.
    ...drawGuides(y, box, options),
    ...drawLegend(options.series, places, box.left, height - 16 - (legendRows - 1) * 20),
  ];
  if (drawn.length === 0) parts.push(text((box.left + box.right) / 2, (box.top + box.bottom) / 2, 'no data', 'class="no-data" text-anchor="middle" fill="#666666"'));
  parts.push('</svg>');
  return parts.filter((part) => part !== '').join('\n');
}
