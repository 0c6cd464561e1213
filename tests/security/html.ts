/**
 * Just enough of the HTML tokenizer (WHATWG §13.2.5) to see a page the way a browser would split it
 * into tags, attributes, text, comments and raw text: if user text ever escaped its escaping, it
 * would turn up here as a tag or an attribute. No dependency: tests may not add packages.
 */

export type Token =
  | { type: 'start'; name: string; attrs: Array<[string, string]>; selfClosing: boolean }
  | { type: 'end'; name: string }
  | { type: 'text'; raw: string }
  | { type: 'comment'; raw: string };

// Elements whose content is not markup: it runs to the matching end tag (or to the end of the page).
const RAW_TEXT = new Set(['script', 'style', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript', 'textarea', 'title', 'plaintext']);
const SPACE = /[\t\n\f\r ]/;

export function tokenize(html: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let text = '';
  const flush = () => {
    if (text) tokens.push({ type: 'text', raw: text });
    text = '';
  };
  while (i < html.length) {
    const c = html[i]!;
    if (c !== '<') {
      const next = html.indexOf('<', i);
      const stop = next < 0 ? html.length : next;
      text += html.slice(i, stop);
      i = stop;
      continue;
    }
    const next = html[i + 1] ?? '';
    if (/[A-Za-z]/.test(next)) {
      flush();
      const tag = readTag(html, i + 1);
      tokens.push({ type: 'start', name: tag.name, attrs: tag.attrs, selfClosing: tag.selfClosing });
      i = tag.end;
      if (RAW_TEXT.has(tag.name)) {
        const close = tag.name === 'plaintext' ? -1 : findEndTag(html, i, tag.name);
        const stop = close < 0 ? html.length : close;
        if (stop > i) tokens.push({ type: 'text', raw: html.slice(i, stop) });
        i = stop;
      }
    } else if (next === '/' && /[A-Za-z]/.test(html[i + 2] ?? '')) {
      flush();
      const tag = readTag(html, i + 2);
      tokens.push({ type: 'end', name: tag.name });
      i = tag.end;
    } else if (html.startsWith('<!--', i)) {
      flush();
      const ends = [html.indexOf('-->', i + 4), html.indexOf('--!>', i + 4)].filter((n) => n >= 0);
      const stop = ends.length ? Math.min(...ends) : html.length;
      tokens.push({ type: 'comment', raw: html.slice(i + 4, stop) });
      i = ends.length ? html.indexOf('>', stop) + 1 : html.length;
    } else if (next === '!' || next === '?' || next === '/') {
      // <!doctype …>, bogus comments, </ followed by a non-letter.
      flush();
      const stop = html.indexOf('>', i);
      tokens.push({ type: 'comment', raw: html.slice(i + 1, stop < 0 ? html.length : stop) });
      i = stop < 0 ? html.length : stop + 1;
    } else {
      text += c;
      i++;
    }
  }
  flush();
  return tokens;
}

function findEndTag(html: string, from: number, name: string): number {
  // Searched case-insensitively in place: lowercasing the page would move offsets (İ lowercases to two units).
  const end = new RegExp(`</${name}[\\t\\n\\f\\r />]`, 'gi');
  end.lastIndex = from;
  return end.exec(html)?.index ?? -1;
}

function readTag(html: string, from: number) {
  let i = from;
  let name = '';
  while (i < html.length && !SPACE.test(html[i]!) && html[i] !== '/' && html[i] !== '>') name += html[i++]!;
  const attrs: Array<[string, string]> = [];
  let selfClosing = false;
  for (;;) {
    while (i < html.length && (SPACE.test(html[i]!) || html[i] === '/')) {
      selfClosing = html[i] === '/';
      i++;
    }
    if (i >= html.length) break;
    if (html[i] === '>') {
      i++;
      break;
    }
    selfClosing = false;
    let attr = html[i++]!; // the first character may be '=' (a parse error, but an attribute name)
    while (i < html.length && !SPACE.test(html[i]!) && !'/>='.includes(html[i]!)) attr += html[i++]!;
    while (i < html.length && SPACE.test(html[i]!)) i++;
    let value = '';
    if (html[i] === '=') {
      i++;
      while (i < html.length && SPACE.test(html[i]!)) i++;
      const quote = html[i];
      if (quote === '"' || quote === "'") {
        const close = html.indexOf(quote, i + 1);
        value = html.slice(i + 1, close < 0 ? html.length : close);
        i = close < 0 ? html.length : close + 1;
      } else {
        while (i < html.length && !SPACE.test(html[i]!) && html[i] !== '>') value += html[i++]!;
      }
    }
    attrs.push([attr.toLowerCase(), value]);
  }
  return { name: name.toLowerCase(), attrs, selfClosing, end: i };
}

/** The text a browser shows for escaped text, strictly: every `&` must start one of these references. */
const REFERENCE = /&(amp|lt|gt|quot|apos|#39|#x27|#\d+|#x[0-9a-f]+);/gi;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decode(raw: string): string {
  return raw.replace(REFERENCE, (_all, ref: string) => {
    const lower = ref.toLowerCase();
    if (lower in NAMED) return NAMED[lower]!;
    return String.fromCodePoint(lower.startsWith('#x') ? parseInt(lower.slice(2), 16) : parseInt(lower.slice(1), 10));
  });
}

/** What in raw text (between tags) is not escaped as our templates escape: a bare `&`, `<` or `>`. */
export function unescaped(raw: string): string[] {
  const found: string[] = [];
  const rest = raw.replace(REFERENCE, '');
  if (rest.includes('&')) found.push('a bare & (would start a character reference)');
  if (rest.includes('<')) found.push('a raw <');
  if (rest.includes('>')) found.push('a raw >');
  return found;
}

/** A tag as a shape: its name and its attribute names (values vary with the data, names must not). */
const shapeOf = (token: Token): string | null => {
  if (token.type === 'start') return `<${token.name}${token.attrs.map(([name]) => ` ${name}`).sort().join('')}>`;
  if (token.type === 'end') return `</${token.name}>`;
  if (token.type === 'comment') return '<!---->';
  return null;
};

export interface MessageItemView {
  seq: number;
  /** Every tag in the item, in order, by name and attribute names. */
  shape: string;
  /** The message text as a browser shows it (undefined when the item has no body: deleted). */
  body: string | undefined;
  /** Raw text of the body (for checking its escaping). */
  bodyRaw: string | undefined;
  /** Attributes of the element holding the body. */
  bodyAttrs: string[];
  /** The text in the edit form's textarea (the author's copy), as a browser shows it. */
  editText: string | undefined;
  editRaw: string | undefined;
  /** The author's shown first name. */
  author: string | undefined;
  authorRaw: string | undefined;
}

export interface PageView {
  /** Tags outside the list's items, in order, by shape. */
  outside: string;
  /** The tokens outside the list's items. */
  outsideTokens: Token[];
  items: MessageItemView[];
  tokens: Token[];
}

/**
 * Splits a page or a fragment into its message items (`<li id="m-<seq>">`) and everything else. The
 * list's other items (`m-<seq>-…`: the top-of-history marker, join notices) vary with the room's state
 * and are left out of both.
 */
export function readPage(html: string): PageView {
  const tokens = tokenize(html);
  const outside: string[] = [];
  const outsideTokens: Token[] = [];
  const items: MessageItemView[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const id = token.type === 'start' && token.name === 'li' ? token.attrs.find(([name]) => name === 'id')?.[1] : undefined;
    if (!id?.startsWith('m-')) {
      const shape = shapeOf(token);
      if (shape) outside.push(shape);
      outsideTokens.push(token);
      continue;
    }
    const seq = id.match(/^m-(\d+)$/)?.[1];
    // The item runs to the </li> that closes it.
    let depth = 0;
    let j = i;
    for (; j < tokens.length; j++) {
      const t = tokens[j]!;
      if (t.type === 'start' && t.name === 'li') depth++;
      if (t.type === 'end' && t.name === 'li' && --depth === 0) break;
    }
    if (seq) items.push(readItem(Number(seq), tokens.slice(i, j + 1)));
    i = j;
  }
  return { outside: outside.join(''), outsideTokens, items, tokens };
}

function textAfter(tokens: Token[], index: number, endName: string): string | undefined {
  if (index < 0) return undefined;
  let raw = '';
  for (let k = index + 1; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.type === 'end' && t.name === endName) return raw;
    if (t.type === 'text') raw += t.raw;
    else return `${raw}\u0000<markup inside>`; // anything but text here came from the data
  }
  return raw;
}

const hasClass = (token: Token, name: string) =>
  token.type === 'start' && (token.attrs.find(([attr]) => attr === 'class')?.[1] ?? '').split(/\s+/).includes(name);

function readItem(seq: number, tokens: Token[]): MessageItemView {
  const bodyAt = tokens.findIndex((t) => t.type === 'start' && t.name === 'div' && hasClass(t, 'message-body'));
  const editAt = tokens.findIndex((t) => t.type === 'start' && t.name === 'textarea');
  const authorAt = tokens.findIndex((t) => t.type === 'start' && t.name === 'span' && hasClass(t, 'author'));
  const bodyRaw = textAfter(tokens, bodyAt, 'div');
  const editRaw = textAfter(tokens, editAt, 'textarea');
  const authorRaw = textAfter(tokens, authorAt, 'span');
  const bodyToken = tokens[bodyAt];
  return {
    seq,
    shape: tokens.map(shapeOf).filter(Boolean).join(''),
    body: bodyRaw === undefined ? undefined : decode(bodyRaw),
    bodyRaw,
    bodyAttrs: bodyToken?.type === 'start' ? bodyToken.attrs.map(([name]) => name) : [],
    editText: editRaw === undefined ? undefined : decode(editRaw),
    editRaw,
    author: authorRaw === undefined ? undefined : decode(authorRaw),
    authorRaw,
  };
}

/**
 * Everything wrong with how one message item shows `expected`: its tags must be those of a harmless
 * message's item, its text escaped, the text a browser shows equal to the stored text, and the body
 * inside an element with hx-ignore (so htmx never processes it).
 */
export function itemProblems(item: MessageItemView, expected: string, baselineShape: string): string[] {
  const problems: string[] = [];
  if (item.shape !== baselineShape) problems.push(`tags differ from a harmless message's: ${item.shape} vs ${baselineShape}`);
  if (item.bodyRaw === undefined) return [...problems, 'no message body'];
  for (const what of unescaped(item.bodyRaw)) problems.push(`body has ${what}`);
  if (item.body !== expected) problems.push(`body shows ${JSON.stringify(item.body?.slice(0, 200))}, expected ${JSON.stringify(expected.slice(0, 200))}`);
  if (!item.bodyAttrs.includes('hx-ignore')) problems.push('body is not inside an element with hx-ignore');
  if (item.editRaw !== undefined) {
    if (/<\/textarea/i.test(item.editRaw)) problems.push('edit textarea closes early');
    for (const what of unescaped(item.editRaw)) problems.push(`edit textarea has ${what}`);
    if (item.editText !== expected) problems.push(`edit textarea holds ${JSON.stringify(item.editText?.slice(0, 200))}`);
  }
  return problems;
}

const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'data', 'xlink:href', 'poster', 'background', 'codebase', 'cite', 'srcset', 'ping']);

