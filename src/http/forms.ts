import type { Context } from 'hono';

/** A request whose body cannot be read at all: answered 400 with the message (see app.tsx). */
export class BadRequest extends Error {}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The body's bytes, refused unless they are UTF-8 (rather than silently replaced with U+FFFD). */
async function utf8Body(c: Context): Promise<{ bytes: ArrayBuffer; text: string }> {
  const bytes = await c.req.arrayBuffer();
  try {
    return { bytes, text: strictUtf8.decode(bytes) };
  } catch {
    throw new BadRequest('The body is not valid UTF-8 text.');
  }
}
const bodyText = async (c: Context) => (await utf8Body(c)).text;

/** multipart/form-data (no form here uploads files: every part is text, so the whole body is UTF-8). */
async function parseMultipart(c: Context, type: string): Promise<Record<string, unknown>> {
  const { bytes } = await utf8Body(c);
  const data = await new Response(bytes, { headers: { 'content-type': type } }).formData().catch(() => null);
  return data ? Object.fromEntries(data) : {};
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequest('The body is not valid JSON.');
  }
}

/** application/x-www-form-urlencoded, with percent-escapes that must also decode to UTF-8. */
function parseUrlEncoded(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const pair of text.split('&')) {
    if (!pair) continue;
    const at = pair.indexOf('=');
    const [name, value] = at === -1 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
    try {
      fields[decodeURIComponent(name.replace(/\+/g, ' '))] = decodeURIComponent(value.replace(/\+/g, ' '));
    } catch {
      throw new BadRequest('The form holds bytes that are not valid UTF-8 text.');
    }
  }
  return fields;
}

const isJsonType = (c: Context) => /^application\/json\s*(;|$)/i.test(c.req.header('content-type') ?? '');

/**
 * The submitted fields as plain strings, from a form or (for API clients) a JSON object; files,
 * repeated fields and non-string values are ignored, so validation reports them as missing. A body
 * that is not UTF-8, claims to be JSON and is not, or holds a NUL character is a BadRequest (400).
 */
export async function formFields(c: Context): Promise<Record<string, string>> {
  const type = c.req.header('content-type') ?? '';
  let body: unknown;
  if (isJsonType(c)) body = parseJson(await bodyText(c));
  else if (/^application\/x-www-form-urlencoded/i.test(type)) body = parseUrlEncoded(await bodyText(c));
  else if (/^multipart\/form-data/i.test(type)) body = await parseMultipart(c, type);
  return stringFields(body);
}

/** The top-level string fields of a parsed body, never `__proto__`, never a NUL character. */
function stringFields(body: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return fields;
  for (const [name, value] of Object.entries(body)) {
    if (typeof value !== 'string' || name === '__proto__') continue;
    // PostgreSQL text cannot hold NUL, and no person types one: refuse it by name.
    if (value.includes('\u0000')) throw new BadRequest(`The field “${name.slice(0, 40)}” contains a NUL character; remove it and send again.`);
    fields[name] = value;
  }
  return fields;
}

export type JsonBody = { ok: true; body: unknown } | { ok: false; status: 400 | 415; error: string };

/** JSON endpoints take JSON only: a form post from another site can never reach them as valid input. */
export async function jsonBody(c: Context): Promise<JsonBody> {
  if (!isJsonType(c)) {
    return { ok: false, status: 415, error: 'Send the body as JSON with Content-Type: application/json.' };
  }
  try {
    const body = parseJson(await bodyText(c));
    stringFields(body);
    return { ok: true, body };
  } catch (error) {
    if (error instanceof BadRequest) return { ok: false, status: 400, error: error.message };
    throw error;
  }
}
