import { validSignup } from './browser.js';
import { LiveClient } from './socket.js';

/** Someone signed in to a real server over HTTP, who can open the page's sockets like a browser. */
export class Person {
  constructor(
    readonly baseUrl: string,
    readonly cookie: string,
    readonly firstName: string,
  ) {}

  static async signUp(baseUrl: string, username: string, firstName: string): Promise<Person> {
    const response = await fetch(`${baseUrl}/signup/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: baseUrl },
      body: new URLSearchParams(validSignup({ username, first_name: firstName })).toString(),
      redirect: 'manual',
    });
    const cookie = response.headers.getSetCookie().find((line) => line.startsWith('hubbub_session='));
    if (response.status !== 303 || !cookie) throw new Error(`sign-up of ${username} failed: ${response.status}`);
    return new Person(baseUrl, cookie.split(';')[0]!, firstName);
  }

  /** The same session, talking to another instance (the browser's origin is that instance's). */
  at(baseUrl: string): Person {
    return new Person(baseUrl, this.cookie, this.firstName);
  }

  async request(method: string, path: string, json?: unknown) {
    const headers: Record<string, string> = { cookie: this.cookie, origin: this.baseUrl, accept: 'application/json' };
    if (json !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body: json === undefined ? undefined : JSON.stringify(json), redirect: 'manual' });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async createRoom(name: string): Promise<string> {
    const { status, body } = await this.request('POST', '/lobby/', { name, image: 'chat' });
    if (status !== 201) throw new Error(`could not create room ${name}: ${status} ${JSON.stringify(body)}`);
    return body.slug as string;
  }

  /** Sends a message over HTTP; answers its seq. */
  async say(slug: string, body: string): Promise<number> {
    const { status, body: message } = await this.request('POST', `/lobby/${slug}/messages/`, { body });
    if (status !== 201) throw new Error(`send failed: ${status} ${JSON.stringify(message)}`);
    return message.seq as number;
  }

  async edit(slug: string, seq: number, body: string) {
    return this.request('PATCH', `/lobby/${slug}/messages/${seq}/`, { body });
  }

  async remove(slug: string, seq: number) {
    return this.request('DELETE', `/lobby/${slug}/messages/${seq}/`);
  }

  /**
   * Opens a room's socket like the room page does, into `opened` (for cleanup), and waits for the
   * presence list: the last frame of joining, so any catch-up has arrived before it.
   */
  async enter(slug: string, opened: LiveClient[], after?: number): Promise<LiveClient> {
    const client = await this.open(`/lobby/${slug}/ws/${after === undefined ? '' : `?after=${after}`}`);
    opened.push(client);
    await client.waitFor('the presence list', (frame) => frame.includes('<div id="presence"'));
    return client;
  }

  open(path: string, headers: Record<string, string> = {}): Promise<LiveClient> {
    return LiveClient.open(`${this.baseUrl}${path}`, { cookie: this.cookie, origin: this.baseUrl, ...headers });
  }
}