/** Counts of what would run or redirect in a browser: scripts, frames, handlers, live htmx attributes. */
export function dangerCounts(tokens: Token[]): Record<string, number> {
  const counts: Record<string, number> = {};
  const bump = (key: string) => (counts[key] = (counts[key] ?? 0) + 1);
  for (const token of tokens) {
    if (token.type !== 'start') continue;
    if (['script', 'iframe', 'base', 'object', 'embed', 'frame', 'frameset', 'svg', 'math', 'style', 'link', 'plaintext', 'template'].includes(token.name)) bump(`<${token.name}>`);
    if (token.name === 'meta' && token.attrs.some(([name]) => name === 'http-equiv')) bump('<meta http-equiv>');
    for (const [name, value] of token.attrs) {
      if (name.startsWith('on')) bump('on* attribute');
      // hx-ignore only switches htmx off (the app puts it around people's text), so it is not counted.
      if ((name.startsWith('hx-') || name.startsWith('data-hx-')) && name !== 'hx-ignore') bump(`${name.split(/[:=]/)[0]} attribute`);
      if (URL_ATTRIBUTES.has(name) && /^\s*(javascript|vbscript|data):/i.test(decode(value))) bump('script URL');
      if (name === 'srcdoc' || name === 'autofocus') bump(name);
    }
  }
  return counts;
}

