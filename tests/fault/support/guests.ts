/**
 * Guests over plain HTTP, as a browser does it: sessions live in the database, so a cookie from one
 * instance works on all of them, as long as each request names that instance as its Origin.
 */

export interface Guest {
  cookie: string;
}

/**
 * Runs a setup request again after a failure (a 5xx, a network error), as a person would press the
 * button again: setup is not what a scenario measures, but each failure is noted in `trouble`.
 */
export async function retrying<T>(what: string, request: () => Promise<T>, trouble: string[], attempts = 10): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      trouble.push(`${what}: ${(error as Error).message.slice(0, 200)}`);
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Headers a browser page on `baseUrl` sends with its session. */
export function pageHeaders(baseUrl: string, cookie: string, json = false): Record<string, string> {
  const headers: Record<string, string> = { cookie, origin: baseUrl, accept: 'application/json' };
  if (json) headers['content-type'] = 'application/json';
  return headers;
}

/** `POST /guest/`: a new guest user and session (no password, so no slow hashing). */
export async function signInGuest(baseUrl: string): Promise<Guest> {
  const response = await fetch(`${baseUrl}/guest/`, { method: 'POST', headers: { origin: baseUrl }, redirect: 'manual' });
  const cookie = response.headers.getSetCookie().find((line) => line.startsWith('hubbub_session='));
  if (response.status !== 303 || !cookie) throw new Error(`guest sign-in failed: ${response.status} ${(await response.text()).slice(0, 300)}`);
  return { cookie: cookie.split(';')[0]! };
}

/** Signs in `count` guests, spread over the instances in turn, a few at a time. */
export async function signInGuests(urls: string[], count: number, trouble: string[]): Promise<Guest[]> {
  const guests: Guest[] = new Array(count);
  const next = { index: 0 };
  const worker = async () => {
    for (let i = next.index++; i < count; i = next.index++) {
      const url = urls[i % urls.length]!;
      guests[i] = await retrying(`guest sign-in at ${url}`, () => signInGuest(url), trouble);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, count) }, worker));
  return guests;
}

/** `POST /lobby/`: a new room; answers its slug. */
export async function createRoom(baseUrl: string, guest: Guest, name: string): Promise<string> {
  const response = await fetch(`${baseUrl}/lobby/`, {
    method: 'POST',
    headers: pageHeaders(baseUrl, guest.cookie, true),
    body: JSON.stringify({ name, image: 'chat' }),
    redirect: 'manual',
  });
  const body = (await response.json()) as { slug?: string };
  if (response.status !== 201 || !body.slug) throw new Error(`could not create room ${name}: ${response.status} ${JSON.stringify(body)}`);
  return body.slug;
}

export interface HistoryMessage {
  seq: number;
  updated_seq: number;
}

/** The room as its page shows it: the cursor (last_seq, read first) and the newest 50 messages. */
export async function roomPage(baseUrl: string, guest: Guest, slug: string, signal?: AbortSignal) {
  const response = await fetch(`${baseUrl}/lobby/${slug}/`, { headers: pageHeaders(baseUrl, guest.cookie), signal });
  if (response.status !== 200) throw new Error(`room page: ${response.status}`);
  const body = (await response.json()) as { room: { last_seq: number }; messages: HistoryMessage[]; has_older: boolean };
  return { lastSeq: body.room.last_seq, messages: body.messages, hasOlder: body.has_older };
}

/** One page of older history: the 50 messages before `before`, oldest first. */
export async function historyBefore(baseUrl: string, guest: Guest, slug: string, before: number, signal?: AbortSignal) {
  const response = await fetch(`${baseUrl}/lobby/${slug}/messages/?before=${before}`, { headers: pageHeaders(baseUrl, guest.cookie), signal });
  if (response.status !== 200) throw new Error(`history before ${before}: ${response.status}`);
  const body = (await response.json()) as { messages: HistoryMessage[]; has_older: boolean; next_before: number | null };
  return { messages: body.messages, hasOlder: body.has_older };
}

/** The signed-in user's username (who am I: `GET /` as JSON). */
export async function whoAmI(baseUrl: string, guest: Guest): Promise<string> {
  const response = await fetch(`${baseUrl}/`, { headers: { cookie: guest.cookie, accept: 'application/json' } });
  const name = response.ok ? ((await response.json()) as { user: { username: string } | null }).user?.username : undefined;
  if (!name) throw new Error(`could not tell who is signed in: ${response.status}`);
  return name;
}
