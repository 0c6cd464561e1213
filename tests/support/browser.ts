import type { Hono } from 'hono';
import type { AppEnv } from '../../src/context.js';

/**
 * Plays a browser against the in-process app: keeps cookies, sends the Origin a same-site form post
 * carries, and never follows redirects (tests look at them).
 */
export class Browser {
  readonly cookies = new Map<string, string>();

  constructor(
    private readonly app: Hono<AppEnv>,
    readonly origin = 'http://localhost',
  ) {}

  async get(path: string, headers: Record<string, string> = {}) {
    return this.send(path, { method: 'GET', headers });
  }

  /** A form submission, as a browser makes it from one of our own pages. */
  async post(path: string, fields: Record<string, string> = {}, headers: Record<string, string> = {}) {
    return this.send(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: this.origin, ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  }

  async send(path: string, init: { method: string; headers: Record<string, string>; body?: string }) {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const headers = { ...(cookie ? { cookie } : {}), ...init.headers };
    const response = await this.app.request(new URL(path, this.origin).toString(), { ...init, headers });
    for (const line of response.headers.getSetCookie()) this.store(line);
    return response;
  }

  private store(setCookie: string) {
    const [pair = '', ...attributes] = setCookie.split(';');
    const index = pair.indexOf('=');
    const name = pair.slice(0, index).trim();
    const value = pair.slice(index + 1).trim();
    const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
    if (expired) this.cookies.delete(name);
    else this.cookies.set(name, value);
  }
}

export const validSignup = (overrides: Record<string, string> = {}) => ({
  username: 'ada_lovelace',
  first_name: 'Ada',
  last_name: 'Lovelace',
  password: 'analytical engine 1843',
  icon: 'owl',
  ...overrides,
});