/** An attribute of a start tag, or undefined. */
export const attr = (token: Token | undefined, name: string) => (token?.type === 'start' ? token.attrs.find(([n]) => n === name)?.[1] : undefined);

/** Every element matching `match`: its start tag and its raw text up to its end tag (markup inside is flagged). */
export function elements(tokens: Token[], match: (token: Extract<Token, { type: 'start' }>) => boolean): Array<{ tag: Extract<Token, { type: 'start' }>; raw: string }> {
  const found: Array<{ tag: Extract<Token, { type: 'start' }>; raw: string }> = [];
  tokens.forEach((token, i) => {
    if (token.type === 'start' && match(token)) found.push({ tag: token, raw: textAfter(tokens, i, token.name) ?? '' });
  });
  return found;
}

/** What is wrong with raw escaped text (or an attribute value) that should show `expected`. */
export function textProblems(raw: string | undefined, expected: string, what: string): string[] {
  if (raw === undefined) return [`${what}: not found`];
  const problems = unescaped(raw).map((found) => `${what}: ${found}`);
  if (raw.includes('\u0000<markup inside>')) problems.push(`${what}: markup inside`);
  else if (decode(raw) !== expected) problems.push(`${what}: shows ${JSON.stringify(decode(raw).slice(0, 120))}, expected ${JSON.stringify(expected.slice(0, 120))}`);
  return problems;
}
